// The simulator's own index of the pods it runs (by UID, and per workload), kept apart from the
// API objects: a pod leaves it once its object is gone, so an endless demo does not grow.
import type { ObjectStore } from "../store.ts";
import type { Pod } from "../types.ts";
import type { PodRuntime, WorkloadState } from "./workload.ts";

export class PodRegistry {
  private readonly runtimes = new Map<string, PodRuntime>();

  constructor(private readonly store: ObjectStore) {}

  add(rt: PodRuntime): void {
    this.runtimes.set(rt.uid, rt);
    rt.workload.pods.set(rt.uid, rt);
  }

  get(uid: string): PodRuntime | undefined {
    return this.runtimes.get(uid);
  }

  forget(rt: PodRuntime): void {
    this.runtimes.delete(rt.uid);
    rt.workload.pods.delete(rt.uid);
  }

  /** Pods not yet deleted from the API, in creation order. */
  live(): PodRuntime[] {
    const out: PodRuntime[] = [];
    for (const rt of this.runtimes.values()) if (!rt.gone) out.push(rt);
    return out;
  }

  /** The workload's pod objects as stored (live, read-only). */
  podsOf(w: WorkloadState): Pod[] {
    const out: Pod[] = [];
    for (const rt of w.pods.values()) {
      if (rt.gone) continue;
      const p = this.store.peek<Pod>("pods", rt.namespace, rt.name);
      if (p && p.metadata.uid === rt.uid) out.push(p);
    }
    return out;
  }
}
