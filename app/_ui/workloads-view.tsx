// What the overview and /workloads share: the URL's filters, the workload summaries and trends
// for them, and the filter bar.
import { load, type Loaded } from "../../lib/errors.ts";
import {
  findClusters,
  findNamespaces,
  findWorkloadCounts,
  findWorkloadSummaries,
  findWorkloadTails,
  findWorkloadTrends,
  type WorkloadCounts,
  type WorkloadFilter,
  type WorkloadTrend,
} from "../../lib/store/queries.ts";
import type { Outcome } from "../../lib/tracker/record.ts";
import { Filters } from "./filters.tsx";
import { one, ParamError, parseOutcomes, parseRange, type Range, type Search } from "./params.ts";
import { parseSort, sortNeedsPercentiles, sortWorkloads, workloadKey, type Sort, type WorkloadRow } from "./workloads-table.tsx";

/** Sparkline resolution. */
const TREND_BUCKETS = 24;

/**
 * Below this range, every workload's full percentiles (sorted) cost less than their tails by rank:
 * a rank read walks about a twentieth of a workload's stored values, whatever the range.
 */
const RANK_FROM_MS = 7 * 86_400_000;

export type WorkloadsView =
  | { ok: false; paramError: string }
  | {
      ok: true;
      range: Range;
      outcomes: Outcome[];
      sort: Sort;
      filter: WorkloadFilter;
      /** Every workload in range, sorted: counts (tiles, pager); with percentiles when the sort needs them. */
      summaries: Loaded<WorkloadCounts[]>;
      /** The page of sorted summaries shown (`page` in the URL). */
      page: { items: WorkloadRow[]; number: number; pages: number; size: number };
      /** Sparklines of the shown page's workloads. */
      trends: Map<string, WorkloadTrend>;
      clusters: string[];
      namespaces: string[];
    };

/**
 * `full` (/workloads) shows p50 and max drain too: its page rows are full summaries. The overview
 * shows the tails only (p95 drain and lag, by rank: lib/store/tails.ts).
 */
export async function loadWorkloadsView(search: Search, now: number, pageSize: number, full = false): Promise<WorkloadsView> {
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
  // Rows are ordered by counts from the rollup (lib/store/rollup.ts); percentiles are read for the
  // shown rows only, unless the order itself is by a percentile: then every workload's, by rank on
  // a long range (a twentieth of each workload's values) and sorted on a short one.
  const byPercentile = sortNeedsPercentiles(sort);
  const long = range.since === undefined || (range.until?.getTime() ?? now) - range.since.getTime() >= RANK_FROM_MS;
  const rankedRead = byPercentile ? load<WorkloadRow[]>(long ? findWorkloadTails(filter) : findWorkloadSummaries(filter)) : null;
  const [listed, clusters, namespaces] = await Promise.all([rankedRead ?? load(findWorkloadCounts(filter)), load(findClusters()), load(findNamespaces(cluster))]);
  const ranked = rankedRead && (await rankedRead);
  const requested = Number.parseInt(one(search, "page") ?? "1", 10);
  const paged = <T extends WorkloadCounts>(items: readonly T[]) => {
    const sorted = sortWorkloads(items, sort);
    const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
    const number = Number.isInteger(requested) && requested >= 1 ? Math.min(requested, pages) : 1;
    return { sorted, pages, number, rows: sorted.slice((number - 1) * pageSize, number * pageSize) };
  };
  // Ordered once: by the rows with percentiles when the sort needed them, else by the counts.
  const ordered = ranked?.ok ? paged(ranked.value) : null;
  const { sorted, pages, number, rows } = ordered ?? paged<WorkloadCounts>(listed.ok ? listed.value : []);
  // Rows ordered by a percentile already have what the overview shows (and /workloads, when they
  // are full summaries). Otherwise the shown rows' full summaries for /workloads (in two halves of
  // about equal terminations: on a long range the page of the busiest workloads holds a third of
  // every value) or tails for the overview. With the sparklines, all at once on separate
  // connections, each through the (workload, …) indexes of these workloads only.
  const have = ordered && (!full || !long) ? ordered.rows : null;
  const [details, trends] =
    rows.length === 0
      ? [null, null]
      : await Promise.all([
          have
            ? null
            : full
              ? load(Promise.all(halves(rows).map((part) => findWorkloadSummaries({ ...filter, workloads: part }))).then((parts): WorkloadRow[] => parts.flat()))
              : load<WorkloadRow[]>(findWorkloadTails({ ...filter, workloads: rows })),
          load(findWorkloadTrends({ ...filter, since: range.since, until: range.until ?? new Date(now), workloads: rows }, TREND_BUCKETS)),
        ]);
  let shown: WorkloadRow[] = have ?? [];
  if (details?.ok) {
    // In the order of the counts (a workload whose terminations were deleted in between drops out).
    const byKey = new Map(details.value.map((d) => [workloadKey(d), d]));
    shown = rows.flatMap((r) => byKey.get(workloadKey(r)) ?? []);
  }
  const summaries: Loaded<WorkloadCounts[]> = details && !details.ok ? details : listed.ok ? { ok: true, value: sorted } : listed;
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
