// Plays a scenario's schedule on the virtual clock (forever, every period, when it repeats):
// rollouts, scaling, deletions, evictions, node pressure, PodGC and kubectl command lines.
import { log } from "../../log.ts";
import type { Action, Scenario } from "../scenario.ts";
import { labelMatcher } from "../selectors.ts";
import { rfc3339 } from "../time.ts";
import type { Pod } from "../types.ts";
import type { Sim } from "./context.ts";
import type { RolloutChange } from "./controllers/deployment.ts";
import type { DrainAction } from "./drain.ts";
import { parseKubectl } from "./kubectl-action.ts";
import type { PodRegistry } from "./pod-registry.ts";
import { isPodReady } from "./pods.ts";
import type { Terminations } from "./terminations.ts";
import type { WorkloadState } from "./workload.ts";

/** The workloads of every kind, by namespace/name, and what the schedule can do to them. */
export interface WorkloadActions {
  get(key: string): WorkloadState | undefined;
  rollout(w: WorkloadState, change?: RolloutChange): void;
  scale(w: WorkloadState, replicas: number): void;
}

/** Actions that go through the cluster rather than one controller. */
export interface RunnerHost {
  /** The eviction API (PodDisruptionBudgets apply). */
  evict(namespace: string, name: string, gracePeriodSeconds: number | undefined): unknown;
  drain(a: DrainAction): void;
  uncordon(node: string): void;
  deleteJob(w: WorkloadState): void;
  runJob(w: WorkloadState): void;
}

export class ScenarioRunner {
  constructor(
    private readonly sim: Sim,
    private readonly scenario: Scenario,
    private readonly deployments: WorkloadActions,
    private readonly registry: PodRegistry,
    private readonly terminations: Terminations,
    private readonly host: RunnerHost,
  ) {}

  /** Schedules the scenario's actions, from the cluster's start. */
  schedule(): void {
    const s = this.scenario;
    if (s.schedule.length === 0) return;
    const period = s.period ?? Math.max(...s.schedule.map((a) => a.at)) + 60;
    const cycle = (k: number) => {
      const base = this.sim.startedAt + k * period * 1000;
      for (const a of s.schedule) this.sim.clock.at(base + a.at * 1000, () => this.run(a));
      if (s.repeat) this.sim.clock.at(base + period * 1000, () => cycle(k + 1));
    };
    cycle(0);
  }

  run(a: Action): void {
    log.debug({ action: a.action, at: rfc3339(this.sim.clock.now()) }, "sandbox action");
    if (a.action === "gc-failed") return this.gcFailed(a.namespace);
    if (a.action === "kubectl") return this.kubectl(a.command);
    if (a.action === "drain") return this.host.drain(a);
    if (a.action === "uncordon") return this.host.uncordon(a.node);
    const w = this.deployments.get(a.target);
    if (!w) return;
    const t = this.terminations;
    switch (a.action) {
      case "rollout":
        return this.deployments.rollout(w, { image: a.image, behaviour: a.behaviour, drainSeconds: a.drainSeconds });
      case "scale":
        return this.deployments.scale(w, a.replicas);
      case "delete-pod":
        return this.withVictim(w, (p) => void t.deleteAs(p, a.gracePeriodSeconds, "delete"));
      case "force-delete":
        return this.withVictim(w, (p) => void t.deleteAs(p, 0, "force-delete"));
      case "evict":
        return this.withVictim(w, (p) => void this.host.evict(p.metadata.namespace!, p.metadata.name, a.gracePeriodSeconds));
      case "delete-job":
        return this.host.deleteJob(w);
      case "run-job":
        return this.host.runJob(w);
      case "node-pressure":
        return this.withVictim(w, (p) => t.nodePressure(p, a.resource));
    }
  }

  private kubectl(command: string): void {
    const k = parseKubectl(command);
    const w = this.deployments.get(`${k.namespace}/${"name" in k ? k.name : ""}`);
    switch (k.kind) {
      case "rollout":
        if (w) this.deployments.rollout(w);
        return;
      case "scale":
        if (w) this.deployments.scale(w, k.replicas);
        return;
      case "delete": {
        const { store } = this.sim;
        const grace = k.force && k.gracePeriodSeconds === null ? 0 : (k.gracePeriodSeconds ?? undefined);
        const selected = labelMatcher(k.selector);
        const targets = k.pod
          ? [store.peek<Pod>("pods", k.namespace, k.pod)].filter((p): p is Pod => p !== undefined)
          : (store.list("pods", k.namespace).filter(selected) as Pod[]);
        for (const p of targets) this.terminations.deleteAs(p, grace, grace === 0 ? "force-delete" : "delete");
        return;
      }
    }
  }

  /** A running, ready, not terminating pod of the workload, chosen by the seeded RNG. */
  private withVictim(w: WorkloadState, fn: (p: Pod) => void): void {
    const candidates = this.registry.podsOf(w).filter((p) => !p.metadata.deletionTimestamp && p.status.phase === "Running" && isPodReady(p));
    const victim = this.sim.rng.pick(candidates);
    if (!victim) {
      log.warn({ workload: w.key }, "sandbox action found no running pod");
      return;
    }
    fn(victim);
  }

  /** PodGC (or an operator): pods left in phase Failed are deleted with grace 0. */
  private gcFailed(namespace?: string): void {
    for (const p of this.sim.store.list("pods", namespace) as Pod[]) {
      if (p.status.phase === "Failed" && !p.metadata.deletionTimestamp) this.terminations.deleteAs(p, 0, "delete");
    }
  }
}
