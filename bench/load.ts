// Load for the sandbox (benchmarks, and a steady trickle of traffic for tests): a generated
// scenario with many running pods, and pod churn at a fixed wall-clock rate — updates of running
// pods, plus graceful API deletions that their ReplicaSets replace — through Sandbox.driver.
//
// Every churn update stamps the pod with its emission time (stamp.ts): a watcher that sees the pod
// at that very resourceVersion knows when the sandbox emitted the event; later events of the same
// pod still carry the old stamp but a newer version, so they are not mistaken for it.
import { stringify } from "yaml";
import type { Pod, SandboxDriver } from "../lib/sandbox/index.ts";
import { EMITTED_ANNOTATION, preciseNow, stamp } from "./stamp.ts";

export interface BulkScenarioOptions {
  /** Namespaces (workloads are spread over them). Default 10. */
  namespaces?: number;
  /** Deployments. Default 100. */
  workloads?: number;
  /** Replicas per Deployment. Default 100 (100 × 100 = 10,000 pods). */
  replicas?: number;
  /** Give every pod a classic istio-proxy sidecar (bigger objects, as in a mesh). Default true. */
  sidecar?: boolean;
  nodes?: number;
  terminationGracePeriodSeconds?: number;
  /** Seconds from SIGTERM to exit of the app container. Default 1. */
  drainSeconds?: number;
  timeScale?: number;
  seed?: number;
}

/** A scenario (YAML text, for startSandbox) with many running pods and no schedule. */
export function bulkScenario(o: BulkScenarioOptions = {}): string {
  const namespaces = Array.from({ length: o.namespaces ?? 10 }, (_, i) => `load-${i}`);
  const nodes = Array.from({ length: o.nodes ?? 50 }, (_, i) => `node-${i + 1}`);
  const workloads = Array.from({ length: o.workloads ?? 100 }, (_, i) => ({
    name: `svc-${i}`,
    namespace: namespaces[i % namespaces.length],
    replicas: o.replicas ?? 100,
    maxSurge: 1,
    maxUnavailable: 0,
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds ?? 30,
    containers: [{ name: "app", behaviour: "clean", drainSeconds: o.drainSeconds ?? 1 }],
    sidecars: (o.sidecar ?? true) ? [{ name: "istio-proxy", drainSeconds: 1 }] : [],
  }));
  return stringify({
    name: "bulk",
    description: "generated load scenario",
    timeScale: o.timeScale ?? 1,
    seed: o.seed ?? 7,
    namespaces,
    nodes,
    workloads,
    schedule: [],
  });
}

export interface ChurnOptions {
  /** Updates of running (not terminating) pods per wall second, round robin over the pods. */
  updatesPerSecond: number;
  /** Graceful API deletions of running pods per wall second (their ReplicaSet replaces them). */
  deletesPerSecond?: number;
  /** Grace of those deletions; default the pod's terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  /** Wall ms between bursts (default 10). */
  intervalMs?: number;
}

export interface ChurnStats {
  updates: number;
  deletes: number;
  /** Planned operations that found no eligible pod. */
  skipped: number;
}

export interface Churn {
  stop(): void;
  stats(): ChurnStats;
}

/**
 * Churn on wall-clock timers, outside the virtual clock's queue (so a finite scenario still ends:
 * done() waits for that queue only). Deletions go through the same API verb as `kubectl delete
 * pod`, so they are terminations with ground truth (cause `delete`).
 */
export function startChurn(sandbox: SandboxDriver, opts: ChurnOptions): Churn {
  const stats: ChurnStats = { updates: 0, deletes: 0, skipped: 0 };
  const started = performance.now();
  let pods = sandbox.livePods();
  let cursor = 0;
  let deleteCursor = 0;

  /** The next running, not terminating pod, round robin; refreshes the pod list once per lap. */
  const next = (): Readonly<Pod> | null => {
    for (let tries = 0; tries < 2 * pods.length + 2; tries++) {
      if (cursor >= pods.length) {
        pods = sandbox.livePods();
        cursor = 0;
        if (pods.length === 0) return null;
      }
      const h = pods[cursor++]!;
      if (h.gone) continue;
      const p = sandbox.pod(h.namespace, h.name);
      if (p && p.metadata.uid === h.uid && !p.metadata.deletionTimestamp && p.status.phase === "Running") return p;
    }
    return null;
  };

  // Planned operations done so far (skips included, so a pod shortage cannot stall the loops).
  let updatesDone = 0;
  let deletesDone = 0;

  const update = (): void => {
    updatesDone++;
    const p = next();
    if (!p) {
      stats.skipped++;
      return;
    }
    // One write = one new resourceVersion: the stamp names the version it is written at.
    const rv = sandbox.nextResourceVersion();
    sandbox.updatePod(p.metadata.namespace!, p.metadata.name, (x) => {
      x.metadata.annotations = { ...x.metadata.annotations, [EMITTED_ANNOTATION]: stamp(rv, preciseNow()) };
    });
    stats.updates++;
  };

  const remove = (): void => {
    deletesDone++;
    const live = sandbox.livePods();
    for (let tries = 0; tries < live.length; tries++) {
      // Half a lap ahead of the updates, so victims are spread over the workloads.
      const h = live[(deleteCursor++ + (live.length >> 1)) % live.length]!;
      const p = sandbox.pod(h.namespace, h.name);
      if (!p || p.metadata.uid !== h.uid || p.metadata.deletionTimestamp || p.status.phase !== "Running") continue;
      sandbox.deletePod(h.namespace, h.name, opts.gracePeriodSeconds);
      stats.deletes++;
      return;
    }
    stats.skipped++;
  };

  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const wantUpdates = Math.floor(elapsed * opts.updatesPerSecond);
    const wantDeletes = Math.floor(elapsed * (opts.deletesPerSecond ?? 0));
    // Bounded catch-up: a stalled process does not fire one huge burst afterwards.
    if (wantUpdates - updatesDone > 2 * opts.updatesPerSecond) updatesDone = wantUpdates - opts.updatesPerSecond;
    while (deletesDone < wantDeletes) remove();
    while (updatesDone < wantUpdates) update();
  }, opts.intervalMs ?? 10);

  return {
    stop: () => clearInterval(timer),
    stats: () => ({ ...stats }),
  };
}
