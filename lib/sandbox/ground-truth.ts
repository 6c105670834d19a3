// What the simulator meant to happen to each pod it terminated: the reference that live-ingest
// tests compare drainwatch's records against.
import type { Cause, Outcome } from "../tracker/record.ts";

export interface GroundTruth {
  podUid: string;
  namespace: string;
  pod: string;
  workload: { kind: "Deployment"; name: string };
  cause: Cause;
  outcome: Outcome;
  /** null for kubelet-initiated terminations (no API deletion) */
  gracePeriodSeconds: number | null;
  /** virtual time the termination started (RFC 3339, ms) */
  startedAt: string;
  /** virtual time the pod was deleted or reached its final status; null while in progress */
  endedAt: string | null;
  containers: { name: string; sidecar: boolean; exitCode: number | null; reason: string | null }[];
  /** What the simulated clients saw in the termination window (sim/traffic): see api/ground-truth.ts. */
  traffic?: GroundTruthTraffic | null;
}

export interface GroundTruthTraffic {
  windowStart: string;
  windowEnd: string;
  requests: number;
  errors5xx: number;
  baselineRequests: number;
  baselineErrors5xx: number;
}

/** Bounded, so an endless demo does not grow without limit. */
export class GroundTruthBook {
  private readonly byUid = new Map<string, GroundTruth>();

  constructor(private readonly limit = 10_000) {}

  add(t: GroundTruth): void {
    this.byUid.set(t.podUid, t);
    if (this.byUid.size > this.limit) {
      const oldest = this.byUid.keys().next().value;
      if (oldest !== undefined) this.byUid.delete(oldest);
    }
  }

  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  end(uid: string, at: string): void {
    const t = this.byUid.get(uid);
    if (t && t.endedAt === null) t.endedAt = at;
  }

  all(): GroundTruth[] {
    return [...this.byUid.values()].map((t) => structuredClone(t));
  }
}
