// The termination window of a record (contract §3 `traffic`), and when Prometheus can answer it.

/** The fields of a termination record the window is built from (RFC 3339 strings or null). */
export interface WindowTimes {
  deleteRequestedAt: string | null;
  exitedAt: string | null;
  deletedAt: string | null;
  endpointsUnreadyAt: string | null;
}

/** A window (start, end] in epoch milliseconds. */
export interface TrafficWindow {
  start: number;
  end: number;
}

function ms(t: string | null): number | null {
  if (t === null) return null;
  const v = Date.parse(t);
  return Number.isFinite(v) ? v : null;
}

/**
 * start = deleteRequestedAt; end = the latest known of exitedAt, deletedAt and endpointsUnreadyAt,
 * plus the tail. null when the request time or all three ends are unknown (traffic stays null).
 * exitedAt has seconds precision, so with a tail of 0 the end can fall before the start: the
 * window is then clamped to (start, start], which counts nothing rather than a negative span.
 */
export function windowOf(r: WindowTimes, tailSeconds: number): TrafficWindow | null {
  const start = ms(r.deleteRequestedAt);
  if (start === null) return null;
  const ends = [r.exitedAt, r.deletedAt, r.endpointsUnreadyAt].map(ms).filter((v): v is number => v !== null);
  if (ends.length === 0) return null;
  const end = Math.max(...ends) + Math.round(tailSeconds * 1000);
  return { start, end: Math.max(start, end) };
}

/** The first moment the window's samples are complete: its end plus the scrape delay. */
export function answerableAt(w: TrafficWindow, scrapeDelaySeconds: number): number {
  return w.end + Math.round(scrapeDelaySeconds * 1000);
}

/** Contract: answerable once the wall clock is *past* windowEnd + scrape delay. */
export function isAnswerable(w: TrafficWindow, scrapeDelaySeconds: number, now: number): boolean {
  return now > answerableAt(w, scrapeDelaySeconds);
}
