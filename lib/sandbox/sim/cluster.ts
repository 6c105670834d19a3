// The simulated cluster: wires the controllers (controllers/, one per workload kind, plus
// EndpointSlices and PodDisruptionBudgets), the kubelet, the pod registry and factory, where
// terminations start, node drains and the scenario runner, all on one virtual clock. It is the
// API server's backend for the verbs that start terminations (delete, eviction).
import type { VirtualClock } from "../clock.ts";
import { GroundTruthBook } from "../ground-truth.ts";
import type { Scenario, WorkloadConfig } from "../scenario.ts";
import type { ObjectStore } from "../store.ts";
import { rfc3339Milli } from "../time.ts";
import type { Cause } from "../../tracker/record.ts";
import type { KObject, Pod } from "../types.ts";
import { DAY_MS, type Sim } from "./context.ts";
import { CronJobController } from "./controllers/cronjob.ts";
import { DaemonSetController } from "./controllers/daemonset.ts";
import { DeploymentController, type RolloutChange } from "./controllers/deployment.ts";
import { DisruptionController, type EvictionVerdict } from "./controllers/disruption.ts";
import { GC_DELAY_S, JobController } from "./controllers/job.ts";
import { StatefulSetController } from "./controllers/statefulset.ts";
import { Drainer } from "./drain.ts";
import { EndpointSliceController } from "./controllers/endpointslice.ts";
import { ReplicaSetController } from "./controllers/replicaset.ts";
import { EventRecorder } from "./events.ts";
import { Kubelet, type PodHandle } from "./kubelet.ts";
import { PodFactory } from "./pod-factory.ts";
import { PodRegistry } from "./pod-registry.ts";
import { Rng } from "./rng.ts";
import { ScenarioRunner, type WorkloadActions } from "./scenario-runner.ts";
import { createNamespaces, createNodes } from "./setup.ts";
import { Terminations } from "./terminations.ts";
import { ClientTraffic } from "./traffic/index.ts";
import type { PodRuntime, WorkloadState } from "./workload.ts";

export class Cluster {
  readonly truth = new GroundTruthBook();
  /** Simulated clients of the workloads that have them (before setup: it sees the first slices). */
  readonly traffic: ClientTraffic;
  private readonly sim: Sim;
  private readonly registry: PodRegistry;
  private readonly terminations: Terminations;
  private readonly deployments: DeploymentController;
  private readonly slices: EndpointSliceController;
  private readonly statefulSets: StatefulSetController;
  private readonly daemonSets: DaemonSetController;
  private readonly jobs: JobController;
  private readonly cronJobs: CronJobController;
  private readonly disruption: DisruptionController;
  private readonly drainer: Drainer;
  private readonly runner: ScenarioRunner;
  /** Every workload of every kind, by namespace/name. */
  private readonly workloads = new Map<string, WorkloadState>();
  private nodeIPs = new Map<string, string>();

  constructor(
    readonly scenario: Scenario,
    readonly store: ObjectStore,
    readonly clock: VirtualClock,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const events = new EventRecorder(store, () => clock.now(), rng);
    this.sim = { store, clock, rng, events, settings: scenario.settings, startedAt: clock.now() };
    this.traffic = new ClientTraffic(this.sim, scenario.workloads);
    const kubelet = new Kubelet({
      store,
      clock,
      events,
      settings: scenario.settings,
      podChanged: (h) => this.podChanged(h as PodRuntime),
      terminationEnded: (h, at) => this.truth.end(h.uid, rfc3339Milli(at)),
    });
    const podChanged = (rt: PodRuntime) => this.podChanged(rt);
    this.registry = new PodRegistry(store);
    this.terminations = new Terminations(this.sim, this.registry, kubelet, this.truth, {
      podChanged,
      planned: (rt, plan) => this.traffic.planned(rt, plan),
      killed: (rt, at) => this.traffic.killed(rt, at),
      evicted: (rt, at) => this.traffic.evicted(rt, at),
    });
    const pods = new PodFactory(this.sim, this.registry, {
      nodes: scenario.nodes,
      nodeIP: (n) => this.nodeIPs.get(n),
      podChanged,
      schedulable: (n) => this.drainer.schedulable(n),
    });
    const deleter = { deletePod: (p: Pod, cause: Cause) => void this.terminations.deleteAs(p, undefined, cause) };
    const replicaSets = new ReplicaSetController(this.sim, this.registry, pods, deleter);
    this.deployments = new DeploymentController(this.sim, this.registry, replicaSets);
    this.slices = new EndpointSliceController(this.sim, this.registry);
    this.statefulSets = new StatefulSetController(this.sim, this.registry, pods, deleter);
    this.daemonSets = new DaemonSetController(this.sim, this.registry, pods, deleter, scenario.nodes);
    this.jobs = new JobController(this.sim, pods, deleter);
    this.cronJobs = new CronJobController(this.sim, this.jobs, this.horizon());
    this.disruption = new DisruptionController(this.sim, scenario.disruptionBudgets, (p) => this.expectedScale(p));
    this.drainer = new Drainer(this.sim, this.truth, { evict: (ns, name, grace) => this.evictPod(ns, name, grace) });
    this.runner = new ScenarioRunner(this.sim, scenario, this.actions(), this.registry, this.terminations, {
      evict: (ns, name, grace) => this.evictPod(ns, name, grace),
      drain: (a) => this.drainer.drain(a),
      uncordon: (node) => this.drainer.cordon(node, false),
      deleteJob: (w) => {
        for (const run of this.jobs.runsOf(w)) if (w.config.kind === "Job" || run.finished === null) this.jobs.delete(run);
      },
      runJob: (w) => void this.jobs.start(w, this.jobs.freeName(w), null),
    });
  }

  now(): number {
    return this.clock.now();
  }

  /** Pods the simulator runs (not yet deleted from the API). */
  livePods(): PodHandle[] {
    return this.registry.live();
  }

  /** Creates namespaces, nodes and workloads with running pods, as if up for a day. */
  setup(): void {
    const s = this.scenario;
    const weekAgo = this.sim.startedAt - 7 * DAY_MS;
    createNamespaces(this.sim, new Set(["default", "kube-system", ...s.namespaces, ...s.workloads.map((w) => w.namespace)]), weekAgo);
    this.nodeIPs = createNodes(this.sim, s.nodes, weekAgo);
    for (const config of s.workloads) this.addWorkload(structuredClone(config));
    this.disruption.setup();
    this.traffic.settled();
  }

  /** Schedules the scenario's actions (forever, every period, when it repeats). */
  scheduleActions(): void {
    this.runner.schedule();
  }

  /** The API's pod delete (graceful unless 0); undefined when there is no such pod. */
  deletePod(namespace: string, name: string, gracePeriodSeconds: number | undefined): KObject | undefined {
    return this.terminations.delete(namespace, name, gracePeriodSeconds);
  }

  /** The eviction API, PodDisruptionBudgets checked; undefined when there is no such pod. */
  evictPod(namespace: string, name: string, gracePeriodSeconds: number | undefined): EvictionVerdict | undefined {
    const pod = this.store.peek<Pod>("pods", namespace, name);
    if (!pod) return undefined;
    const verdict = this.disruption.check(pod);
    if (verdict.allowed) this.terminations.evict(namespace, name, gracePeriodSeconds);
    return verdict;
  }

  /**
   * The API's delete of a StatefulSet, DaemonSet, Job or CronJob, as kubectl sends it (background
   * propagation: the object goes at once, the garbage collector then deletes its pods with their
   * grace, or a CronJob's Jobs). Undefined when there is no such object.
   */
  deleteWorkload(kind: "StatefulSet" | "DaemonSet" | "Job" | "CronJob", namespace: string, name: string): KObject | undefined {
    const resource = { StatefulSet: "statefulsets", DaemonSet: "daemonsets", Job: "jobs", CronJob: "cronjobs" }[kind];
    if (kind === "Job") {
      const run = this.jobs.find(namespace, name);
      const obj = this.store.get(resource, namespace, name);
      if (run) this.jobs.delete(run);
      else this.store.remove(resource, namespace, name);
      return obj;
    }
    const removed = this.store.remove(resource, namespace, name);
    const w = this.workloads.get(`${namespace}/${name}`);
    if (!removed || !w || w.config.kind !== kind || w.uid !== removed.metadata.uid) return removed;
    this.sim.clock.after(GC_DELAY_S, () => {
      if (kind === "CronJob") for (const run of this.jobs.runsOf(w)) this.jobs.delete(run);
      else for (const p of this.registry.podsOf(w)) if (!p.metadata.deletionTimestamp) this.terminations.deleteAs(p, undefined, "delete");
    });
    return removed;
  }

  /** CronJobs schedule no Job past this (virtual epoch ms), so a finite scenario ends. */
  private horizon(): number {
    const s = this.scenario;
    if (s.repeat) return Infinity;
    const last = s.schedule.length > 0 ? Math.max(...s.schedule.map((a) => a.at)) : 0;
    return this.sim.startedAt + (s.period ?? last + 60) * 1000;
  }

  private actions(): WorkloadActions {
    return {
      get: (key) => this.workloads.get(key),
      rollout: (w, change?: RolloutChange) => {
        if (w.config.kind === "Deployment") this.deployments.rollout(w, change);
        else if (w.config.kind === "StatefulSet") this.statefulSets.rollout(w, change);
        else if (w.config.kind === "DaemonSet") this.daemonSets.rollout(w, change);
      },
      scale: (w, replicas) => {
        if (w.config.kind === "Deployment") this.deployments.scale(w, replicas);
        else if (w.config.kind === "StatefulSet") this.statefulSets.scale(w, replicas);
      },
    };
  }

  /** A PodDisruptionBudget's expected pods: the desired scale of the workloads owning them. */
  private expectedScale(pods: readonly Pod[]): number {
    const owners = new Set<WorkloadState>();
    for (const p of pods) {
      const rt = this.registry.get(p.metadata.uid);
      if (rt) owners.add(rt.workload);
    }
    let n = 0;
    for (const w of owners) n += w.config.kind === "DaemonSet" ? (w.config.nodes ?? this.scenario.nodes).length : w.config.kind === "Job" || w.config.kind === "CronJob" ? 1 : w.config.replicas;
    return n;
  }

  private addWorkload(config: WorkloadConfig): void {
    let w: WorkloadState;
    switch (config.kind) {
      case "Deployment":
        w = this.deployments.create(config);
        this.slices.create(w, this.sim.startedAt - DAY_MS);
        this.deployments.reconcile(w, true);
        break;
      case "StatefulSet":
        w = this.statefulSets.create(config);
        this.slices.create(w, this.sim.startedAt - DAY_MS);
        this.statefulSets.reconcile(w, true);
        break;
      case "DaemonSet":
        w = this.daemonSets.create(config);
        this.slices.create(w, this.sim.startedAt - DAY_MS);
        this.daemonSets.reconcile(w, true);
        break;
      case "Job":
        w = this.jobs.create(config);
        break;
      case "CronJob":
        w = this.cronJobs.create(config);
        break;
    }
    this.workloads.set(w.key, w);
    this.slices.sync(w);
  }

  private podChanged(rt: PodRuntime): void {
    // Deleted pods leave the simulator's books too (an endless demo must not grow).
    if (rt.gone) this.registry.forget(rt);
    const w = rt.workload;
    switch (w.config.kind) {
      case "Deployment":
        this.deployments.kick(w);
        break;
      case "StatefulSet":
        this.statefulSets.kick(w);
        break;
      case "DaemonSet":
        this.daemonSets.kick(w);
        break;
      case "Job":
      case "CronJob":
        this.jobs.kick(w);
        break;
    }
    this.slices.schedule(w);
    this.disruption.kick();
  }
}
