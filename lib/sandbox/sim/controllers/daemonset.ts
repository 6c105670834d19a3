// The DaemonSet controller: one pod per node (daemon pods tolerate cordons, so a cordoned node
// keeps its pod), "<name>-<5 random>", labelled with controller-revision-hash and the legacy
// pod-template-generation (what drainwatch compares with the DaemonSet's generation). A rolling
// update deletes old-generation pods while fewer than maxUnavailable nodes lack an available
// pod; a node whose pod is gone or terminating gets a new one (maxSurge 0). Reference 5.3 marks
// the update details [U]; this is the documented maxUnavailable behaviour.
import type { WorkloadConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject, Pod } from "../../types.ts";
import { DAY_MS, type Sim } from "../context.ts";
import type { PodFactory } from "../pod-factory.ts";
import type { PodRegistry } from "../pod-registry.ts";
import { isAvailable, isPodReady, isTerminalPod, podTemplate } from "../pods.ts";
import { templateHash } from "../rng.ts";
import { newWorkload, profilesOf, type WorkloadState } from "../workload.ts";
import { applyRolloutChange, type RolloutChange } from "./deployment.ts";
import { Kicker, resolveIntOrPercent } from "./kicker.ts";
import type { PodDeleter } from "./statefulset.ts";

export class DaemonSetController {
  private readonly kicker: Kicker;

  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly pods: PodFactory,
    private readonly host: PodDeleter,
    private readonly allNodes: readonly string[],
  ) {
    this.kicker = new Kicker(sim, (w) => this.reconcile(w, false));
  }

  create(config: WorkloadConfig): WorkloadState {
    const w = newWorkload(config, this.sim.rng);
    this.sim.store.create("daemonsets", {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: config.name, namespace: config.namespace, uid: w.uid, generation: 1, creationTimestamp: rfc3339(this.sim.startedAt - DAY_MS), labels: { app: config.name } },
      spec: this.spec(w),
      status: { observedGeneration: 1 },
    });
    return w;
  }

  kick(w: WorkloadState): void {
    this.kicker.kick(w);
  }

  rollout(w: WorkloadState, change: RolloutChange = {}): void {
    applyRolloutChange(w, change, this.sim.clock.now());
    w.generation++;
    this.sim.store.mutate<KObject>("daemonsets", w.config.namespace, w.config.name, (d) => {
      d.metadata.generation = w.generation;
      d.spec = this.spec(w);
    });
    this.kick(w);
  }

  private nodesOf(w: WorkloadState): readonly string[] {
    return w.config.nodes ?? this.allNodes;
  }

  reconcile(w: WorkloadState, initial: boolean): void {
    // Deleted (the garbage collector takes its pods): nothing more to do.
    if (!this.sim.store.peek("daemonsets", w.config.namespace, w.config.name)) return;
    const nodes = this.nodesOf(w);
    const active = this.registry.podsOf(w).filter((p) => !isTerminalPod(p));
    const byNode = new Map<string, Pod[]>();
    for (const p of active) byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p]);
    const live = (n: string) => (byNode.get(n) ?? []).find((p) => !p.metadata.deletionTimestamp);
    for (const node of nodes) if (!live(node)) this.createPod(w, node, initial);

    const generation = String(w.generation);
    const maxUnavailable = Math.max(1, resolveIntOrPercent(w.config.maxUnavailable, nodes.length, true));
    let unavailable = nodes.filter((n) => {
      const p = live(n);
      return !p || !isAvailable(p);
    }).length;
    const old = nodes
      .map(live)
      .filter((p): p is Pod => p !== undefined && p.metadata.labels?.["pod-template-generation"] !== generation)
      // Unavailable old pods first: deleting them costs no availability.
      .sort((a, b) => Number(isAvailable(a)) - Number(isAvailable(b)));
    for (const p of old) {
      if (isAvailable(p)) {
        if (unavailable >= maxUnavailable) break;
        unavailable++;
      }
      this.host.deletePod(p, "rollout");
    }
    this.updateStatus(w);
  }

  private spec(w: WorkloadState): object {
    return {
      selector: { matchLabels: { app: w.config.name } },
      template: podTemplate(w.config, w.restartedAt),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: w.config.maxUnavailable, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    };
  }

  private createPod(w: WorkloadState, node: string, initial: boolean): void {
    const c = w.config;
    const template = podTemplate(c, w.restartedAt);
    const hash = templateHash(JSON.stringify([template, profilesOf(w)]));
    const name = this.pods.uniqueName(c.namespace, `${c.name}-`);
    this.pods.createPod(
      w,
      {
        name,
        generateName: `${c.name}-`,
        template,
        node,
        owner: { apiVersion: "apps/v1", kind: "DaemonSet", name: c.name, uid: w.uid, controller: true, blockOwnerDeletion: true },
        labels: { "controller-revision-hash": hash, "pod-template-generation": String(w.generation) },
      },
      initial,
    );
    const ds = this.sim.store.peek("daemonsets", c.namespace, c.name);
    if (!initial && ds) this.sim.events.record(ds, "Normal", "SuccessfulCreate", `Created pod: ${name}`, { component: "daemonset-controller" });
  }

  private updateStatus(w: WorkloadState): void {
    const pods = this.registry.podsOf(w).filter((p) => !isTerminalPod(p) && !p.metadata.deletionTimestamp);
    const available = pods.filter(isAvailable).length;
    const next = {
      observedGeneration: w.generation,
      desiredNumberScheduled: this.nodesOf(w).length,
      currentNumberScheduled: pods.length,
      numberMisscheduled: 0,
      numberReady: pods.filter(isPodReady).length,
      updatedNumberScheduled: pods.filter((p) => p.metadata.labels?.["pod-template-generation"] === String(w.generation)).length,
      numberAvailable: available,
      numberUnavailable: Math.max(0, this.nodesOf(w).length - available),
    };
    const cur = this.sim.store.peek("daemonsets", w.config.namespace, w.config.name);
    if (cur && JSON.stringify(cur.status) !== JSON.stringify(next)) {
      this.sim.store.mutate<KObject>("daemonsets", w.config.namespace, w.config.name, (d) => {
        d.status = next;
      });
    }
  }
}
