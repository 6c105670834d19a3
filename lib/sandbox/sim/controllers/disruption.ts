// PodDisruptionBudgets (policy/v1): the disruption controller's status (expectedPods,
// currentHealthy, desiredHealthy, disruptionsAllowed over the selected pods) and the eviction
// API's check of it (pkg/registry/core/pod/storage/eviction.go): pods not running yet, finished
// or already terminating are evicted regardless; a pod with more than one budget is an error;
// an unready pod may go while the budget is met (IfHealthyBudget); otherwise an eviction takes
// one allowed disruption (recorded in disruptedPods until the pod is seen terminating) or is
// refused, which the API answers with 429 TooManyRequests.
import type { DisruptionBudgetConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject, Pod } from "../../types.ts";
import { DAY_MS, type Sim } from "../context.ts";
import { isPodReady, isTerminalPod } from "../pods.ts";
import { CONTROLLER_DELAY_S, resolveIntOrPercent } from "./kicker.ts";

export type EvictionVerdict = { allowed: true } | { allowed: false; code: 429 | 500; message: string; budget: string | null };

/** How long an eviction's disruptedPods entry holds if the pod is never seen terminating. */
const DISRUPTED_TIMEOUT_MS = 2 * 60 * 1000;

interface BudgetStatus {
  observedGeneration: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions: { type: string; status: "True" | "False"; reason: string; message: string; observedGeneration: number; lastTransitionTime: string }[];
}

interface Budget extends KObject {
  spec: { selector: { matchLabels: Record<string, string> }; minAvailable?: number | string; maxUnavailable?: number | string };
  status: BudgetStatus;
}

export class DisruptionController {
  private pending = false;

  constructor(
    private readonly sim: Sim,
    private readonly budgets: readonly DisruptionBudgetConfig[],
    /** The summed desired scale of the controllers owning these pods (for percentages and maxUnavailable). */
    private readonly expectedScale: (pods: readonly Pod[]) => number,
  ) {}

  setup(): void {
    for (const b of this.budgets) {
      this.sim.store.create("poddisruptionbudgets", {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: b.name, namespace: b.namespace, uid: this.sim.rng.uid(), generation: 1, creationTimestamp: rfc3339(this.sim.startedAt - DAY_MS) },
        spec: {
          selector: { matchLabels: b.matchLabels },
          ...(b.minAvailable !== undefined ? { minAvailable: b.minAvailable } : { maxUnavailable: b.maxUnavailable }),
        },
        status: { observedGeneration: 0, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, conditions: [] },
      });
    }
    this.sync();
  }

  /** A pod changed: the controller recomputes every budget shortly after. */
  kick(): void {
    if (this.budgets.length === 0 || this.pending) return;
    this.pending = true;
    this.sim.clock.after(CONTROLLER_DELAY_S, () => {
      this.pending = false;
      this.sync();
    });
  }

  /** The eviction API's decision for this pod; an allowed eviction takes one disruption. */
  check(pod: Pod): EvictionVerdict {
    if (pod.status.phase === "Pending" || isTerminalPod(pod) || pod.metadata.deletionTimestamp) return { allowed: true };
    const matching = this.matching(pod);
    if (matching.length > 1) {
      return { allowed: false, code: 500, budget: null, message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." };
    }
    const pdb = matching[0];
    if (!pdb) return { allowed: true };
    const s = pdb.status;
    if (!isPodReady(pod) && s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0) return { allowed: true };
    if (s.disruptionsAllowed <= 0) {
      const message =
        s.currentHealthy <= s.desiredHealthy
          ? `The disruption budget ${pdb.metadata.name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`
          : `The disruption budget ${pdb.metadata.name} does not allow evicting pods currently`;
      return { allowed: false, code: 429, budget: pdb.metadata.name, message };
    }
    const at = rfc3339(this.sim.clock.now());
    this.sim.store.mutate<Budget>("poddisruptionbudgets", pdb.metadata.namespace, pdb.metadata.name, (b) => {
      b.status.disruptionsAllowed--;
      b.status.disruptedPods = { ...b.status.disruptedPods, [pod.metadata.name]: at };
      if (b.status.disruptionsAllowed === 0) b.status.conditions = [condition(b, false, at)];
    });
    return { allowed: true };
  }

  private matching(pod: Pod): Budget[] {
    const labels = pod.metadata.labels ?? {};
    return (this.sim.store.list("poddisruptionbudgets", pod.metadata.namespace) as Budget[]).filter((b) =>
      Object.entries(b.spec.selector.matchLabels).every(([k, v]) => labels[k] === v),
    );
  }

  private sync(): void {
    const { store, clock } = this.sim;
    const now = clock.now();
    for (const pdb of store.list("poddisruptionbudgets") as Budget[]) {
      const sel = Object.entries(pdb.spec.selector.matchLabels);
      const pods = (store.list("pods", pdb.metadata.namespace) as Pod[]).filter((p) => sel.every(([k, v]) => p.metadata.labels?.[k] === v));
      // An evicted pod counts as disrupted until it is seen terminating (or the entry times out).
      const disrupted: Record<string, string> = {};
      for (const [name, at] of Object.entries(pdb.status.disruptedPods ?? {})) {
        const p = pods.find((x) => x.metadata.name === name);
        if (p && !p.metadata.deletionTimestamp && now - Date.parse(at) < DISRUPTED_TIMEOUT_MS) disrupted[name] = at;
      }
      const healthy = pods.filter((p) => !isTerminalPod(p) && !p.metadata.deletionTimestamp && isPodReady(p) && !(p.metadata.name in disrupted)).length;
      const { minAvailable, maxUnavailable } = pdb.spec;
      let expected: number;
      let desired: number;
      if (typeof minAvailable === "number") {
        expected = pods.length;
        desired = minAvailable;
      } else {
        expected = this.expectedScale(pods);
        desired = minAvailable !== undefined ? resolveIntOrPercent(minAvailable, expected, true) : Math.max(0, expected - resolveIntOrPercent(maxUnavailable ?? 0, expected, true));
      }
      const allowed = Math.max(0, healthy - desired);
      const at = rfc3339(now);
      const next: BudgetStatus = {
        observedGeneration: pdb.metadata.generation ?? 1,
        ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
        disruptionsAllowed: allowed,
        currentHealthy: healthy,
        desiredHealthy: desired,
        expectedPods: expected,
        conditions: [],
      };
      const prev = pdb.status.conditions[0];
      next.conditions = [prev && prev.status === (allowed > 0 ? "True" : "False") ? prev : condition(pdb, allowed > 0, at)];
      if (JSON.stringify(next) !== JSON.stringify(pdb.status)) {
        store.mutate<Budget>("poddisruptionbudgets", pdb.metadata.namespace, pdb.metadata.name, (b) => {
          b.status = next;
        });
      }
    }
  }
}

function condition(b: Budget, allowed: boolean, at: string): BudgetStatus["conditions"][number] {
  return {
    type: "DisruptionAllowed",
    status: allowed ? "True" : "False",
    reason: allowed ? "SufficientPods" : "InsufficientPods",
    message: "",
    observedGeneration: b.metadata.generation ?? 1,
    lastTransitionTime: at,
  };
}
