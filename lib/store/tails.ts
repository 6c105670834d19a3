// A high percentile of one workload's values by rank, without sorting them: the workload's number of
// values in range (n) comes from the rollup (workload_days.drained / .lagged), and the two values
// around the rank are read from the top of the (workload_id, value, delete_requested_at) index. The
// index is walked from the top until the ranks are reached, so the cost is about (1 - p) of the
// workload's stored values, not all its values in range plus a sort: for p95 a twentieth.
//
// The arithmetic is percentile_cont's (PostgreSQL's orderedsetaggs.c): with the values ascending
// v[0..n-1], h = p * (n - 1), lo = floor(h), hi = ceil(h); the answer is v[lo] when lo = hi, else
// v[lo] + (h - lo) * (v[hi] - v[lo]), all in float8. So the result is bit-for-bit percentile_cont's.

/** The columns a tail is read for, each with its covering index (migration workload_tail_ranks). */
export type TailColumn = "drain_seconds" | "endpoint_lag_seconds";

/**
 * SQL of the `p` percentile (0 < p < 1, a literal) of `t.<column>` over one workload's terminations
 * matching `clauses` (they must restrict `t.workload_id` to one workload and the range to the one
 * `n` was counted over), where `n` is the SQL of the number of non-null values there. NULL when n = 0.
 */
export function tailPercentileSql(column: TailColumn, p: number, n: string, clauses: readonly string[]): string {
  if (!(p > 0 && p < 1)) throw new Error(`tailPercentileSql: p must be in (0, 1), got ${p}`);
  const h = `(${p}::float8 * (${n} - 1)::float8)`;
  // Descending, v[hi] is at offset n - 1 - hi and v[lo] (when lo < hi) right after it.
  const cond = [...clauses, `t.${column} IS NOT NULL`].join(" AND ");
  return `(CASE WHEN ${n} > 0 THEN (
      SELECT min(x.v) + ((${h} - floor(${h})) * (max(x.v) - min(x.v)))
      FROM (SELECT t.${column} AS v FROM terminations t WHERE ${cond}
            ORDER BY t.${column} DESC
            OFFSET (${n} - 1 - ceil(${h}))::bigint LIMIT (CASE WHEN ceil(${h}) = floor(${h}) THEN 1 ELSE 2 END)) x)
    END)`;
}

/** SQL of the largest `t.<column>` over the terminations matching `clauses` (one workload). */
export function tailMaxSql(column: TailColumn, clauses: readonly string[]): string {
  const cond = [...clauses, `t.${column} IS NOT NULL`].join(" AND ");
  return `(SELECT t.${column} FROM terminations t WHERE ${cond} ORDER BY t.${column} DESC LIMIT 1)`;
}
