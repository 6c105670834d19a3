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
 * The value a count over (a, …] starts from: the last finite sample at or before a, no more than
 * LOOKBACK_MS back; 0 when there is none (the series did not exist yet). `next` is the index of
 * the first sample after a.
 */
function startValue(samples: SeriesSamples, next: number, a: number): number {
  for (let j = next - 1; j >= 0; j--) {
    const s = samples[j]!;
    if (s.t < a - LOOKBACK_MS) break;
    if (Number.isFinite(s.v)) return sampleValue(s.v);
  }
  return 0;
}

/** Walks samples from index i while t <= end, from `prev`; returns the count and the next index. */
function walk(samples: SeriesSamples, i: number, end: number, prev: number): { count: number; next: number } {
  let count = 0;
  for (; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.t > end) break;
    if (!Number.isFinite(s.v)) continue; // a broken exporter must not turn a count into NaN
    const v = sampleValue(s.v);
    count += v >= prev ? v - prev : v;
    prev = v;
  }
  return { count, next: i };
}

/**
 * Requests of one counter series counted over (a, b]: from its value at a (startValue), each
 * sample with a < t <= b adds v - previous, or v when v < previous (a counter reset: the counter
 * restarted from 0 and counted v since). Non-finite samples are skipped.
 */
export function countSeries(samples: SeriesSamples, a: number, b: number): number {
  if (b <= a) return 0;
  const i = firstAfter(samples, a);
  return walk(samples, i, b, startValue(samples, i, a)).count;
}

/**
 * countSeries over the baseline (a - (b - a), a] and over the window (a, b], with one search: the
 * joiner counts every series of a batch for every record in it.
 */
export function countBaselineAndWindow(samples: SeriesSamples, a: number, b: number): { baseline: number; window: number } {
  if (b <= a) return { baseline: 0, window: 0 };
  const a0 = a - (b - a);
  const i = firstAfter(samples, a0);
  const base = walk(samples, i, a, startValue(samples, i, a0));
  // The window starts afresh from its own start value (the lookback applies at a too).
  const window = walk(samples, base.next, b, startValue(samples, base.next, a)).count;
  return { baseline: base.count, window };
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

/** A series and what it counts as (a preset's 5xx series count as requests and as 5xx). */
export interface CountedSeries {
  readonly samples: SeriesSamples;
  readonly requests: boolean;
  readonly errors: boolean;
}

/**
 * The four counts of one window. A baseline with 5xx but no requests (mismatched custom
 * selectors) has no meaningful rate either: null, as for 0/0.
 */
export function countWindow(series: readonly CountedSeries[], a: number, b: number): TrafficCounts {
  let requests = 0;
  let errors5xx = 0;
  let baselineRequests = 0;
  let baselineErrors5xx = 0;
  for (const s of series) {
    if (!s.requests && !s.errors) continue;
    const c = countBaselineAndWindow(s.samples, a, b);
    if (s.requests) {
      requests += c.window;
      baselineRequests += c.baseline;
    }
    if (s.errors) {
      errors5xx += c.window;
      baselineErrors5xx += c.baseline;
    }
  }
  return {
    requests,
    errors5xx,
    baselineRequests,
    baselineErrors5xx,
    baselineErrorRate: baselineRequests === 0 ? null : baselineErrors5xx / baselineRequests,
  };
}
