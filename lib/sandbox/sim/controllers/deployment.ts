// The Deployment controller: creates, scales (rolling update with maxSurge/maxUnavailable) and
// cleans up a Deployment's ReplicaSets, then lets the ReplicaSet controller act on each and
// writes the Deployment's status. Passes are debounced and cover only changed workloads.
import type { Behaviour, WorkloadConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject, PodTemplate, ReplicaSet } from "../../types.ts";
import { DAY_MS, type Sim } from "../context.ts";
import type { PodRegistry } from "../pod-registry.ts";
import { isAvailable, isPodReady, isTerminalPod, podTemplate } from "../pods.ts";
import { templateHash } from "../rng.ts";
import { newWorkload, profilesOf, type WorkloadState } from "../workload.ts";
import type { ReplicaSetController } from "./replicaset.ts";

const REVISION = "deployment.kubernetes.io/revision";
/** Old ReplicaSets kept at 0 replicas (revisionHistoryLimit, kept small for an endless demo). */
const HISTORY_LIMIT = 3;
/** Controllers react to watch events after a short delay. */
const CONTROLLER_DELAY_S = 0.05;

export interface RolloutChange {
  image?: string;
  behaviour?: Behaviour;
  drainSeconds?: number;
}

/** A rollout's new pod template (every workload kind): restartedAt now, and the change applied. */
export function applyRolloutChange(w: WorkloadState, change: RolloutChange, now: number): void {
  const { image, behaviour, drainSeconds } = change;
  w.restartedAt = rfc3339(now);
  w.config.containers = w.config.containers.map((c, i) => ({
    ...c,
    ...(image && i === 0 ? { image } : {}),
    ...(behaviour ? { behaviour } : {}),
    ...(drainSeconds !== undefined ? { drainSeconds } : {}),
  }));
}

export class DeploymentController {
  /** By namespace/name, in creation order (the order of every controller pass). */
  private readonly workloads = new Map<string, WorkloadState>();
  /** Workloads whose pods or spec changed since the last controller pass. */
  private readonly dirty = new Set<WorkloadState>();
  private reconcilePending = false;

  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly replicaSets: ReplicaSetController,
  ) {}

  get(key: string): WorkloadState | undefined {
    return this.workloads.get(key);
  }

  /** A Deployment object for the config, as if created a day ago (no ReplicaSets yet). */
  create(config: WorkloadConfig): WorkloadState {
    const w = newWorkload(config, this.sim.rng);
    this.workloads.set(w.key, w);
    this.sim.store.create("deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: config.name,
        namespace: config.namespace,
        uid: w.uid,
        generation: 1,
        creationTimestamp: rfc3339(this.sim.startedAt - DAY_MS),
        labels: { app: config.name },
        annotations: {},
      },
      spec: this.spec(w),
      status: {},
    });
    return w;
  }

  /** `kubectl rollout restart` (optionally with a new image or behaviour of the containers). */
  rollout(w: WorkloadState, change: RolloutChange = {}): void {
    applyRolloutChange(w, change, this.sim.clock.now());
    this.updateSpec(w);
  }

  scale(w: WorkloadState, replicas: number): void {
    w.config.replicas = replicas;
    this.updateSpec(w);
  }

  /**
   * Debounced: one controller pass shortly after any relevant change, for the workloads that
   * changed (the others have nothing to do; at 10k pods a pass over all of them would not keep up).
   */
  kick(w: WorkloadState): void {
    this.dirty.add(w);
    if (this.reconcilePending) return;
    this.reconcilePending = true;
    this.sim.clock.after(CONTROLLER_DELAY_S, () => {
      this.reconcilePending = false;
      for (const x of this.workloads.values()) {
        if (!this.dirty.has(x)) continue;
        this.dirty.delete(x);
        this.reconcile(x, false);
      }
    });
  }

  /** Rolling update and scale, then the ReplicaSet controller, cleanup and status. */
  reconcile(w: WorkloadState, initial: boolean): void {
    const c = w.config;
    const template = podTemplate(c, w.restartedAt);
    const hash = templateHash(JSON.stringify([template, profilesOf(w)]));
    const desired = c.replicas;
    const surge = resolveIntOrPercent(c.maxSurge, desired, true);
    let unavailable = resolveIntOrPercent(c.maxUnavailable, desired, false);
    if (surge === 0 && unavailable === 0) unavailable = 1;

    let all = this.replicaSetsOf(w);
    let newRS = all.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
    if (!newRS) {
      newRS = this.createReplicaSet(w, template, hash, initial ? desired : 0, surge);
      all = [...all, newRS];
    }
    const old = all.filter((rs) => rs !== newRS && rs.spec.replicas > 0);
    const total = all.reduce((n, rs) => n + rs.spec.replicas, 0);

    if (newRS.spec.replicas < desired) {
      const up = Math.min(desired + surge - total, desired - newRS.spec.replicas);
      if (up > 0) this.scaleReplicaSet(w, newRS, newRS.spec.replicas + up);
    } else if (old.length === 0 && newRS.spec.replicas > desired) {
      this.scaleReplicaSet(w, newRS, desired);
    }
    if (old.length > 0) {
      const available = this.registry.podsOf(w).filter(isAvailable).length;
      let canScaleDown = available - (desired - unavailable);
      for (const rs of old.sort((a, b) => revisionOf(a) - revisionOf(b))) {
        if (canScaleDown <= 0) break;
        const down = Math.min(rs.spec.replicas, canScaleDown);
        this.scaleReplicaSet(w, rs, rs.spec.replicas - down);
        canScaleDown -= down;
      }
    }

    for (const rs of this.replicaSetsOf(w)) this.replicaSets.reconcile(w, rs, rs.metadata.uid === newRS.metadata.uid, initial);
    this.cleanup(w);
    this.updateStatus(w, newRS.metadata.uid);
  }

  private spec(w: WorkloadState): object {
    const c = w.config;
    return {
      replicas: c.replicas,
      selector: { matchLabels: { app: c.name } },
      template: podTemplate(c, w.restartedAt),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: c.maxSurge, maxUnavailable: c.maxUnavailable } },
      revisionHistoryLimit: HISTORY_LIMIT,
      progressDeadlineSeconds: 600,
    };
  }

  private updateSpec(w: WorkloadState): void {
    w.generation++;
    this.sim.store.mutate("deployments", w.config.namespace, w.config.name, (d) => {
      d.metadata.generation = w.generation;
      d.spec = this.spec(w);
    });
    this.kick(w);
  }

  private replicaSetsOf(w: WorkloadState): ReplicaSet[] {
    return (this.sim.store.list("replicasets", w.config.namespace) as ReplicaSet[]).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === w.uid);
  }

  private createReplicaSet(w: WorkloadState, template: PodTemplate, hash: string, replicas: number, surge: number): ReplicaSet {
    const { store, rng, clock } = this.sim;
    const c = w.config;
    const revision = String(++w.maxRevision);
    const tpl = structuredClone(template);
    tpl.metadata.labels["pod-template-hash"] = hash;
    const rs = store.create<ReplicaSet>("replicasets", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${c.name}-${hash}`,
        namespace: c.namespace,
        uid: rng.uid(),
        generation: 1,
        creationTimestamp: rfc3339(replicas > 0 ? this.sim.startedAt - DAY_MS : clock.now()),
        labels: { app: c.name, "pod-template-hash": hash },
        annotations: {
          [REVISION]: revision,
          "deployment.kubernetes.io/desired-replicas": String(c.replicas),
          "deployment.kubernetes.io/max-replicas": String(c.replicas + surge),
        },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: c.name, uid: w.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, selector: { matchLabels: { app: c.name, "pod-template-hash": hash } }, template: tpl },
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
    });
    store.mutate("deployments", c.namespace, c.name, (d) => {
      d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: revision };
    });
    return rs;
  }

  private scaleReplicaSet(w: WorkloadState, rs: ReplicaSet, replicas: number): void {
    const { store, events } = this.sim;
    const from = rs.spec.replicas;
    if (from === replicas) return;
    store.mutate<ReplicaSet>("replicasets", rs.metadata.namespace, rs.metadata.name, (r) => {
      r.spec.replicas = replicas;
      r.metadata.generation = (r.metadata.generation ?? 1) + 1;
      r.metadata.annotations = { ...r.metadata.annotations, "deployment.kubernetes.io/desired-replicas": String(w.config.replicas) };
    });
    rs.spec.replicas = replicas;
    const deployment = store.peek("deployments", w.config.namespace, w.config.name);
    if (deployment) {
      const verb = replicas > from ? "up" : "down";
      events.record(deployment, "Normal", "ScalingReplicaSet", `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${replicas}`, {
        component: "deployment-controller",
      });
    }
  }

  /** Old, idle ReplicaSets beyond revisionHistoryLimit are deleted. */
  private cleanup(w: WorkloadState): void {
    const pods = this.registry;
    const idle = this.replicaSetsOf(w)
      .filter((rs) => rs.spec.replicas === 0 && !pods.podsOf(w).some((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid))
      .sort((a, b) => revisionOf(b) - revisionOf(a));
    const current = String(w.maxRevision);
    for (const rs of idle.filter((r) => r.metadata.annotations?.[REVISION] !== current).slice(HISTORY_LIMIT)) {
      this.sim.store.remove("replicasets", rs.metadata.namespace, rs.metadata.name);
    }
  }

  private updateStatus(w: WorkloadState, newRsUid: string): void {
    const { store } = this.sim;
    const pods = this.registry.podsOf(w).filter((p) => !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const next = {
      observedGeneration: w.generation,
      replicas: pods.length,
      updatedReplicas: pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === newRsUid).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter(isAvailable).length,
    };
    const d = store.peek("deployments", w.config.namespace, w.config.name);
    if (d && JSON.stringify(d.status) !== JSON.stringify(next)) {
      store.mutate("deployments", w.config.namespace, w.config.name, (x) => {
        x.status = next;
      });
    }
  }
}

function resolveIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const pct = Number(v.slice(0, -1));
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function revisionOf(rs: KObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? "0");
}
