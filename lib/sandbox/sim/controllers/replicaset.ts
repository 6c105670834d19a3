// The ReplicaSet controller: keeps a ReplicaSet's active pods at its replica count (creating
// pods, or deleting the not-ready and then the newest ones) and writes its status.
import type { Cause } from "../../../tracker/record.ts";
import type { Pod, ReplicaSet } from "../../types.ts";
import type { Sim } from "../context.ts";
import type { PodFactory } from "../pod-factory.ts";
import type { PodRegistry } from "../pod-registry.ts";
import { isAvailable, isPodReady, isTerminalPod } from "../pods.ts";
import type { WorkloadState } from "../workload.ts";

export interface ReplicaSetHost {
  /** A graceful API delete of the pod, for the given cause. */
  deletePod(pod: Pod, cause: Cause): void;
}

export class ReplicaSetController {
  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly pods: PodFactory,
    private readonly host: ReplicaSetHost,
  ) {}

  /** `current`: the Deployment's newest ReplicaSet (its scale-downs are scale-downs, others rollouts). */
  reconcile(w: WorkloadState, rs: ReplicaSet, current: boolean, initial: boolean): void {
    const { store, events } = this.sim;
    const owned = this.registry.podsOf(w).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
    const active = owned.filter((p) => !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const diff = rs.spec.replicas - active.length;
    for (let i = 0; i < diff; i++) {
      const pod = this.pods.create(w, rs, initial);
      // Pods that exist at start were created "a day ago": their events have long expired.
      if (!initial) events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, { component: "replicaset-controller" });
    }
    if (diff < 0) {
      // Victims: not ready first, then the newest (controller.ActivePodsWithRanks, simplified).
      const victims = [...active]
        .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""))
        .slice(0, -diff);
      for (const p of victims) {
        this.host.deletePod(p, current ? "scale-down" : "rollout");
        events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, { component: "replicaset-controller" });
      }
    }
    const now = this.registry.podsOf(w).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const next = { replicas: now.length, readyReplicas: now.filter(isPodReady).length, availableReplicas: now.filter(isAvailable).length, observedGeneration: rs.metadata.generation ?? 1 };
    if (JSON.stringify(next) !== JSON.stringify(rs.status)) {
      store.mutate<ReplicaSet>("replicasets", rs.metadata.namespace, rs.metadata.name, (r) => {
        r.status = next;
      });
    }
  }
}
