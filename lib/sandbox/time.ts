// Time formatting as the API server writes it: object fields are RFC 3339 with whole seconds
// (metav1.Time truncates), and kubectl's AGE column is a short human duration.

/** RFC 3339, seconds precision, truncated (not rounded), like metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** RFC 3339 with milliseconds, for annotations Kubernetes writes with RFC3339Nano. */
export function rfc3339Milli(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

export function parseRfc3339(s: string | undefined | null): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration), close enough for AGE. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60 * 2) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60 * 3) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}
