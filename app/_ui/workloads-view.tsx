// What the overview and /workloads share: the URL's filters, the workload summaries and trends
// for them, and the filter bar.
import { load, type Loaded } from "../../lib/errors.ts";
import {
  findClusters,
  findNamespaces,
  findWorkloadCounts,
  findWorkloadSummaries,
  findWorkloadTrends,
  type WorkloadCounts,
  type WorkloadFilter,
  type WorkloadSummary,
  type WorkloadTrend,
} from "../../lib/store/queries.ts";
import type { Outcome } from "../../lib/tracker/record.ts";
import { Filters } from "./filters.tsx";
import { one, ParamError, parseOutcomes, parseRange, type Range, type Search } from "./params.ts";
import { parseSort, sortNeedsPercentiles, sortWorkloads, workloadKey, type Sort } from "./workloads-table.tsx";

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
      /** Every workload in range, sorted: counts (tiles, pager); full summaries when the sort needs them. */
      summaries: Loaded<WorkloadCounts[]>;
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
  // Percentiles need every value of a workload in range: read them for the shown rows only, unless
  // the order itself is by a percentile. Counts come from the rollup (lib/store/rollup.ts).
  const full = sortNeedsPercentiles(sort);
  const [listed, clusters, namespaces] = await Promise.all([
    full ? load(findWorkloadSummaries(filter)).then((l) => ({ full: true as const, l })) : load(findWorkloadCounts(filter)).then((l) => ({ full: false as const, l })),
    load(findClusters()),
    load(findNamespaces(cluster)),
  ]);
  const requested = Number.parseInt(one(search, "page") ?? "1", 10);
  const paged = <T extends WorkloadCounts>(items: readonly T[]) => {
    const sorted = sortWorkloads(items, sort);
    const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
    const number = Number.isInteger(requested) && requested >= 1 ? Math.min(requested, pages) : 1;
    return { sorted, pages, number, rows: sorted.slice((number - 1) * pageSize, number * pageSize) };
  };
  const { sorted, pages, number, rows } = paged<WorkloadCounts>(listed.l.ok ? listed.l.value : []);
  // The shown rows' summaries (in two halves of about equal terminations: on a long range the page of
  // the busiest workloads holds a third of every value) and sparklines, all at once on separate
  // connections; each reads only these workloads, through the (workload, time) index.
  const [details, trends] =
    rows.length === 0
      ? [null, null]
      : await Promise.all([
          listed.full ? null : load(Promise.all(halves(rows).map((part) => findWorkloadSummaries({ ...filter, workloads: part }))).then((parts) => parts.flat())),
          load(findWorkloadTrends({ ...filter, since: range.since, until: range.until ?? new Date(now), workloads: rows }, TREND_BUCKETS)),
        ]);
  let shown: WorkloadSummary[] = [];
  if (listed.full && listed.l.ok) shown = paged(listed.l.value).rows;
  else if (details?.ok) {
    // In the order of the counts (a workload whose terminations were deleted in between drops out).
    const byKey = new Map(details.value.map((d) => [workloadKey(d), d]));
    shown = rows.flatMap((r) => byKey.get(workloadKey(r)) ?? []);
  }
  const summaries: Loaded<WorkloadCounts[]> = details && !details.ok ? details : listed.l.ok ? { ok: true, value: sorted } : listed.l;
  return {
    ok: true,
    range,
    outcomes,
    sort,
    filter,
    summaries,
    page: { items: shown, number, pages, size: pageSize },
    trends: new Map(trends?.ok ? trends.value.items.map((t) => [workloadKey(t), t]) : []),
    clusters: clusters.ok ? clusters.value : [],
    namespaces: namespaces.ok ? namespaces.value : [],
  };
}

/** Two non-empty parts of about equal terminations (largest first, each to the lighter part). */
export function halves<T extends { terminations: number }>(rows: readonly T[]): T[][] {
  const parts: [T[], T[]] = [[], []];
  const weight: [number, number] = [0, 0];
  for (const r of [...rows].sort((a, b) => b.terminations - a.terminations)) {
    const i = weight[0] <= weight[1] ? 0 : 1;
    parts[i].push(r);
    weight[i] += r.terminations;
  }
  return parts.filter((p) => p.length > 0);
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
