// Time helpers. Internally every instant is epoch milliseconds; records carry RFC 3339 with
// milliseconds. Kubernetes object timestamps have seconds precision.
import type { Pod } from "./objects";

export function parseTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function formatTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function seconds(fromMs: number | null, toMs: number | null): number | null {
  return fromMs === null || toMs === null ? null : (toMs - fromMs) / 1000;
}

export function minTime(...values: (number | null)[]): number | null {
  let out: number | null = null;
  for (const v of values) if (v !== null && (out === null || v < out)) out = v;
  return out;
}

export function maxTime(...values: (number | null)[]): number | null {
  let out: number | null = null;
  for (const v of values) if (v !== null && (out === null || v > out)) out = v;
  return out;
}

/** Latest instant a Date can hold (±100,000,000 days from 1970). */
const MAX_DATE_MS = 8.64e15;

/**
 * When deletion was requested: the deadline (deletionTimestamp) minus the grace period. A grace
 * too large for its deadline (int64 seconds; the API server's own arithmetic overflows there)
 * gives no time at all: then the observation time `t`, as when there is no deadline.
 */
export function requestTime(deadlineMs: number | null, graceSeconds: number | null, t: number): number {
  if (deadlineMs === null) return t;
  const at = deadlineMs - (graceSeconds ?? 0) * 1000;
  return Math.abs(at) <= MAX_DATE_MS ? at : t;
}

/**
 * The latest instant a pod object itself proves has passed, for captures without `at`.
 * deletionTimestamp is a future deadline, so only the request time (deadline − grace) counts.
 */
export function podObjectTime(pod: Pod): number | null {
  const m = pod.metadata;
  let t = parseTime(m.creationTimestamp);
  const dts = parseTime(m.deletionTimestamp);
  if (dts !== null) t = maxTime(t, requestTime(dts, m.deletionGracePeriodSeconds ?? null, dts));
  const s = pod.status;
  if (!s) return t;
  t = maxTime(t, parseTime(s.startTime));
  for (const c of s.conditions ?? []) t = maxTime(t, parseTime(c.lastTransitionTime));
  for (const list of [s.containerStatuses, s.initContainerStatuses]) {
    for (const cs of list ?? []) {
      t = maxTime(t, parseTime(cs.state?.running?.startedAt), parseTime(cs.state?.terminated?.finishedAt));
    }
  }
  return t;
}
