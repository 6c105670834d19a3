// Emission stamps on pods written by the sandbox churn (load.ts), readable without loading the
// sandbox: "<resourceVersion>@<epoch ms>" in one annotation. The version names the one write the
// stamp belongs to; later writes of the same pod keep the annotation but not its version.

export const EMITTED_ANNOTATION = "sandbox.drainwatch.dev/emitted";

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function stamp(resourceVersion: number, at: number): string {
  return `${resourceVersion}@${at.toFixed(3)}`;
}

/** The emission time of this very version of a pod, or null (no stamp, or the stamp is older). */
export function emittedAt(pod: { metadata?: { resourceVersion?: string; annotations?: Record<string, string> } }): number | null {
  const s = pod.metadata?.annotations?.[EMITTED_ANNOTATION];
  const rv = pod.metadata?.resourceVersion;
  if (s === undefined || rv === undefined) return null;
  const at = s.indexOf("@");
  if (at < 0 || s.slice(0, at) !== rv) return null;
  const ms = Number(s.slice(at + 1));
  return Number.isFinite(ms) ? ms : null;
}
