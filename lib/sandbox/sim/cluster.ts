// The simulated cluster: wires the controllers (controllers/), the kubelet, the pod registry
// and factory, where terminations start, and the scenario runner, all on one virtual clock.
// It is the API server's backend for the verbs that start terminations (delete, eviction).
import type { VirtualClock } from "../clock.ts";
import { GroundTruthBook } from "../ground-truth.ts";
import type { Scenario, WorkloadConfig } from "../scenario.ts";
import type { ObjectStore } from "../store.ts";
import { rfc3339Milli } from "../time.ts";
import type { KObject } from "../types.ts";
import { DAY_MS, type Sim } from "./context.ts";
import { DeploymentController } from "./controllers/deployment.ts";
import { EndpointSliceController } from "./controllers/endpointslice.ts";
import { ReplicaSetController } from "./controllers/replicaset.ts";
import { EventRecorder } from "./events.ts";
import { Kubelet, type PodHandle } from "./kubelet.ts";
import { PodFactory } from "./pod-factory.ts";
import { PodRegistry } from "./pod-registry.ts";
import { Rng } from "./rng.ts";
import { ScenarioRunner } from "./scenario-runner.ts";
import { createNamespaces, createNodes } from "./setup.ts";
import { Terminations } from "./terminations.ts";
import { ClientTraffic } from "./traffic/index.ts";
import type { PodRuntime } from "./workload.ts";

export class Cluster {
  readonly truth = new GroundTruthBook();
  /** Simulated clients of the workloads that have them (before setup: it sees the first slices). */
  readonly traffic: ClientTraffic;
  private readonly sim: Sim;
  private readonly registry: PodRegistry;
  private readonly terminations: Terminations;
  private readonly deployments: DeploymentController;
  private readonly slices: EndpointSliceController;
  private readonly runner: ScenarioRunner;
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
    const pods = new PodFactory(this.sim, this.registry, { nodes: scenario.nodes, nodeIP: (n) => this.nodeIPs.get(n), podChanged });
    const replicaSets = new ReplicaSetController(this.sim, this.registry, pods, { deletePod: (p, cause) => void this.terminations.deleteAs(p, undefined, cause) });
    this.deployments = new DeploymentController(this.sim, this.registry, replicaSets);
    this.slices = new EndpointSliceController(this.sim, this.registry);
    this.runner = new ScenarioRunner(this.sim, scenario, this.deployments, this.registry, this.terminations);
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

  /** The eviction API (no PodDisruptionBudgets yet); false when there is no such pod. */
  evictPod(namespace: string, name: string, gracePeriodSeconds: number | undefined): boolean {
    return this.terminations.evict(namespace, name, gracePeriodSeconds);
  }

  private addWorkload(config: WorkloadConfig): void {
    const w = this.deployments.create(config);
    this.slices.create(w, this.sim.startedAt - DAY_MS);
    this.deployments.reconcile(w, true);
    this.slices.sync(w);
  }

  private podChanged(rt: PodRuntime): void {
    // Deleted pods leave the simulator's books too (an endless demo must not grow).
    if (rt.gone) this.registry.forget(rt);
    this.deployments.kick(rt.workload);
    this.slices.schedule(rt.workload);
  }
}
