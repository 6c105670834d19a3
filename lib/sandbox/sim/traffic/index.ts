// Simulated client traffic for the workloads whose scenario gives them `clients`: the models
// (model.ts) fed with the EndpointSlices as the API writes them and with each pod's planned
// SIGTERM and stop, counted per tick (counters.ts) as Istio's client-side proxies would report
// them (`istio_requests_total{reporter="source",…}`), and the ground truth of what the clients saw
// in each termination window (windows.ts).
//
// Ticks run at whole virtual seconds (a background task just after the second, so that every
// change due at the second itself is in). The raw samples are exact at those ticks; served with
// those timestamps (the /metrics exposition and the built-in query API), any scraper or query
// reads the same history, so a window count by contract §3's rule is
//   requests(a, b] = total(newest tick <= b) − total(newest tick <= a),
// which is what the ground truth states.
import type { ClientsConfig, ContainerConfig, WorkloadConfig } from "../../scenario.ts";
import type { EndpointSlice } from "../../types.ts";
import type { Sim } from "../context.ts";
import type { TerminationPlan } from "../plan.ts";
import { CounterHistory, TICK_MS, type Labels } from "./counters.ts";
import { WorkloadClients, type Outcome } from "./model.ts";
import { WindowBook } from "./windows.ts";

export { TICK_MS } from "./counters.ts";

/** Just after the whole second: tasks due at the second run first (the queue is time-ordered). */
const TICK_OFFSET_MS = 0.001;

export const REQUESTS_METRIC = "istio_requests_total";

/** What the clients saw in a termination's window (and its baseline), as contract §3 counts it. */
export interface WindowTraffic {
  windowStart: string;
  windowEnd: string;
  requests: number;
  errors5xx: number;
  baselineRequests: number;
  baselineErrors5xx: number;
}

interface Clients {
  config: WorkloadConfig;
  model: WorkloadClients;
}

/** A pod the traffic hooks are told about (the simulator's PodRuntime has these). */
export interface TrafficPod {
  uid: string;
  namespace: string;
  workload: { config: WorkloadConfig };
}

export class ClientTraffic {
  readonly counters = new CounterHistory();
  readonly windows: WindowBook;
  private readonly clients = new Map<string, Clients>();

  constructor(
    private readonly sim: Sim,
    workloads: readonly WorkloadConfig[],
  ) {
    this.windows = new WindowBook(sim.store, () => sim.clock.now());
    const start = sim.clock.now();
    for (const w of workloads) {
      const c = w.clients;
      if (!c) continue;
      const labels = seriesLabels(w, c);
      const model = new WorkloadClients(c, (at, outcome, count) => this.counters.add(outcomeLabels(labels, outcome), at, count));
      this.clients.set(`${w.namespace}/${w.name}`, { config: w, model });
    }
    if (this.clients.size === 0) return;
    sim.store.watch("endpointslices", sim.store.resourceVersion, (e) => {
      if (e.type === "DELETED") return;
      const slice = e.object as EndpointSlice;
      const name = slice.metadata.labels?.["kubernetes.io/service-name"];
      const c = name === undefined ? undefined : this.clients.get(`${slice.metadata.namespace}/${name}`);
      if (!c) return;
      const now = sim.clock.now();
      c.model.advance(now);
      c.model.setEndpoints(
        now,
        slice.endpoints.map((ep) => ({ uid: ep.targetRef.uid, ...ep.conditions })),
      );
    });
    this.scheduleTick(Math.floor(start / TICK_MS) * TICK_MS + TICK_MS);
  }

  /** Setup is done: the clients know the slices as they are (the cluster has been up for a day). */
  settled(): void {
    const now = this.sim.clock.now();
    for (const c of this.clients.values()) c.model.settled(now);
  }

  /** A graceful termination was planned: the serving container's SIGTERM, and when the pod stops serving. */
  planned(pod: TrafficPod, plan: TerminationPlan): void {
    const c = this.clientsOf(pod);
    if (!c) return;
    const app = c.config.containers[0]!;
    const serving = plan.exits.find((e) => e.name === app.name);
    // Inbound requests pass through the proxy sidecars too: the pod serves until the first of them stops.
    const stops = plan.exits.filter((e) => e.name === app.name || e.sidecar !== null).map((e) => e.at);
    if (serving) this.sim.clock.at(serving.sigtermAt, () => c.model.sigterm(pod.uid, this.sim.clock.now(), appOf(app)));
    if (stops.length > 0) this.sim.clock.at(Math.min(...stops), () => c.model.stop(pod.uid, this.sim.clock.now()));
  }

  /** The pod's containers are killed at once (force delete). */
  killed(pod: TrafficPod, at: number): void {
    this.clientsOf(pod)?.model.stop(pod.uid, at);
  }

  /** Node-pressure eviction: SIGTERM when the kubelet starts killing, SIGKILL after the 2 s minimum grace. */
  evicted(pod: TrafficPod, killingAt: number): void {
    const c = this.clientsOf(pod);
    if (!c) return;
    const app = appOf(c.config.containers[0]!);
    this.sim.clock.at(killingAt, () => c.model.sigterm(pod.uid, this.sim.clock.now(), app));
    this.sim.clock.at(killingAt + 2000, () => c.model.stop(pod.uid, this.sim.clock.now()));
  }

  /** The clients' view of a termination's window, or null (no clients, no window yet, history gone). */
  windowTraffic(pod: { uid: string; namespace: string; workload: string }, tailSeconds: number): WindowTraffic | null {
    const w = this.windows.window(pod.uid, tailSeconds);
    return w ? this.countOver(pod.namespace, pod.workload, w.start, w.end) : null;
  }

  /**
   * The workload's requests and 5xx over (start, end] and its baseline, by contract §3's rule on
   * the ticks' raw samples; null without clients, before `end` has played out, or past retention.
   */
  countOver(namespace: string, workload: string, start: number, end: number): WindowTraffic | null {
    if (!this.clients.has(`${namespace}/${workload}`)) return null;
    const last = this.counters.lastTick;
    if (last === null || last < end) return null;
    const dest = (l: Labels) => l.destination_workload === workload && l.destination_workload_namespace === namespace;
    const errors = (l: Labels) => dest(l) && /^5\d\d$/.test(l.response_code ?? "");
    const a0 = start - (end - start);
    const at = (match: (l: Labels) => boolean, t: number) => this.counters.totalAt(match, t);
    const totals = [at(dest, a0), at(dest, start), at(dest, end), at(errors, a0), at(errors, start), at(errors, end)];
    if (totals.some((v) => v === null)) return null;
    const [r0, r1, r2, e0, e1, e2] = totals as number[];
    return {
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      requests: r2! - r1!,
      errors5xx: e2! - e1!,
      baselineRequests: r1! - r0!,
      baselineErrors5xx: e1! - e0!,
    };
  }

  private clientsOf(pod: TrafficPod): Clients | undefined {
    return this.clients.get(`${pod.namespace}/${pod.workload.config.name}`);
  }

  private scheduleTick(tick: number): void {
    this.sim.clock.at(
      tick + TICK_OFFSET_MS,
      () => {
        for (const c of this.clients.values()) c.model.advance(tick);
        this.counters.publish(tick);
        this.scheduleTick(tick + TICK_MS);
      },
      true,
    );
  }
}

function appOf(c: ContainerConfig): { closesListener: boolean; drainsInFlight: boolean } {
  return { closesListener: c.closesListenerAtSigterm, drainsInFlight: c.drainsInFlight };
}

/** Istio's standard labels for a client-side (reporter="source") request series. */
function seriesLabels(w: WorkloadConfig, c: ClientsConfig): Labels {
  return {
    reporter: "source",
    source_workload: c.source,
    source_workload_namespace: w.namespace,
    destination_workload: w.name,
    destination_workload_namespace: w.namespace,
    destination_service_name: w.name,
    destination_service_namespace: w.namespace,
    request_protocol: "http",
  };
}

function outcomeLabels(base: Labels, o: Outcome): Labels {
  return { ...base, response_code: o.code, response_flags: o.flags };
}
