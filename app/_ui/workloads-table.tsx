// The workloads table (overview and /workloads): one row per workload with terminations in the
// range, sorted by failed shutdowns then count unless the URL says otherwise; sort links in the
// column heads keep every other parameter.
import type { WorkloadCounts, WorkloadSummary, WorkloadTail, WorkloadTrend } from "../../lib/store/queries.ts";
import { count, seconds, wholeSeconds } from "./format.ts";
import { failedCount, OutcomeBar, OutcomeLegend } from "./outcome.tsx";
import { choice, href, workloadHref, type Search } from "./params.ts";
import { Time } from "./parts.tsx";

export const SORT_KEYS = ["failed", "terminations", "drain", "lag", "5xx", "last", "name"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface Sort {
  key: SortKey;
  dir: "asc" | "desc";
}

export function parseSort(search: Search): Sort {
  const key = choice(search, "sort", SORT_KEYS, "failed");
  const dir = choice(search, "dir", ["asc", "desc"] as const, key === "name" ? "asc" : "desc");
  return { key, dir };
}

/** What sorting reads: counts always; percentiles only when sorting by them (sortNeedsPercentiles). */
type Sortable = WorkloadCounts & Partial<Pick<WorkloadTail, "drainSeconds" | "endpointLagSeconds">>;

/** Sorting by these needs every workload's percentiles; any other order needs only counts. */
export const sortNeedsPercentiles = (sort: Sort): boolean => sort.key === "drain" || sort.key === "lag";

const value: Record<SortKey, (w: Sortable) => number | string | null> = {
  failed: (w) => failedCount(w.outcomes),
  terminations: (w) => w.terminations,
  drain: (w) => w.drainSeconds?.p95 ?? null,
  lag: (w) => w.endpointLagSeconds?.p95 ?? null,
  "5xx": (w) => w.errors5xx,
  last: (w) => w.lastTerminationAt,
  name: (w) => `${w.name}\u0000${w.namespace}\u0000${w.kind}\u0000${w.cluster}`,
};

/** Sorted copy: the chosen key (nulls last either way), then failed, count, newest. */
export function sortWorkloads<T extends Sortable>(items: readonly T[], sort: Sort): T[] {
  const cmp = (a: number | string | null, b: number | string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);
  const sign = sort.dir === "asc" ? 1 : -1;
  return [...items].sort((a, b) => {
    const va = value[sort.key](a);
    const vb = value[sort.key](b);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else {
      const c = cmp(va, vb);
      if (c !== 0) return sign * c;
    }
    return -cmp(failedCount(a.outcomes), failedCount(b.outcomes)) || b.terminations - a.terminations || -cmp(a.lastTerminationAt, b.lastTerminationAt);
  });
}

/** A shown row: the overview's tails (p95, max), or /workloads' full summary (p50 too). */
export type WorkloadRow = WorkloadTail | WorkloadSummary;

export const workloadKey = (w: { cluster: string; namespace: string; kind: string; name: string }): string => [w.cluster, w.namespace, w.kind, w.name].join("\u0000");

function SortHead({ label, k, sort, path, search, num, title }: { label: string; k: SortKey; sort: Sort; path: string; search: Search; num?: boolean; title?: string }) {
  const active = sort.key === k;
  const nextDir = active ? (sort.dir === "asc" ? "desc" : "asc") : k === "name" ? "asc" : "desc";
  return (
    <th className={num ? "num" : undefined} aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined} title={title}>
      <a href={href(path, search, { sort: k, dir: nextDir, page: undefined })}>
        {label}
        {active ? (sort.dir === "asc" ? " ↑" : " ↓") : ""}
      </a>
    </th>
  );
}

/** Terminations per bucket as a line, failed shutdowns as red ticks under it. */
export function Sparkline({ trend, width = 96, height = 22 }: { trend: WorkloadTrend | undefined; width?: number; height?: number }) {
  if (!trend || trend.terminations.length === 0) return <span className="faint">—</span>;
  const n = trend.terminations.length;
  const max = Math.max(1, ...trend.terminations);
  const x = (i: number) => (n === 1 ? width / 2 : (i * (width - 2)) / (n - 1) + 1);
  const y = (v: number) => height - 3 - (v / max) * (height - 6);
  const d = trend.terminations.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  const total = trend.terminations.reduce((a, b) => a + b, 0);
  const failed = trend.failed.reduce((a, b) => a + b, 0);
  // Every tick in one path, coordinates to 0.1 px: 50 rows × 24 buckets as elements made the
  // overview's HTML and its RSC payload twice as heavy.
  const ticks = trend.failed
    .map((f, i) => {
      if (f <= 0) return "";
      const h = Math.max(2, Math.min(1, f / max) * (height - 6));
      return `M${(x(i) - 1).toFixed(1)},${(height - 2 - h).toFixed(1)}h2v${h.toFixed(1)}h-2z`;
    })
    .join("");
  return (
    <svg className="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${total} terminations, ${failed} failed, over the range`}>
      <path d={d} />
      {ticks ? <path className="bad" d={ticks} /> : null}
    </svg>
  );
}

export function WorkloadsTable({
  items,
  trends,
  sort,
  path,
  search,
  now,
  full = false,
  multiCluster,
  page,
}: {
  /** Every workload in range (the pager counts them). */
  items: WorkloadCounts[];
  trends: Map<string, WorkloadTrend>;
  sort: Sort;
  path: string;
  search: Search;
  now: number;
  /** /workloads: p50 and max drain, causes, requests. */
  full?: boolean;
  multiCluster: boolean;
  /** The page shown (`page` in the URL): a cluster with thousands of workloads renders one page. */
  page: { items: WorkloadRow[]; number: number; pages: number; size: number };
}) {
  const head = { sort, path, search };
  const { items: shown, number, pages, size } = page;
  return (
    <>
      <OutcomeLegend />
      <div className="table-wrap">
        <table data-testid="workloads" className="cards">
          <thead>
            <tr>
              <SortHead label="Workload" k="name" {...head} />
              <SortHead label="Terminations" k="terminations" num {...head} />
              <SortHead label="Failed · outcomes" k="failed" {...head} title="sigkill + oom + error" />
              <SortHead label="p95 drain / grace" k="drain" num {...head} title="95th percentile of drain time, beside the newest grace period" />
              {full ? <th className="num">p50 · max drain</th> : null}
              <SortHead label="p95 endpoint lag" k="lag" num {...head} />
              {full ? <th className="num">Requests</th> : null}
              <SortHead label="5xx" k="5xx" num {...head} title="5xx during termination windows" />
              <SortHead label="Last termination (UTC)" k="last" {...head} />
              {full ? <th>Causes</th> : <th className="hide-narrow">Trend</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((w) => {
              const failed = failedCount(w.outcomes);
              const over = w.drainSeconds !== null && w.gracePeriodSeconds !== null && w.drainSeconds.p95 > w.gracePeriodSeconds;
              return (
                <tr key={workloadKey(w)} data-workload={`${w.namespace}/${w.kind}/${w.name}`}>
                  <td className="name">
                    <a href={workloadHref(w, search)}>{w.name}</a>
                    <span className="sub">
                      {w.kind} · {w.namespace}
                      {multiCluster ? ` · ${w.cluster}` : ""}
                    </span>
                  </td>
                  <td className="num" data-col="terminations" data-label="terminations">
                    {count(w.terminations)}
                  </td>
                  <td className="nowrap">
                    <span className={failed > 0 ? "bad-num" : "muted"} data-col="failed">
                      {count(failed)} failed
                    </span>
                    <OutcomeBar counts={w.outcomes} />
                  </td>
                  <td className="num" data-label="p95 drain">
                    <span className={over ? "over" : undefined}>{seconds(w.drainSeconds?.p95 ?? null)}</span>
                    <span className="muted"> / {wholeSeconds(w.gracePeriodSeconds)}</span>
                  </td>
                  {full ? (
                    <td className="num muted" data-label="p50 · max">
                      {seconds(w.drainSeconds && "p50" in w.drainSeconds ? w.drainSeconds.p50 : null)} · {seconds(w.drainSeconds?.max ?? null)}
                    </td>
                  ) : null}
                  <td className="num" data-label="p95 lag">
                    {seconds(w.endpointLagSeconds?.p95 ?? null)}
                  </td>
                  {full ? (
                    <td className="num" data-label="requests">
                      {count(w.requests)}
                    </td>
                  ) : null}
                  <td className="num" data-col="5xx" data-label="5xx">
                    {w.errors5xx === null ? <span className="faint" title="no traffic data">—</span> : <span className={w.errors5xx > 0 ? "bad-num" : undefined}>{count(w.errors5xx)}</span>}
                  </td>
                  <td className="time">
                    <Time iso={w.lastTerminationAt} now={now} block />
                  </td>
                  {full ? (
                    <td className="muted nowrap">
                      {Object.entries(w.causes)
                        .map(([c, n]) => `${c} ${n}`)
                        .join(" · ")}
                    </td>
                  ) : (
                    <td className="hide-narrow">
                      <Sparkline trend={trends.get(workloadKey(w))} />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <nav className="pager meta" aria-label="workload pages" data-testid="workloads-pager">
          workloads {count((number - 1) * size + 1)}–{count((number - 1) * size + shown.length)} of {count(items.length)}
          {number > 1 ? (
            <>
              {" · "}
              <a href={href(path, search, { page: number === 2 ? undefined : String(number - 1) })} rel="prev">
                ← previous
              </a>
            </>
          ) : null}
          {number < pages ? (
            <>
              {" · "}
              <a href={href(path, search, { page: String(number + 1) })} rel="next">
                next →
              </a>
            </>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
