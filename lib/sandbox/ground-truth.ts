// What the simulator meant to happen to each pod it terminated: the reference that live-ingest
// tests compare drainwatch's records against.
import type { Cause, Outcome } from "../tracker/record.ts";
import type { WorkloadKind } from "./scenario.ts";

export interface GroundTruth {
  podUid: string;
  namespace: string;
  pod: string;
  /** as drainwatch should attribute it: a CronJob's Job pods under the CronJob */
  workload: { kind: WorkloadKind; name: string };
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

/** A node drain (cordon + evictions retried while a PodDisruptionBudget refuses them). */
export interface DrainTruth {
  node: string;
  startedAt: string;
  /** when every evicted pod was gone (null: still draining, or gave up at its timeout) */
  endedAt: string | null;
  /** pods whose eviction was asked for (DaemonSet pods are never among them; finished ones leave no termination) */
  pods: { namespace: string; pod: string; podUid: string; finished: boolean; evictedAt: string | null }[];
  /** every 429 the eviction API answered, in order */
  refusals: { namespace: string; pod: string; podUid: string; at: string; message: string }[];
  /** kubectl drain without --ignore-daemonsets refuses a node with DaemonSet pods (after cordoning it) */
  failed: string | null;
}

/** Bounded, so an endless demo does not grow without limit. */
export class GroundTruthBook {
  private readonly byUid = new Map<string, GroundTruth>();
  private readonly drainLog: DrainTruth[] = [];

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

  /** Drains are few (scenario actions); the newest 100 are kept. */
  addDrain(d: DrainTruth): void {
    this.drainLog.push(d);
    if (this.drainLog.length > 100) this.drainLog.shift();
  }

  drains(): DrainTruth[] {
    return this.drainLog.map((d) => structuredClone(d));
  }

  all(): GroundTruth[] {
    return [...this.byUid.values()].map((t) => structuredClone(t));
  }
}
