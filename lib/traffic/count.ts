// The counting rule of contract §3 `traffic`, pure: raw counter samples in, exact integer counts
// out. Never increase()/rate(): those extrapolate to the window edges and give estimates.

/** One raw sample: `t` epoch milliseconds, `v` the counter's value. */
export interface Sample {
  readonly t: number;
  readonly v: number;
}

/** One counter series' samples, ascending by `t` (as Prometheus returns them). */
export type SeriesSamples = readonly Sample[];

/** How far back the value at a window's start is looked up (Prometheus' default lookback). */
export const LOOKBACK_MS = 5 * 60_000;

/**
 * Counter samples are float64 on the wire. A request counter only ever holds whole numbers, but an
 * exporter that keeps it as a float, or sums floats, can hand us 41.99999999 for 42; rounding each
 * sample makes every difference (and so every count) an exact integer, and reset detection
 * compares the values the counter meant.
 */
function sampleValue(v: number): number {
  return Math.round(v);
}

/** Index of the first sample with t > x (binary search; samples ascending). */
function firstAfter(samples: SeriesSamples, x: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Requests one counter series counted over (a, b]: its value at a is the last sample at or before
 * a, no more than LOOKBACK_MS back (none: the series did not exist yet, value 0). Then each sample
 * with a < t <= b adds v - previous, or v when v < previous (a counter reset: the counter
 * restarted from 0 and counted v since). Non-finite samples are skipped (a broken exporter must
 * not turn a count into NaN).
 */
export function countSeries(samples: SeriesSamples, a: number, b: number): number {
  if (b <= a) return 0;
  const start = firstAfter(samples, a);
  let prev = 0;
  for (let i = start - 1; i >= 0; i--) {
    const s = samples[i]!;
    if (s.t < a - LOOKBACK_MS) break;
    if (Number.isFinite(s.v)) {
      prev = sampleValue(s.v);
      break;
    }
  }
  let total = 0;
  for (let i = start; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.t > b) break;
    if (!Number.isFinite(s.v)) continue;
    const v = sampleValue(s.v);
    total += v >= prev ? v - prev : v;
    prev = v;
  }
  return total;
}

/** The sum of countSeries over several series. */
export function countAll(series: readonly SeriesSamples[], a: number, b: number): number {
  let total = 0;
  for (const s of series) total += countSeries(s, a, b);
  return total;
}

/** The baseline of window (a, b]: the window of the same length ending where it starts. */
export function baselineOf(a: number, b: number): { start: number; end: number } {
  return { start: a - (b - a), end: a };
}

/** Does the series have a sample the count over (baselineStart, b] reads (lookback included)? */
export function hasSamplesFor(samples: SeriesSamples, a: number, b: number): boolean {
  const from = baselineOf(a, b).start - LOOKBACK_MS;
  const i = firstAfter(samples, from - 1);
  return i < samples.length && samples[i]!.t <= b;
}

export interface TrafficCounts {
  requests: number;
  errors5xx: number;
  baselineRequests: number;
  baselineErrors5xx: number;
  /** baselineErrors5xx / baselineRequests; null when that is 0/0. */
  baselineErrorRate: number | null;
}

/**
 * The four counts of one window from the series of requests (all response codes) and of 5xx.
 * A baseline with 5xx but no requests (mismatched custom selectors) has no meaningful rate either.
 */
export function countWindow(
  requests: readonly SeriesSamples[],
  errors: readonly SeriesSamples[],
  a: number,
  b: number,
): TrafficCounts {
  const base = baselineOf(a, b);
  const baselineRequests = countAll(requests, base.start, base.end);
  const baselineErrors5xx = countAll(errors, base.start, base.end);
  return {
    requests: countAll(requests, a, b),
    errors5xx: countAll(errors, a, b),
    baselineRequests,
    baselineErrors5xx,
    baselineErrorRate: baselineRequests === 0 ? null : baselineErrors5xx / baselineRequests,
  };
}
