// Where terminations start: the pod registry's graceful delete (reference 1.1), the eviction
// API, and node-pressure eviction. Each hands the pod to the kubelet and records ground truth
// with the cause and the outcome the kubelet's plan intends.
import type { Cause } from "../../tracker/record.ts";
import type { GroundTruth, GroundTruthBook } from "../ground-truth.ts";
import { rfc3339, rfc3339Milli } from "../time.ts";
import type { KObject, Pod } from "../types.ts";
import type { Sim } from "./context.ts";
import { intendedOutcome, PRESSURE_KILLING_DELAY_MS, type Kubelet } from "./kubelet.ts";
import type { TerminationPlan } from "./plan.ts";
import type { PodRegistry } from "./pod-registry.ts";
import { addDisruptionTarget, isTerminalPod } from "./pods.ts";
import { truthOf, type PlannedContainerExit } from "./truth.ts";
import type { PodRuntime } from "./workload.ts";

export interface TerminationsHost {
  /** The pod's object changed (deleting, or gone). */
  podChanged(rt: PodRuntime): void;
  /** How the pod's containers will stop (client traffic, sim/traffic). */
  planned?(rt: PodRuntime, plan: TerminationPlan): void;
  /** Its containers are killed at once (grace 0). */
  killed?(rt: PodRuntime, at: number): void;
  /** The kubelet starts killing it for node pressure at `killingAt`. */
  evicted?(rt: PodRuntime, killingAt: number): void;
}

export class Terminations {
  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly kubelet: Kubelet,
    private readonly truth: GroundTruthBook,
    private readonly host: TerminationsHost,
  ) {}

  /** The API's pod delete; undefined when there is no such pod. */
  delete(namespace: string, name: string, gracePeriodSeconds: number | undefined): KObject | undefined {
    const pod = this.sim.store.peek<Pod>("pods", namespace, name);
    if (!pod) return undefined;
    return this.deleteAs(pod, gracePeriodSeconds, gracePeriodSeconds === 0 ? "force-delete" : "delete");
  }

  /** The eviction API; false when there is no such pod. */
  evict(namespace: string, name: string, gracePeriodSeconds: number | undefined): boolean {
    const { store, clock } = this.sim;
    const pod = store.peek<Pod>("pods", namespace, name);
    if (!pod) return false;
    if (!pod.metadata.deletionTimestamp && !isTerminalPod(pod)) {
      // The eviction API writes DisruptionTarget before the delete (reference section 6).
      store.mutate<Pod>("pods", namespace, name, (p) => addDisruptionTarget(p, rfc3339(clock.now()), "EvictionByEvictionAPI", "Eviction API: evicting"));
      this.deleteAs(store.peek<Pod>("pods", namespace, name)!, gracePeriodSeconds, "eviction");
    } else if (isTerminalPod(pod)) {
      this.deleteAs(pod, 0, "delete");
    }
    return true;
  }

  /** Graceful delete (grace 0: removed at once), attributing the cause for ground truth. */
  deleteAs(pod: Pod, gracePeriodSeconds: number | undefined, cause: Cause): KObject {
    const { store, clock } = this.sim;
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name;
    const rt = this.registry.get(pod.metadata.uid);
    const terminal = isTerminalPod(pod);
    let grace = gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
    if (terminal) grace = 0;
    if (grace < 0) grace = 1;
    const now = clock.now();

    if (pod.metadata.deletionTimestamp) {
      const current = pod.metadata.deletionGracePeriodSeconds ?? 0;
      // A second delete only matters when it shortens the grace to zero (force); a shorter
      // positive grace is accepted but not replayed (the kubelet keeps its plan).
      if (grace !== 0 || current === 0) return structuredClone(pod);
    }

    if (grace === 0) {
      const wasDeleting = pod.metadata.deletionTimestamp !== undefined;
      store.mutate<Pod>("pods", ns, name, (p) => {
        p.metadata.deletionTimestamp = rfc3339(now);
        p.metadata.deletionGracePeriodSeconds = 0;
      });
      const removed = store.remove("pods", ns, name)!;
      if (rt) {
        rt.gone = true;
        if (!terminal && !wasDeleting) this.record(rt, removed as Pod, cause, "unknown", 0, now);
        if (!terminal) this.host.killed?.(rt, now);
        this.truth.end(rt.uid, rfc3339Milli(now));
        this.host.podChanged(rt);
      }
      return removed;
    }

    const updated = store.mutate<Pod>("pods", ns, name, (p) => {
      p.metadata.deletionTimestamp = rfc3339(now + grace * 1000);
      p.metadata.deletionGracePeriodSeconds = grace;
    })!;
    if (rt) {
      const plan = this.kubelet.terminate(rt, grace, now);
      this.record(rt, updated, cause, intendedOutcome(plan), grace, now, plan.exits);
      this.host.planned?.(rt, plan);
      this.host.podChanged(rt);
    }
    return updated;
  }

  /** The kubelet evicts the pod for node pressure (no API deletion). */
  nodePressure(pod: Pod, resource: string): void {
    const rt = this.registry.get(pod.metadata.uid);
    if (!rt) return;
    this.kubelet.evictForPressure(rt, resource, 60 + this.sim.rng.int(40));
    this.host.evicted?.(rt, this.sim.clock.now() + PRESSURE_KILLING_DELAY_MS);
    this.record(rt, pod, "node-pressure", "unknown", null, this.sim.clock.now());
  }

  private record(rt: PodRuntime, pod: Pod, cause: Cause, outcome: GroundTruth["outcome"], grace: number | null, at: number, exits?: readonly PlannedContainerExit[]): void {
    this.truth.add(truthOf(rt, pod, cause, outcome, grace, at, exits));
  }
}
