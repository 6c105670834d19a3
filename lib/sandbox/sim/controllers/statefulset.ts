// The StatefulSet controller (OrderedReady): pods <name>-0..N-1 created in ordinal order, each
// only once the lower ones are Running and Ready; scale-down from the highest ordinal; a rolling
// update deletes the highest ordinal (at or above the partition) still on an old revision and
// waits for its replacement, recreated under the SAME name with a NEW uid, to be Ready before
// the next (reference 5.2). Revisions are "<name>-<template hash>" in the controller-revision-hash
// label, status.currentRevision and status.updateRevision.
import type { Cause } from "../../../tracker/record.ts";
import type { WorkloadConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject, Pod, PodTemplate } from "../../types.ts";
import { DAY_MS, type Sim } from "../context.ts";
import type { PodFactory } from "../pod-factory.ts";
import type { PodRegistry } from "../pod-registry.ts";
import { isAvailable, isPodReady, isTerminalPod, podTemplate } from "../pods.ts";
import { templateHash } from "../rng.ts";
import { newWorkload, profilesOf, type WorkloadState } from "../workload.ts";
import { applyRolloutChange, type RolloutChange } from "./deployment.ts";
import { Kicker } from "./kicker.ts";

export interface PodDeleter {
  deletePod(pod: Pod, cause: Cause): void;
}

interface SetState {
  /** revision name → template (the ControllerRevisions, kept in memory) */
  templates: Map<string, PodTemplate>;
  currentRevision: string;
  updateRevision: string;
}

export class StatefulSetController {
  private readonly sets = new Map<WorkloadState, SetState>();
  private readonly kicker: Kicker;

  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly pods: PodFactory,
    private readonly host: PodDeleter,
  ) {
    this.kicker = new Kicker(sim, (w) => this.reconcile(w, false));
  }

  create(config: WorkloadConfig): WorkloadState {
    const w = newWorkload(config, this.sim.rng);
    const rev = this.revision(w);
    this.sets.set(w, { templates: new Map([[rev.name, rev.template]]), currentRevision: rev.name, updateRevision: rev.name });
    this.sim.store.create("statefulsets", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: config.name, namespace: config.namespace, uid: w.uid, generation: 1, creationTimestamp: rfc3339(this.sim.startedAt - DAY_MS), labels: { app: config.name } },
      spec: this.spec(w),
      status: { observedGeneration: 1, replicas: 0, currentRevision: rev.name, updateRevision: rev.name },
    });
    return w;
  }

  kick(w: WorkloadState): void {
    this.kicker.kick(w);
  }

  rollout(w: WorkloadState, change: RolloutChange = {}): void {
    applyRolloutChange(w, change, this.sim.clock.now());
    this.updateSpec(w);
  }

  scale(w: WorkloadState, replicas: number): void {
    w.config.replicas = replicas;
    this.updateSpec(w);
  }

  reconcile(w: WorkloadState, initial: boolean): void {
    // Deleted (the garbage collector takes its pods): nothing more to do.
    if (!this.sim.store.peek("statefulsets", w.config.namespace, w.config.name)) return;
    const st = this.sets.get(w)!;
    const c = w.config;
    const pod = (i: number) => {
      const p = this.sim.store.peek<Pod>("pods", c.namespace, `${c.name}-${i}`);
      return p && w.pods.has(p.metadata.uid) ? p : undefined;
    };
    const settled = (p: Pod | undefined) => p !== undefined && !p.metadata.deletionTimestamp && p.status.phase === "Running" && isPodReady(p);
    let blocked = false;
    // Create missing ordinals in order; each waits for the lower ones (OrderedReady).
    for (let i = 0; i < c.replicas && !blocked; i++) {
      const p = pod(i);
      if (!p) {
        const revision = i < c.partition ? st.currentRevision : st.updateRevision;
        this.createPod(w, i, revision, st.templates.get(revision)!, initial);
        if (!initial) blocked = true;
      } else if (!settled(p)) blocked = true;
    }
    // Scale down: the highest ordinal first, one at a time, once the rest are settled.
    const extra = [...w.pods.values()].map((rt) => ordinalOf(rt.name, c.name)).filter((i) => i >= c.replicas).sort((a, b) => b - a);
    if (!blocked && extra.length > 0) {
      const p = pod(extra[0]!);
      if (p && !p.metadata.deletionTimestamp && !isTerminalPod(p)) this.host.deletePod(p, "scale-down");
      blocked = true;
    }
    // Rolling update: the highest ordinal at or above the partition still on an old revision.
    if (!blocked) {
      for (let i = c.replicas - 1; i >= c.partition; i--) {
        const p = pod(i);
        if (p && p.metadata.labels?.["controller-revision-hash"] !== st.updateRevision) {
          this.host.deletePod(p, "rollout");
          break;
        }
      }
    }
    this.updateStatus(w, st);
  }

  private revision(w: WorkloadState): { name: string; template: PodTemplate } {
    const template = podTemplate(w.config, w.restartedAt);
    return { name: `${w.config.name}-${templateHash(JSON.stringify([template, profilesOf(w)]))}`, template };
  }

  private spec(w: WorkloadState): object {
    const c = w.config;
    return {
      replicas: c.replicas,
      serviceName: c.name,
      podManagementPolicy: "OrderedReady",
      selector: { matchLabels: { app: c.name } },
      template: podTemplate(c, w.restartedAt),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: c.partition } },
      revisionHistoryLimit: 10,
    };
  }

  private updateSpec(w: WorkloadState): void {
    const st = this.sets.get(w)!;
    w.generation++;
    const rev = this.revision(w);
    st.templates.set(rev.name, rev.template);
    st.updateRevision = rev.name;
    this.sim.store.mutate<KObject>("statefulsets", w.config.namespace, w.config.name, (s) => {
      s.metadata.generation = w.generation;
      s.spec = this.spec(w);
    });
    this.updateStatus(w, st);
    this.kick(w);
  }

  private createPod(w: WorkloadState, ordinal: number, revision: string, template: PodTemplate, initial: boolean): void {
    const c = w.config;
    const name = `${c.name}-${ordinal}`;
    this.pods.createPod(
      w,
      {
        name,
        template,
        owner: { apiVersion: "apps/v1", kind: "StatefulSet", name: c.name, uid: w.uid, controller: true, blockOwnerDeletion: true },
        labels: { "controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": name, "apps.kubernetes.io/pod-index": String(ordinal) },
      },
      initial,
    );
    if (!initial) {
      const sts = this.sim.store.peek("statefulsets", c.namespace, c.name);
      if (sts) this.sim.events.record(sts, "Normal", "SuccessfulCreate", `create Pod ${name} in StatefulSet ${c.name} successful`, { component: "statefulset-controller" });
    }
  }

  private updateStatus(w: WorkloadState, st: SetState): void {
    const pods = this.registry.podsOf(w).filter((p) => !isTerminalPod(p));
    const updated = pods.filter((p) => p.metadata.labels?.["controller-revision-hash"] === st.updateRevision).length;
    if (updated === w.config.replicas && pods.length === w.config.replicas) st.currentRevision = st.updateRevision;
    const next = {
      observedGeneration: w.generation,
      replicas: pods.length,
      readyReplicas: pods.filter(isPodReady).length,
      currentReplicas: pods.filter((p) => p.metadata.labels?.["controller-revision-hash"] === st.currentRevision).length,
      updatedReplicas: updated,
      availableReplicas: pods.filter(isAvailable).length,
      currentRevision: st.currentRevision,
      updateRevision: st.updateRevision,
      collisionCount: 0,
    };
    const cur = this.sim.store.peek("statefulsets", w.config.namespace, w.config.name);
    if (cur && JSON.stringify(cur.status) !== JSON.stringify(next)) {
      this.sim.store.mutate<KObject>("statefulsets", w.config.namespace, w.config.name, (s) => {
        s.status = next;
      });
    }
  }
}

function ordinalOf(pod: string, set: string): number {
  return Number(pod.slice(set.length + 1));
}
