// The sandbox cluster: a local Kubernetes API server driven by a simulator of the kubelet and
// the Deployment/ReplicaSet/EndpointSlice controllers, playing a scenario on a virtual clock.
// `npm start` uses it when there is no cluster; live-ingest tests use it with its groundTruth().
import { VirtualClock } from "./clock.ts";
import type { GroundTruth } from "./ground-truth.ts";
import { startChurn, type Churn, type ChurnOptions } from "./load.ts";
import { loadScenario, parseScenario, type Scenario } from "./scenario.ts";
import { startApiServer } from "./server.ts";
import { Cluster } from "./sim/cluster.ts";
import { ObjectStore } from "./store.ts";
import { log } from "../log.ts";

export type { GroundTruth } from "./ground-truth.ts";
export type { Scenario } from "./scenario.ts";
export type { Churn, ChurnOptions, ChurnStats } from "./load.ts";
export { bulkScenario, emittedAt, EMITTED_ANNOTATION, preciseNow } from "./load.ts";
export { runSandboxCommand } from "./command.ts";

export interface SandboxOptions {
  /** Path to a scenario YAML file, or a built-in name ("demo"). */
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

export interface Sandbox {
  url: string;
  port: number;
  scenario: Scenario;
  /** A kubeconfig for this server (no credentials; plain HTTP on 127.0.0.1). */
  kubeconfigYaml(): string;
  /** Every termination the simulator started, with the cause and outcome it intended. */
  groundTruth(): GroundTruth[];
  /** The virtual clock, epoch ms: what object timestamps are written in. */
  now(): number;
  /**
   * Starts pod churn at a fixed wall-clock rate (load.ts): updates of running pods stamped with
   * their emission time, and graceful deletions. Stopped by its handle or by close().
   */
  churn(opts: ChurnOptions): Churn;
  /** Pods in the API (any phase). */
  podCount(): number;
  /** Resolves when a finite scenario has played out (never for `repeat: true`, until close). */
  done(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const scenario = opts.scenario.includes("\n") ? parseScenario(opts.scenario, "inline scenario") : await loadScenario(opts.scenario);
  const timeScale = opts.timeScale ?? scenario.timeScale;
  const clock = new VirtualClock(timeScale, Math.floor((opts.startTime ?? Date.now()) / 1000) * 1000);
  clock.onError = (e) => log.error({ err: e }, "sandbox simulator task failed");
  const store = new ObjectStore(opts.historyLimit ?? 1000);
  const cluster = new Cluster(scenario, store, clock, opts.seed ?? scenario.seed);
  cluster.setup();

  const server = await startApiServer(cluster, {
    port: opts.port ?? 0,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 5000,
    expiredWatch: opts.expiredWatch ?? "stream",
    onRequest: opts.onRequest,
  });
  cluster.scheduleActions();

  const churns = new Set<Churn>();
  let closed = false;
  let resolveClosed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (resolveClosed = r));
  const donePromise = Promise.race([scenario.repeat ? new Promise<void>(() => {}) : clock.idle(), closedPromise]);

  return {
    url: server.url,
    port: server.port,
    scenario,
    kubeconfigYaml: () => kubeconfig(server.url),
    groundTruth: () => cluster.truth.all(),
    now: () => clock.now(),
    churn: (o) => {
      if (closed) throw new Error("sandbox closed");
      const c = startChurn(cluster, store, o);
      churns.add(c);
      return {
        stats: () => c.stats(),
        stop: () => {
          c.stop();
          churns.delete(c);
        },
      };
    },
    podCount: () => cluster.livePods().length,
    done: () => donePromise,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of churns) c.stop();
      churns.clear();
      clock.stop();
      resolveClosed();
      await server.close();
    },
  };
}

export function kubeconfig(url: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: drainwatch-sandbox",
    "  cluster:",
    `    server: ${url}`,
    // client-node refuses plain http unless TLS verification is marked as skipped.
    "    insecure-skip-tls-verify: true",
    "contexts:",
    "- name: drainwatch-sandbox",
    "  context:",
    "    cluster: drainwatch-sandbox",
    "    user: drainwatch-sandbox",
    "    namespace: default",
    "current-context: drainwatch-sandbox",
    "users:",
    "- name: drainwatch-sandbox",
    "  user: {}",
    "",
  ].join("\n");
}
