// Counts over a time range from workload_days (a per workload and UTC day rollup, counts by outcome
// and by cause, kept current by triggers on terminations; see its migrations) plus, for the partial
// days at the range's ends, the terminations themselves (index-only, through terminations_time_covering_idx). Same numbers as
// aggregating terminations over the whole range, without reading every termination.
import { CAUSES, OUTCOMES } from "../tracker/record.ts";
import type { Params } from "./sql.ts";

const DAY_MS = 86_400_000;

export interface DaySplit {
  /** Whole UTC days read from workload_days, [from, to) as YYYY-MM-DD (null: unbounded); null: none. */
  days: { from: string | null; to: string | null } | null;
  /** Terminations with no request time (workload_days' -infinity day) count only in unbounded ranges. */
  unknown: boolean;
  /** Parts read from terminations: request time in [from, to), or [from, to] when `inclusive`. */
  edges: { from: string; to: string; inclusive: boolean }[];
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Splits [since, until] (both inclusive, ms precision like the stored times) into whole days and the rest. */
export function splitDays(range: { since?: Date; until?: Date }): DaySplit {
  const s = range.since?.getTime();
  const u = range.until?.getTime();
  if (s === undefined && u === undefined) return { days: { from: null, to: null }, unknown: true, edges: [] };
  // First whole day starts at or after since; the last one ends at or before until + 1 ms.
  const d0 = s === undefined ? null : Math.ceil(s / DAY_MS) * DAY_MS;
  const d1 = u === undefined ? null : Math.floor((u + 1) / DAY_MS) * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (d0 !== null && d1 !== null && d0 >= d1) {
    return { days: null, unknown: false, edges: [{ from: iso(s!), to: iso(u!), inclusive: true }] };
  }
  const edges: DaySplit["edges"] = [];
  if (s !== undefined && d0 !== null && s < d0) edges.push({ from: iso(s), to: iso(d0), inclusive: false });
  if (u !== undefined && d1 !== null && d1 <= u) edges.push({ from: iso(d1), to: iso(u), inclusive: true });
  return { days: { from: d0 === null ? null : isoDay(d0), to: d1 === null ? null : isoDay(d1) }, unknown: false, edges };
}

/** workload_days' column counting one cause. */
export const causeColumn = (cause: (typeof CAUSES)[number]): string => `cause_${cause.replace(/-/g, "_")}`;

/**
 * Columns of one counts row, per workload_id: n, one per outcome, one per cause, wt (with traffic),
 * rq, e5, dn (with a drain time), ln (with an endpoint lag).
 */
export const COUNT_COLUMNS = ["n", ...OUTCOMES, ...CAUSES.map(causeColumn), "wt", "rq", "e5", "dn", "ln"] as const;

/**
 * SQL of count rows over the split range for the workloads `scope` admits (a condition on a
 * `workload_id` column, or "" for all): columns workload_id and COUNT_COLUMNS, several rows per
 * workload (days and partial days): sum them.
 */
export function countsSql(split: DaySplit, scope: string, p: Params): string {
  const parts: string[] = [];
  const and = (cs: string[]) => (cs.length ? `WHERE ${cs.join(" AND ")}` : "");
  if (split.days) {
    const cs: string[] = [];
    if (!split.unknown) cs.push(`d.day > '-infinity'::date`);
    if (split.days.from !== null) cs.push(`d.day >= ${p.add(split.days.from)}::date`);
    if (split.days.to !== null) cs.push(`d.day < ${p.add(split.days.to)}::date`);
    if (scope) cs.push(`d.${scope}`);
    parts.push(`SELECT d.workload_id, d.terminations, ${[...OUTCOMES, ...CAUSES.map(causeColumn)].map((c) => `d.${c}`).join(", ")}, d.with_traffic, d.requests, d.errors5xx, d.drained, d.lagged
      FROM workload_days d ${and(cs)}`);
  }
  for (const e of split.edges) {
    const cs = [`t.delete_requested_at >= ${p.add(e.from)}::timestamptz`, `t.delete_requested_at ${e.inclusive ? "<=" : "<"} ${p.add(e.to)}::timestamptz`];
    if (scope) cs.push(`t.${scope}`);
    parts.push(`SELECT t.workload_id, 1, ${OUTCOMES.map((o) => `(t.outcome = '${o}')::int`).join(", ")}, ${CAUSES.map((k) => `(t.cause = '${k}')::int`).join(", ")},
        (t.traffic_requests IS NOT NULL)::int, COALESCE(t.traffic_requests, 0), COALESCE(t.traffic_errors5xx, 0),
        (t.drain_seconds IS NOT NULL)::int, (t.endpoint_lag_seconds IS NOT NULL)::int
      FROM terminations t ${and(cs)}`);
  }
  if (parts.length === 0) return `SELECT NULL::int AS workload_id, ${COUNT_COLUMNS.map((c) => `0 AS ${c}`).join(", ")} WHERE false`;
  return `SELECT * FROM (${parts.join("\n    UNION ALL\n    ")}) AS x(workload_id, ${COUNT_COLUMNS.join(", ")})`;
}

const HOUR_MS = 3_600_000;

export interface HourSplit {
  /** Whole hours read from workload_hours: hour numbers (epoch ms / 1 h) in [from, to) except `except`. */
  hours: { from: number; to: number; except: number[] } | null;
  /** Parts read from terminations: request time in [from, to) (ms); the range's end is until + 1 ms. */
  raw: { from: number; to: number }[];
}

/**
 * Splits [since, until] (inclusive, ms like the stored times) for trends in buckets starting at
 * `starts` (ms, ascending): an hour whose every time lands in one bucket is read from the rollup;
 * the partial hours at the ends and the hours a bucket start cuts are read from terminations.
 */
export function splitHours(sinceMs: number, untilMs: number, starts: readonly number[]): HourSplit {
  const end = untilMs + 1;
  const h0 = Math.ceil(sinceMs / HOUR_MS);
  const h1 = Math.floor(end / HOUR_MS);
  if (h1 <= h0) return { hours: null, raw: [{ from: sinceMs, to: end }] };
  const except = [...new Set(starts.filter((s) => s % HOUR_MS !== 0).map((s) => Math.floor(s / HOUR_MS)))].filter((h) => h >= h0 && h < h1).sort((a, b) => a - b);
  const raw = except.map((h) => ({ from: h * HOUR_MS, to: (h + 1) * HOUR_MS }));
  if (sinceMs < h0 * HOUR_MS) raw.unshift({ from: sinceMs, to: h0 * HOUR_MS });
  if (h1 * HOUR_MS < end) raw.push({ from: h1 * HOUR_MS, to: end });
  return { hours: { from: h0, to: h1, except }, raw };
}
