// What the overview and /workloads share: the URL's filters, the workload summaries and trends
// for them, and the filter bar.
import { load, type Loaded } from "../../lib/errors.ts";
import { findClusters, findNamespaces, findWorkloadSummaries, findWorkloadTrends, type WorkloadFilter, type WorkloadSummary, type WorkloadTrend } from "../../lib/store/queries.ts";
import type { Outcome } from "../../lib/tracker/record.ts";
import { Filters } from "./filters.tsx";
import { one, ParamError, parseOutcomes, parseRange, type Range, type Search } from "./params.ts";
import { parseSort, sortWorkloads, workloadKey, type Sort } from "./workloads-table.tsx";

/** Sparkline resolution. */
const TREND_BUCKETS = 24;

export type WorkloadsView =
  | { ok: false; paramError: string }
  | {
      ok: true;
      range: Range;
      outcomes: Outcome[];
      sort: Sort;
      filter: WorkloadFilter;
      summaries: Loaded<WorkloadSummary[]>;
      /** The page of sorted summaries shown (`page` in the URL). */
      page: { items: WorkloadSummary[]; number: number; pages: number; size: number };
      /** Sparklines of the shown page's workloads. */
      trends: Map<string, WorkloadTrend>;
      clusters: string[];
      namespaces: string[];
    };

export async function loadWorkloadsView(search: Search, now: number, pageSize: number): Promise<WorkloadsView> {
  let range: Range;
  let outcomes: Outcome[];
  let sort: Sort;
  try {
    range = parseRange(search, now);
    outcomes = parseOutcomes(search);
    sort = parseSort(search);
  } catch (err) {
    if (err instanceof ParamError) return { ok: false, paramError: err.message };
    throw err;
  }
  const cluster = one(search, "cluster");
  const filter: WorkloadFilter = {
    cluster,
    namespace: one(search, "namespace"),
    outcome: outcomes.length ? outcomes : undefined,
    since: range.since,
    until: range.until,
  };
  const [summaries, clusters, namespaces] = await Promise.all([load(findWorkloadSummaries(filter)), load(findClusters()), load(findNamespaces(cluster))]);
  const sorted = summaries.ok ? sortWorkloads(summaries.value, sort) : [];
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const requested = Number.parseInt(one(search, "page") ?? "1", 10);
  const number = Number.isInteger(requested) && requested >= 1 ? Math.min(requested, pages) : 1;
  const shown = sorted.slice((number - 1) * pageSize, number * pageSize);
  // Sparklines only for the rows shown: a page of workloads reads through the (workload, time) index.
  const trends =
    shown.length === 0 ? null : await load(findWorkloadTrends({ ...filter, since: range.since, until: range.until ?? new Date(now), workloads: shown }, TREND_BUCKETS));
  return {
    ok: true,
    range,
    outcomes,
    sort,
    filter,
    summaries: summaries.ok ? { ok: true, value: sorted } : summaries,
    page: { items: shown, number, pages, size: pageSize },
    trends: new Map(trends?.ok ? trends.value.items.map((t) => [workloadKey(t), t]) : []),
    clusters: clusters.ok ? clusters.value : [],
    namespaces: namespaces.ok ? namespaces.value : [],
  };
}

export function WorkloadFilters({ view, path, search }: { view: Extract<WorkloadsView, { ok: true }>; path: string; search: Search }) {
  return (
    <Filters
      path={path}
      search={search}
      range={view.range}
      outcomes={view.outcomes}
      fields={{ cluster: true, namespace: true, outcome: true }}
      options={{ clusters: view.clusters, namespaces: view.namespaces }}
    />
  );
}
