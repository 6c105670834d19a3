// The simulated cluster: Deployment and ReplicaSet controllers, the EndpointSlice controller,
// the API-side pod verbs (delete with grace, eviction), scenario actions, and ground truth.
// All of it runs on the virtual clock; the kubelet lives in kubelet.ts.
import { log } from "../../log.ts";
import type { Cause } from "../../tracker/record.ts";
import type { VirtualClock } from "../clock.ts";
import { GroundTruthBook, type GroundTruth } from "../ground-truth.ts";
import type { Action, Scenario, WorkloadConfig } from "../scenario.ts";
import type { ApiBackend, ApiResult } from "../server.ts";
import * as status from "../status.ts";
import type { ObjectStore } from "../store.ts";
import { rfc3339, rfc3339Milli } from "../time.ts";
import type { Endpoint, EndpointSlice, KObject, Pod, PodTemplate } from "../types.ts";
import { EventRecorder } from "./events.ts";
import { intendedOutcome, Kubelet, type PodHandle } from "./kubelet.ts";
import { parseKubectl } from "./kubectl-action.ts";
import type { ContainerProfile } from "./plan.ts";
import { addDisruptionTarget, isPodReady, isTerminalPod, podTemplate, profileOf, setPending, setRunning, sidecarProfile } from "./pods.ts";
import { Rng, templateHash } from "./rng.ts";

const REVISION = "deployment.kubernetes.io/revision";
/** Old ReplicaSets kept at 0 replicas (revisionHistoryLimit, kept small for an endless demo). */
const HISTORY_LIMIT = 3;
/** Controllers react to watch events after a short delay. */
const CONTROLLER_DELAY_S = 0.05;
const DAY_MS = 24 * 60 * 60 * 1000;

interface WorkloadState {
  key: string;
  config: WorkloadConfig;
  uid: string;
  restartedAt: string | null;
  generation: number;
  maxRevision: number;
  sliceName: string;
  nextNode: number;
  slicePendingSince: number | null;
  /** This workload's pods (an index of `runtimes`, so controllers stay O(own pods) at 10k pods). */
  pods: Map<string, PodRuntime>;
}

interface PodRuntime extends PodHandle {
  workload: WorkloadState;
  rsUid: string;
}

interface ReplicaSet extends KObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
  status: { replicas: number; readyReplicas: number; availableReplicas: number; observedGeneration: number };
}

function resolveIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const pct = Number(v.slice(0, -1));
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export class Cluster implements ApiBackend {
  readonly rng: Rng;
  readonly events: EventRecorder;
  readonly truth = new GroundTruthBook();
  private readonly kubelet: Kubelet;
  private readonly workloads = new Map<string, WorkloadState>();
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly nodeIPs = new Map<string, string>();
  private reconcilePending = false;
  /** Workloads whose pods or spec changed since the last controller pass. */
  private readonly dirty = new Set<WorkloadState>();
  private readonly startedAt: number;

  constructor(
    readonly scenario: Scenario,
    readonly store: ObjectStore,
    readonly clock: VirtualClock,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.events = new EventRecorder(store, () => clock.now(), this.rng);
    this.kubelet = new Kubelet({
      store,
      clock,
      events: this.events,
      settings: scenario.settings,
      podChanged: (h) => this.podChanged(h as PodRuntime),
      terminationEnded: (h, at) => this.truth.end(h.uid, rfc3339Milli(at)),
    });
    this.startedAt = clock.now();
  }

  now(): number {
    return this.clock.now();
  }

  /** Pods the simulator runs (not yet deleted from the API), for load generators (load.ts). */
  livePods(): PodHandle[] {
    const out: PodHandle[] = [];
    for (const rt of this.runtimes.values()) if (!rt.gone) out.push(rt);
    return out;
  }

  // ---- setup -----------------------------------------------------------------------------

  /** Creates namespaces, nodes and workloads with running pods, as if up for a day. */
  setup(): void {
    const s = this.scenario;
    const created = rfc3339(this.startedAt - 7 * DAY_MS);
    const namespaces = new Set(["default", "kube-system", ...s.namespaces, ...s.workloads.map((w) => w.namespace)]);
    for (const name of namespaces) {
      this.store.create("namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, uid: this.rng.uid(), creationTimestamp: created, labels: { "kubernetes.io/metadata.name": name } },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
      });
    }
    s.nodes.forEach((name, i) => {
      const ip = `192.168.0.${10 + i}`;
      this.nodeIPs.set(name, ip);
      this.store.create("nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, uid: this.rng.uid(), creationTimestamp: created, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
        spec: {},
        status: {
          conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }],
          addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
          nodeInfo: { kubeletVersion: "v1.32.0", containerRuntimeVersion: "containerd://2.0.0", osImage: "drainwatch sandbox" },
        },
      });
    });
    for (const config of s.workloads) this.createWorkload(structuredClone(config));
  }

  private createWorkload(config: WorkloadConfig): void {
    const key = `${config.namespace}/${config.name}`;
    const w: WorkloadState = {
      key,
      config,
      uid: this.rng.uid(),
      restartedAt: null,
      generation: 1,
      maxRevision: 0,
      sliceName: `${config.name}-${this.rng.suffix(5)}`,
      nextNode: 0,
      slicePendingSince: null,
      pods: new Map(),
    };
    this.workloads.set(key, w);
    const created = rfc3339(this.startedAt - DAY_MS);
    this.store.create("deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: config.name, namespace: config.namespace, uid: w.uid, generation: 1, creationTimestamp: created, labels: { app: config.name }, annotations: {} },
      spec: this.deploymentSpec(w),
      status: {},
    });
    this.store.create("endpointslices", {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: w.sliceName,
        namespace: config.namespace,
        uid: this.rng.uid(),
        creationTimestamp: created,
        generateName: `${config.name}-`,
        labels: { "kubernetes.io/service-name": config.name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
      },
      addressType: "IPv4",
      endpoints: [],
      ports: [{ name: "http", port: config.port, protocol: "TCP" }],
    } as EndpointSlice);
    this.reconcileDeployment(w, true);
    this.syncSlice(w);
  }

  private deploymentSpec(w: WorkloadState): object {
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

  private profiles(w: WorkloadState): ContainerProfile[] {
    return [...w.config.containers.map(profileOf), ...w.config.sidecars.map(sidecarProfile)];
  }

  // ---- schedule --------------------------------------------------------------------------

  /** Schedules the scenario's actions (forever, every period, when it repeats). */
  scheduleActions(): void {
    const s = this.scenario;
    if (s.schedule.length === 0) return;
    const period = s.period ?? Math.max(...s.schedule.map((a) => a.at)) + 60;
    const cycle = (k: number) => {
      const base = this.startedAt + k * period * 1000;
      for (const a of s.schedule) this.clock.at(base + a.at * 1000, () => this.runAction(a));
      if (s.repeat) this.clock.at(base + period * 1000, () => cycle(k + 1));
    };
    cycle(0);
  }

  runAction(a: Action): void {
    log.debug({ action: a.action, at: rfc3339(this.now()) }, "sandbox action");
    if (a.action === "gc-failed") return this.gcFailed(a.namespace);
    if (a.action === "kubectl") return this.runKubectl(a.command);
    const w = this.workloads.get(a.target);
    if (!w) return;
    switch (a.action) {
      case "rollout":
        return this.rollout(w, a.image, a.behaviour, a.drainSeconds);
      case "scale":
        return this.scale(w, a.replicas);
      case "delete-pod":
        return this.withVictim(w, (p) => void this.deletePodAs(p, a.gracePeriodSeconds, "delete"));
      case "force-delete":
        return this.withVictim(w, (p) => void this.deletePodAs(p, 0, "force-delete"));
      case "evict":
        return this.withVictim(w, (p) => void this.evictPod(p.metadata.namespace!, p.metadata.name, a.gracePeriodSeconds));
      case "node-pressure":
        return this.withVictim(w, (p) => this.nodePressure(p, a.resource));
    }
  }

  private runKubectl(command: string): void {
    const k = parseKubectl(command);
    const w = this.workloads.get(`${k.namespace}/${"name" in k ? k.name : ""}`);
    switch (k.kind) {
      case "rollout":
        if (w) this.rollout(w);
        return;
      case "scale":
        if (w) this.scale(w, k.replicas);
        return;
      case "delete": {
        const grace = k.force && k.gracePeriodSeconds === null ? 0 : (k.gracePeriodSeconds ?? undefined);
        const targets = k.pod
          ? [this.store.peek<Pod>("pods", k.namespace, k.pod)].filter((p): p is Pod => p !== undefined)
          : this.store.list("pods", k.namespace).filter((p) => labelsMatch(p, k.selector ?? "")) as Pod[];
        for (const p of targets) this.deletePodAs(p, grace, grace === 0 ? "force-delete" : "delete");
        return;
      }
    }
  }

  /** A running, ready, not terminating pod of the workload, chosen by the seeded RNG. */
  private withVictim(w: WorkloadState, fn: (p: Pod) => void): void {
    const candidates = this.podsOf(w).filter((p) => !p.metadata.deletionTimestamp && p.status.phase === "Running" && isPodReady(p));
    const victim = this.rng.pick(candidates);
    if (!victim) {
      log.warn({ workload: w.key }, "sandbox action found no running pod");
      return;
    }
    fn(victim);
  }

  private rollout(w: WorkloadState, image?: string, behaviour?: WorkloadConfig["containers"][number]["behaviour"], drainSeconds?: number): void {
    w.restartedAt = rfc3339(this.now());
    w.config.containers = w.config.containers.map((c, i) => ({
      ...c,
      ...(image && i === 0 ? { image } : {}),
      ...(behaviour ? { behaviour } : {}),
      ...(drainSeconds !== undefined ? { drainSeconds } : {}),
    }));
    this.updateDeploymentSpec(w);
  }

  private scale(w: WorkloadState, replicas: number): void {
    w.config.replicas = replicas;
    this.updateDeploymentSpec(w);
  }

  private updateDeploymentSpec(w: WorkloadState): void {
    w.generation++;
    this.store.mutate("deployments", w.config.namespace, w.config.name, (d) => {
      d.metadata.generation = w.generation;
      d.spec = this.deploymentSpec(w);
    });
    this.kick(w);
  }

  private gcFailed(namespace?: string): void {
    for (const p of this.store.list("pods", namespace) as Pod[]) {
      if (p.status.phase === "Failed" && !p.metadata.deletionTimestamp) this.deletePodAs(p, 0, "delete");
    }
  }

  // ---- API verbs -------------------------------------------------------------------------

  deletePod(namespace: string, name: string, gracePeriodSeconds: number | undefined): ApiResult {
    const pod = this.store.peek<Pod>("pods", namespace, name);
    if (!pod) return { code: 404, body: status.notFound("pods", "", name) };
    return this.deletePodAs(pod, gracePeriodSeconds, gracePeriodSeconds === 0 ? "force-delete" : "delete");
  }

  evictPod(namespace: string, name: string, gracePeriodSeconds: number | undefined): ApiResult {
    const pod = this.store.peek<Pod>("pods", namespace, name);
    if (!pod) return { code: 404, body: status.notFound("pods", "", name) };
    if (!pod.metadata.deletionTimestamp && !isTerminalPod(pod)) {
      // The eviction API writes DisruptionTarget before the delete (reference section 6).
      this.store.mutate<Pod>("pods", namespace, name, (p) => addDisruptionTarget(p, rfc3339(this.now()), "EvictionByEvictionAPI", "Eviction API: evicting"));
      this.deletePodAs(this.store.peek<Pod>("pods", namespace, name)!, gracePeriodSeconds, "eviction");
    } else if (isTerminalPod(pod)) {
      this.deletePodAs(pod, 0, "delete");
    }
    return { code: 201, body: status.success(201) };
  }

  /** The pod registry's graceful delete (reference 1.1), attributing the cause for ground truth. */
  private deletePodAs(pod: Pod, gracePeriodSeconds: number | undefined, cause: Cause): ApiResult {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name;
    const rt = this.runtimes.get(pod.metadata.uid);
    const terminal = isTerminalPod(pod);
    let grace = gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
    if (terminal) grace = 0;
    if (grace < 0) grace = 1;
    const now = this.now();

    if (pod.metadata.deletionTimestamp) {
      const current = pod.metadata.deletionGracePeriodSeconds ?? 0;
      // A second delete only matters when it shortens the grace to zero (force); a shorter
      // positive grace is accepted but not replayed (the kubelet keeps its plan).
      if (grace !== 0 || current === 0) return { code: 200, body: structuredClone(pod) };
    }

    if (grace === 0) {
      const wasDeleting = pod.metadata.deletionTimestamp !== undefined;
      this.store.mutate<Pod>("pods", ns, name, (p) => {
        p.metadata.deletionTimestamp = rfc3339(now);
        p.metadata.deletionGracePeriodSeconds = 0;
      });
      const removed = this.store.remove("pods", ns, name)!;
      if (rt) {
        rt.gone = true;
        if (!terminal && !wasDeleting) this.recordTruth(rt, removed as Pod, cause, "unknown", 0, now);
        this.truth.end(rt.uid, rfc3339Milli(now));
        this.podChanged(rt);
      }
      return { code: 200, body: removed };
    }

    const updated = this.store.mutate<Pod>("pods", ns, name, (p) => {
      p.metadata.deletionTimestamp = rfc3339(now + grace * 1000);
      p.metadata.deletionGracePeriodSeconds = grace;
    })!;
    if (rt) {
      const plan = this.kubelet.terminate(rt, grace, now);
      this.recordTruth(rt, updated, cause, intendedOutcome(plan), grace, now, plan.exits);
      this.podChanged(rt);
    }
    return { code: 200, body: updated };
  }

  private nodePressure(pod: Pod, resource: string): void {
    const rt = this.runtimes.get(pod.metadata.uid);
    if (!rt) return;
    this.kubelet.evictForPressure(rt, resource, 60 + this.rng.int(40));
    this.recordTruth(rt, pod, "node-pressure", "unknown", null, this.now());
  }

  private recordTruth(
    rt: PodRuntime,
    pod: Pod,
    cause: Cause,
    outcome: GroundTruth["outcome"],
    grace: number | null,
    at: number,
    exits?: readonly { name: string; exitCode: number; reason: string; sidecar: ContainerProfile["sidecar"] }[],
  ): void {
    const containers = rt.profiles.map((c) => {
      const e = exits?.find((x) => x.name === c.name);
      const unknown = cause === "node-pressure";
      return {
        name: c.name,
        sidecar: c.sidecar !== null,
        exitCode: e ? e.exitCode : unknown ? 137 : null,
        reason: e ? e.reason : unknown ? "ContainerStatusUnknown" : null,
      };
    });
    this.truth.add({
      podUid: rt.uid,
      namespace: rt.namespace,
      pod: pod.metadata.name,
      workload: { kind: "Deployment", name: rt.workload.config.name },
      cause,
      outcome,
      gracePeriodSeconds: grace,
      startedAt: rfc3339Milli(at),
      endedAt: null,
      containers,
    });
  }

  // ---- controllers -----------------------------------------------------------------------

  private podChanged(rt: PodRuntime): void {
    // Deleted pods leave the simulator's books too (an endless demo must not grow).
    if (rt.gone) {
      this.runtimes.delete(rt.uid);
      rt.workload.pods.delete(rt.uid);
    }
    this.kick(rt.workload);
    this.scheduleSlice(rt.workload);
  }

  /**
   * Debounced: one controller pass shortly after any relevant change, for the workloads that
   * changed (the others have nothing to do; at 10k pods a pass over all of them would not keep up).
   */
  private kick(w: WorkloadState): void {
    this.dirty.add(w);
    if (this.reconcilePending) return;
    this.reconcilePending = true;
    this.clock.after(CONTROLLER_DELAY_S, () => {
      this.reconcilePending = false;
      for (const x of this.workloads.values()) {
        if (!this.dirty.has(x)) continue;
        this.dirty.delete(x);
        this.reconcileDeployment(x, false);
      }
    });
  }

  private podsOf(w: WorkloadState): Pod[] {
    const out: Pod[] = [];
    for (const rt of w.pods.values()) {
      if (rt.gone) continue;
      const p = this.store.peek<Pod>("pods", rt.namespace, rt.name);
      if (p && p.metadata.uid === rt.uid) out.push(p);
    }
    return out;
  }

  private replicaSetsOf(w: WorkloadState): ReplicaSet[] {
    return (this.store.list("replicasets", w.config.namespace) as ReplicaSet[]).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === w.uid);
  }

  /** Deployment controller (rolling update, scale) followed by the ReplicaSet controller. */
  private reconcileDeployment(w: WorkloadState, initial: boolean): void {
    const c = w.config;
    const template = podTemplate(c, w.restartedAt);
    const hash = templateHash(JSON.stringify([template, this.profiles(w)]));
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
      const available = this.podsOf(w).filter(isAvailable).length;
      let canScaleDown = available - (desired - unavailable);
      for (const rs of old.sort((a, b) => revisionOf(a) - revisionOf(b))) {
        if (canScaleDown <= 0) break;
        const down = Math.min(rs.spec.replicas, canScaleDown);
        this.scaleReplicaSet(w, rs, rs.spec.replicas - down);
        canScaleDown -= down;
      }
    }

    for (const rs of this.replicaSetsOf(w)) this.reconcileReplicaSet(w, rs, rs.metadata.uid === newRS.metadata.uid, initial);
    this.gcReplicaSets(w);
    this.updateWorkloadStatus(w, newRS.metadata.uid);
  }

  private createReplicaSet(w: WorkloadState, template: PodTemplate, hash: string, replicas: number, surge: number): ReplicaSet {
    const c = w.config;
    const revision = String(++w.maxRevision);
    const tpl = structuredClone(template);
    tpl.metadata.labels["pod-template-hash"] = hash;
    const rs = this.store.create<ReplicaSet>("replicasets", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${c.name}-${hash}`,
        namespace: c.namespace,
        uid: this.rng.uid(),
        generation: 1,
        creationTimestamp: rfc3339(replicas > 0 ? this.startedAt - DAY_MS : this.now()),
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
    this.store.mutate("deployments", c.namespace, c.name, (d) => {
      d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: revision };
    });
    return rs;
  }

  private scaleReplicaSet(w: WorkloadState, rs: ReplicaSet, replicas: number): void {
    const from = rs.spec.replicas;
    if (from === replicas) return;
    this.store.mutate<ReplicaSet>("replicasets", rs.metadata.namespace, rs.metadata.name, (r) => {
      r.spec.replicas = replicas;
      r.metadata.generation = (r.metadata.generation ?? 1) + 1;
      r.metadata.annotations = { ...r.metadata.annotations, "deployment.kubernetes.io/desired-replicas": String(w.config.replicas) };
    });
    rs.spec.replicas = replicas;
    const deployment = this.store.peek("deployments", w.config.namespace, w.config.name);
    if (deployment) {
      const verb = replicas > from ? "up" : "down";
      this.events.record(deployment, "Normal", "ScalingReplicaSet", `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${replicas}`, {
        component: "deployment-controller",
      });
    }
  }

  private reconcileReplicaSet(w: WorkloadState, rs: ReplicaSet, current: boolean, initial: boolean): void {
    const owned = this.podsOf(w).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
    const active = owned.filter((p) => !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const diff = rs.spec.replicas - active.length;
    for (let i = 0; i < diff; i++) {
      const pod = this.createPod(w, rs, initial);
      // Pods that exist at start were created "a day ago": their events have long expired.
      if (!initial) this.events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, { component: "replicaset-controller" });
    }
    if (diff < 0) {
      // Victims: not ready first, then the newest (controller.ActivePodsWithRanks, simplified).
      const victims = [...active]
        .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""))
        .slice(0, -diff);
      for (const p of victims) {
        this.deletePodAs(p, undefined, current ? "scale-down" : "rollout");
        this.events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, { component: "replicaset-controller" });
      }
    }
    const now = this.podsOf(w).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const next = { replicas: now.length, readyReplicas: now.filter(isPodReady).length, availableReplicas: now.filter(isAvailable).length, observedGeneration: rs.metadata.generation ?? 1 };
    if (JSON.stringify(next) !== JSON.stringify(rs.status)) {
      this.store.mutate<ReplicaSet>("replicasets", rs.metadata.namespace, rs.metadata.name, (r) => {
        r.status = next;
      });
    }
  }

  private gcReplicaSets(w: WorkloadState): void {
    const idle = this.replicaSetsOf(w)
      .filter((rs) => rs.spec.replicas === 0 && !this.podsOf(w).some((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid))
      .sort((a, b) => revisionOf(b) - revisionOf(a));
    const current = String(w.maxRevision);
    for (const rs of idle.filter((r) => r.metadata.annotations?.[REVISION] !== current).slice(HISTORY_LIMIT)) {
      this.store.remove("replicasets", rs.metadata.namespace, rs.metadata.name);
    }
  }

  private updateWorkloadStatus(w: WorkloadState, newRsUid: string): void {
    const pods = this.podsOf(w).filter((p) => !p.metadata.deletionTimestamp && !isTerminalPod(p));
    const next = {
      observedGeneration: w.generation,
      replicas: pods.length,
      updatedReplicas: pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === newRsUid).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter(isAvailable).length,
    };
    const d = this.store.peek("deployments", w.config.namespace, w.config.name);
    if (d && JSON.stringify(d.status) !== JSON.stringify(next)) {
      this.store.mutate("deployments", w.config.namespace, w.config.name, (x) => {
        x.status = next;
      });
    }
  }

  private createPod(w: WorkloadState, rs: ReplicaSet, initial: boolean): Pod {
    const c = w.config;
    const nodes = this.scenario.nodes;
    const node = nodes[w.nextNode++ % nodes.length]!;
    let name = `${rs.metadata.name}-${this.rng.suffix(5)}`;
    while (this.store.peek("pods", c.namespace, name)) name = `${rs.metadata.name}-${this.rng.suffix(5)}`;
    const uid = this.rng.uid();
    const ids = new Map<string, string>();
    const containerId = (n: string) => {
      if (!ids.has(n)) ids.set(n, `containerd://${this.rng.hex(64)}`);
      return ids.get(n)!;
    };
    const tpl = rs.spec.template;
    const createdMs = initial ? this.startedAt - DAY_MS : this.now();
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${rs.metadata.name}-`,
        namespace: c.namespace,
        uid,
        creationTimestamp: rfc3339(createdMs),
        labels: { ...tpl.metadata.labels },
        ...(tpl.metadata.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...structuredClone(tpl.spec), nodeName: node },
      status: {
        phase: "Pending",
        hostIP: this.nodeIPs.get(node),
        podIP: `10.${1 + this.rng.int(250)}.${this.rng.int(256)}.${1 + this.rng.int(253)}`,
        conditions: [],
        containerStatuses: [],
      },
    };
    const rt: PodRuntime = { uid, namespace: c.namespace, name, node, profiles: this.profiles(w), gone: false, workload: w, rsUid: rs.metadata.uid };
    this.runtimes.set(uid, rt);
    w.pods.set(uid, rt);
    if (initial) {
      setRunning(pod, rfc3339(createdMs), containerId);
      return this.store.create("pods", pod);
    }
    setPending(pod, rfc3339(createdMs));
    const created = this.store.create("pods", pod);
    this.clock.after(this.scenario.settings.podStartSeconds, () => {
      if (rt.gone) return;
      const started = this.store.mutate<Pod>("pods", c.namespace, name, (p) => {
        if (p.metadata.deletionTimestamp || isTerminalPod(p)) return;
        setRunning(p, rfc3339(this.now()), containerId);
      });
      if (started) this.podChanged(rt);
    });
    return created;
  }

  /** The EndpointSlice controller sees pod changes after a lag and batches them. */
  private scheduleSlice(w: WorkloadState): void {
    if (w.slicePendingSince !== null) return;
    w.slicePendingSince = this.now();
    this.clock.after(this.scenario.settings.endpointLagSeconds, () => this.syncSlice(w));
  }

  private syncSlice(w: WorkloadState): void {
    const trigger = w.slicePendingSince;
    w.slicePendingSince = null;
    const slice = this.store.peek<EndpointSlice>("endpointslices", w.config.namespace, w.sliceName);
    if (!slice) return;
    const wanted = new Map<string, Endpoint>();
    for (const p of this.podsOf(w)) {
      // ShouldPodBeInEndpoints(pod, includeTerminating=true): dropped once terminal.
      if (p.status.phase !== "Running" || !p.status.podIP) continue;
      const serving = isPodReady(p);
      const terminating = p.metadata.deletionTimestamp !== undefined;
      wanted.set(p.metadata.uid, {
        addresses: [p.status.podIP],
        conditions: { ready: serving && !terminating, serving, terminating },
        nodeName: p.spec.nodeName,
        targetRef: { kind: "Pod", name: p.metadata.name, namespace: w.config.namespace, uid: p.metadata.uid },
      });
    }
    const next: Endpoint[] = [];
    for (const ep of slice.endpoints) {
      const e = wanted.get(ep.targetRef.uid);
      if (e) next.push(e);
      wanted.delete(ep.targetRef.uid);
    }
    next.push(...wanted.values());
    if (JSON.stringify(next) === JSON.stringify(slice.endpoints)) return;
    this.store.mutate<EndpointSlice>("endpointslices", w.config.namespace, w.sliceName, (s) => {
      s.endpoints = next;
      if (trigger !== null) s.metadata.annotations = { ...s.metadata.annotations, "endpoints.kubernetes.io/last-change-trigger-time": rfc3339Milli(trigger) };
    });
  }
}

function isAvailable(p: Pod): boolean {
  return p.status.phase === "Running" && isPodReady(p) && !p.metadata.deletionTimestamp;
}

function revisionOf(rs: KObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? "0");
}

function labelsMatch(o: KObject, selector: string): boolean {
  return selector
    .split(",")
    .filter(Boolean)
    .every((req) => {
      const [k, v] = req.split("=");
      return k !== undefined && o.metadata.labels?.[k.trim()] === v?.trim();
    });
}
