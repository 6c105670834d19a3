// Percentiles as Postgres's percentile_cont (linear interpolation between closest ranks), so the
// numbers a recommendation cites agree with the summaries the store computes.
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const h = p * (v.length - 1);
  const lo = Math.floor(h);
  const a = v[lo] ?? 0;
  const b = v[Math.min(lo + 1, v.length - 1)] ?? a;
  return a + (h - lo) * (b - a);
}

/** Seconds rounded up to a whole number (what a manifest takes). */
export const ceilSeconds = (s: number): number => Math.ceil(s - 1e-9);

/** Rounded to 2 decimals for display in evidence. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;
