// startSandbox: a scenario, an object store, the simulated cluster and its API server on one
// virtual clock. `driver` is the seam for load generators outside lib/ (bench/load.ts).
import { log } from "../log.ts";
import { serveGroundTruth } from "./api/ground-truth.ts";
import { servePrometheus } from "./api/prometheus.ts";
import { startApiServer } from "./api/server.ts";
import { VirtualClock } from "./clock.ts";
import type { DrainTruth, GroundTruth } from "./ground-truth.ts";
import { kubeconfig } from "./kubeconfig.ts";
import { loadScenario, parseScenario, type Scenario } from "./scenario.ts";
import { Cluster } from "./sim/cluster.ts";
import { ObjectStore } from "./store.ts";
import type { Pod } from "./types.ts";

export interface SandboxOptions {
  /** Path to a scenario YAML file, a built-in name ("demo"), or YAML text (contains a newline). */
  scenario: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Wall seconds per virtual second; default: the scenario's timeScale. */
  timeScale?: number;
  /** Seed for names, UIDs and choices; default: the scenario's seed. */
  seed?: number;
  /** Watch events kept per resource for resuming watches; older versions get 410 Gone. */
  historyLimit?: number;
  /** Wall milliseconds between BOOKMARK events (for watches with allowWatchBookmarks). */
  bookmarkIntervalMs?: number;
  /** How a watch from an expired resourceVersion fails: in-stream ERROR (default) or HTTP 410. */
  expiredWatch?: "stream" | "http";
  /** Virtual epoch ms at start; default: now. */
  startTime?: number;
  /** Every API request, for debugging clients. */
  onRequest?: (method: string, url: string, accept: string) => void;
}

/** A pod the simulator runs; `gone` turns true once its object is deleted from the API. */
export interface LivePod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly gone: boolean;
}

/**
 * Direct access to the simulated cluster for load generators (benchmarks, test heartbeats),
 * bypassing HTTP. Writes go through the object store, so watchers see them as API traffic.
 */
export interface SandboxDriver {
  /** Pods the simulator runs (not yet deleted from the API), in creation order. */
  livePods(): readonly LivePod[];
  /** The stored pod (live and read-only: change it only through updatePod). */
  pod(namespace: string, name: string): Readonly<Pod> | undefined;
  /** The resourceVersion the next write will get (one write, one version). */
  nextResourceVersion(): number;
  /** Writes a change to a pod: one MODIFIED event. */
  updatePod(namespace: string, name: string, change: (pod: Pod) => void): void;
  /** The API's pod delete (grace 0: force), a termination with ground truth like `kubectl delete pod`. */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): void;
}

export interface Sandbox {
  url: string;
  port: number;
  scenario: Scenario;
  /** A kubeconfig for this server (no credentials; plain HTTP on 127.0.0.1). */
  kubeconfigYaml(): string;
  /**
   * Every termination the simulator started, with the cause and outcome it intended, and what its
   * simulated clients saw in the termination window with this traffic tail (default 10 s).
   */
  groundTruth(tailSeconds?: number): GroundTruth[];
  /** Every node drain the scenario ran: evictions, the 429s a PodDisruptionBudget answered, the end. */
  drains(): DrainTruth[];
  /** The built-in Prometheus query API over the simulated clients' counters (a PROMETHEUS_URL). */
  prometheusUrl: string;
  /** The virtual clock, epoch ms: what object timestamps are written in. */
  now(): number;
  /** Pods in the API (any phase). */
  podCount(): number;
  driver: SandboxDriver;
  /** Resolves when a finite scenario has played out (never for `repeat: true`, until close). */
  done(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const scenario = opts.scenario.includes("\n") ? parseScenario(opts.scenario, "inline scenario") : await loadScenario(opts.scenario);
  const timeScale = opts.timeScale ?? scenario.timeScale;
  // Without a start time, virtual time is wall time (at timeScale 1 they run in step, so a real
  // Prometheus scraping the sandbox stores samples at the times the records speak of).
  const clock = new VirtualClock(timeScale, opts.startTime !== undefined ? Math.floor(opts.startTime / 1000) * 1000 : Date.now());
  clock.onError = (e) => log.error({ err: e }, "sandbox simulator task failed");
  const store = new ObjectStore(opts.historyLimit ?? 1000);
  // Set up at the first whole second (at most a second ahead): with the scenario's times, what the
  // simulator plays (and so the clients' counts) is the same on every run, however long setup took.
  let cluster!: Cluster;
  clock.runAt(Math.ceil(clock.start / 1000) * 1000, () => {
    cluster = new Cluster(scenario, store, clock, opts.seed ?? scenario.seed);
    cluster.setup();
  });
  const groundTruth = (tailSeconds = 10): GroundTruth[] =>
    cluster.truth.all().map((t) => ({
      ...t,
      traffic: cluster.traffic.windowTraffic({ uid: t.podUid, namespace: t.namespace, workload: t.workload.name }, tailSeconds),
    }));

  const server = await startApiServer(
    { store, now: () => clock.now(), deletePod: (ns, name, grace) => cluster.deletePod(ns, name, grace),
      deleteWorkload: (kind, ns, name) => cluster.deleteWorkload(kind, ns, name),
      evictPod: (ns, name, grace) => cluster.evictPod(ns, name, grace) },
    {
      port: opts.port ?? 0,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 5000,
      expiredWatch: opts.expiredWatch ?? "stream",
      onRequest: opts.onRequest,
      routes: async (r) =>
        serveGroundTruth(r, groundTruth, (ns, wl, start, end) => cluster.traffic.countOver(ns, wl, start, end)) ||
        (await servePrometheus(r, cluster.traffic.counters, () => clock.now())),
    },
  );
  cluster.scheduleActions();

  let closed = false;
  let resolveClosed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (resolveClosed = r));
  const donePromise = Promise.race([scenario.repeat ? new Promise<void>(() => {}) : clock.idle(), closedPromise]);

  return {
    url: server.url,
    port: server.port,
    scenario,
    kubeconfigYaml: () => kubeconfig(server.url),
    groundTruth,
    drains: () => cluster.truth.drains(),
    prometheusUrl: `${server.url}/prometheus`,
    now: () => clock.now(),
    podCount: () => cluster.livePods().length,
    driver: {
      livePods: () => cluster.livePods(),
      pod: (namespace, name) => store.peek<Pod>("pods", namespace, name),
      nextResourceVersion: () => store.resourceVersion + 1,
      updatePod: (namespace, name, change) => void store.mutate<Pod>("pods", namespace, name, change),
      deletePod: (namespace, name, grace) => void cluster.deletePod(namespace, name, grace),
    },
    done: () => donePromise,
    close: async () => {
      if (closed) return;
      closed = true;
      clock.stop();
      resolveClosed();
      await server.close();
    },
  };
}
