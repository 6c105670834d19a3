// What `serve` starts: live ingest only while this replica holds the ingester Lease.
// Leadership lost → ingest stops at once without flushing (the new leader owns writing from
// now on; records are idempotent upserts, and one writer keeps them from racing). Shutdown → ingest stops
// with a flush, then the lease is released so a follower takes over at its next retry.
import type { Logger } from "pino";
import { startLeaderElection, type LeaderElectionOptions } from "../leader/lease.ts";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import { startLiveIngest, type LiveIngest, type LiveIngestOptions } from "./live.ts";
import type { RecordSink } from "./sink.ts";

/** A fresh sink for each term of leadership (the last one was closed when leadership ended). */
export type SinkFactory = (ctx: { metrics: Metrics; log: Logger }) => RecordSink;

export interface LeaderIngestOptions extends Omit<LiveIngestOptions, "source" | "sink"> {
  kubeConfig: NonNullable<LiveIngestOptions["kubeConfig"]>;
  sink: SinkFactory;
  lease?: Omit<LeaderElectionOptions, "kubeConfig" | "onStartedLeading" | "onStoppedLeading" | "metrics" | "log">;
}

export interface LeaderIngest {
  isLeader(): boolean;
  /** For /readyz: once the first Lease attempt answered, a follower is ready (it serves the UI),
   * a leader once its informers synced. */
  ready(): boolean;
  /** The running ingest while leading, else null. */
  current(): LiveIngest | null;
  stop(opts?: { flushTimeoutMs?: number }): Promise<void>;
}

export function startLeaderIngest(opts: LeaderIngestOptions): LeaderIngest {
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "leader-ingest" });
  let ingest: LiveIngest | null = null;
  let shuttingDown = false;
  let flushTimeoutMs = 10_000;

  const election = startLeaderElection({
    ...opts.lease,
    kubeConfig: opts.kubeConfig,
    metrics,
    log: opts.log,
    onStartedLeading: () => {
      log.info("leading: starting live ingest");
      ingest = startLiveIngest({ ...opts, metrics, sink: opts.sink({ metrics, log: opts.log ?? rootLog }) });
    },
    onStoppedLeading: async () => {
      const running = ingest;
      ingest = null;
      if (!running) return;
      // Lost leadership: stop writing at once. Shutting down: flush within the budget.
      await running.stop({ flushTimeoutMs: shuttingDown ? flushTimeoutMs : 0 });
      // A replica that does not lead shows no watch activity (contract §6): the ingest alerts
      // must not take a standby's stale numbers for the leader's.
      metrics.watchEvents.reset();
      metrics.lastWatchEvent.set(0);
      metrics.informersSynced.set(0);
    },
  });

  return {
    isLeader: () => election.isLeader(),
    ready: () => election.decided() && (!election.isLeader() || (ingest?.synced() ?? false)),
    current: () => ingest,
    async stop(stopOpts = {}) {
      shuttingDown = true;
      flushTimeoutMs = stopOpts.flushTimeoutMs ?? 10_000;
      await election.stop({ release: true });
    },
  };
}
