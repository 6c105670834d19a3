// What `serve` starts: live ingest only while this replica holds the ingester Lease.
//
// With a checkpoint store (serve), each term of leadership:
//   1. claims the checkpoint row (epoch = stored + 1: the fencing token every commit is checked
//      against) and reads the last committed checkpoint, retrying while the database is down;
//   2. restores the tracker from it and starts each stream WATCHING from its stored resourceVersion
//      (every event since is replayed; records are idempotent by pod UID); streams the checkpoint
//      does not cover list instead, and the unseen time is a gap: `no-checkpoint` from the newest
//      stored record when the cluster has records but no checkpoint (a fresh install: no gap),
//      `checkpoint-unreadable` when the stored state cannot be used; 410s on the way are reported
//      by the streams themselves (`history-expired`, `watch-expired`);
//   3. commits records + checkpoint every `intervalMs` through the CheckpointWriter.
// Leadership lost → the writer is aborted before anything else (not one more write); the next
// leader resumes from the last committed checkpoint, so the unwritten work is not lost. Superseded
// (another term claimed the row) → the same. Write buffer overflow (database down too long) →
// this ingest stops and, once the database answers, the term starts again from step 1 (a rewind).
// Shutdown → stop with a budget: the final checkpoint is committed, then the Lease is released.
//
// Without a checkpoint store (tests of the Lease alone) ingest runs as before: a fresh sink per
// term, stopped without a flush on leadership loss.
import type { Logger } from "pino";
import { startLeaderElection, type LeaderElectionOptions } from "../leader/lease.ts";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import type { StreamGap } from "../sources/live/informers.ts";
import { SupersededError, type CheckpointState, type Claim } from "../store/checkpoint.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { Tracker } from "../tracker/tracker.ts";
import { backoffDelay } from "../sources/live/backoff.ts";
import { CheckpointWriter } from "./checkpoint-writer.ts";
import { startLiveIngest, type LiveIngest, type LiveIngestOptions } from "./live.ts";
import type { RecordSink } from "./sink.ts";

/** A fresh sink for each term of leadership (the last one was closed when leadership ended). */
export type SinkFactory = (ctx: { metrics: Metrics; log: Logger }) => RecordSink;

/** A span this cluster's ingest did not watch (interfaces.md: lib/store/gaps.ts's CoverageGap). */
export interface CoverageGap {
  cluster: string;
  resource: string;
  from: Date;
  to: Date;
  reason: StreamGap["reason"];
}

/** The database side of checkpointing (lib/store/checkpoint.ts, bound to the process's store). */
export interface CheckpointStore {
  claim(cluster: string): Promise<Claim>;
  commit(cluster: string, epoch: bigint, state: CheckpointState, records: readonly TerminationRecord[]): Promise<void>;
  newestRecordTime(cluster: string): Promise<Date | null>;
  /** The database answers (a rewind waits for it). */
  ping(): Promise<boolean>;
}

export interface CheckpointingOptions {
  store: CheckpointStore;
  /** How often the leader commits (default 2 s). */
  intervalMs?: number;
  /** Records buffered at most before a rewind (default 20,000). */
  maxBuffer?: number;
  /** Stores a gap; retried with backoff while the term lasts. */
  onGap: (gap: CoverageGap) => Promise<void>;
}

export interface LeaderIngestOptions extends Omit<LiveIngestOptions, "source" | "sink" | "tracker" | "checkpoint"> {
  kubeConfig: NonNullable<LiveIngestOptions["kubeConfig"]>;
  /** Without checkpointing: the sink of each term (required then). With it: the checkpoint writer is the sink. */
  sink?: SinkFactory;
  checkpointing?: CheckpointingOptions;
  lease?: Omit<LeaderElectionOptions, "kubeConfig" | "onStartedLeading" | "onStoppedLeading" | "metrics" | "log">;
}

export interface LeaderIngest {
  isLeader(): boolean;
  /** For /readyz: once the first Lease attempt answered, a follower is ready (it serves the UI),
   * a leader once its streams synced. */
  ready(): boolean;
  /** The running ingest while leading, else null. */
  current(): LiveIngest | null;
  /** How long the current term's commits have been failing (null while they succeed), for /readyz. */
  writerFailingFor(): { ms: number; error: string } | null;
  stop(opts?: { flushTimeoutMs?: number }): Promise<void>;
}

export function startLeaderIngest(opts: LeaderIngestOptions): LeaderIngest {
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "leader-ingest" });
  let term: Term | null = null;
  let shuttingDown = false;
  let flushTimeoutMs = 10_000;

  const election = startLeaderElection({
    ...opts.lease,
    kubeConfig: opts.kubeConfig,
    metrics,
    log: opts.log,
    onStartedLeading: () => {
      log.info("leading: starting live ingest");
      term = new Term(opts, metrics, log);
      term.start();
    },
    onStoppedLeading: async () => {
      const running = term;
      term = null;
      if (!running) return;
      // Lost leadership: stop writing at once. Shutting down: flush within the budget.
      await running.stop(shuttingDown ? flushTimeoutMs : 0);
      // A replica that does not lead shows no watch activity (contract §6): the ingest alerts
      // must not take a standby's stale numbers for the leader's.
      metrics.watchEvents.reset();
      metrics.lastWatchEvent.set(0);
      metrics.informersSynced.set(0);
    },
  });

  return {
    isLeader: () => election.isLeader(),
    ready: () => election.decided() && (!election.isLeader() || (term?.current()?.synced() ?? false)),
    current: () => term?.current() ?? null,
    writerFailingFor: () => term?.writerFailingFor() ?? null,
    async stop(stopOpts = {}) {
      shuttingDown = true;
      flushTimeoutMs = stopOpts.flushTimeoutMs ?? 10_000;
      await election.stop({ release: true });
    },
  };
}

export interface IngestTerm {
  /** The running ingest (null while claiming, rewinding, or after stop). */
  current(): LiveIngest | null;
  /** How long the term's commits have been failing, null while they succeed. */
  writerFailingFor(): { ms: number; error: string } | null;
  /** Budget 0: at once, nothing more written (leadership lost); else the final checkpoint within it. */
  stop(budgetMs: number): Promise<void>;
}

/** One term of leadership as the Lease runs it (exported so that tests can run terms without one). */
export function startIngestTerm(opts: Omit<LeaderIngestOptions, "lease">, metrics: Metrics = opts.metrics ?? getMetrics()): IngestTerm {
  const term = new Term(opts, metrics, (opts.log ?? rootLog).child({ component: "leader-ingest" }));
  term.start();
  return term;
}

/** One term of leadership: ingest from the last checkpoint, again after each rewind. */
class Term implements IngestTerm {
  private ingest: LiveIngest | null = null;
  private writer: CheckpointWriter | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly opts: LeaderIngestOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  current(): LiveIngest | null {
    return this.ingest;
  }

  writerFailingFor(): { ms: number; error: string } | null {
    return this.writer?.failingFor() ?? null;
  }

  start(): void {
    const cp = this.opts.checkpointing;
    if (!cp) {
      if (!this.opts.sink) throw new Error("startLeaderIngest: a sink or checkpointing is required");
      this.ingest = startLiveIngest({ ...this.opts, metrics: this.metrics, sink: this.opts.sink({ metrics: this.metrics, log: this.opts.log ?? rootLog }) });
      return;
    }
    this.running = this.run(cp).catch((err: unknown) => this.log.error({ err }, "ingest term failed"));
  }

  async stop(budgetMs: number): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const ingest = this.ingest;
    this.ingest = null;
    await ingest?.stop({ flushTimeoutMs: budgetMs });
    await this.running;
  }

  private async run(cp: CheckpointingOptions): Promise<void> {
    const { cluster } = this.opts;
    for (let round = 0; !this.stopped; round++) {
      const claim = await this.retry("claiming the checkpoint", () => cp.store.claim(cluster));
      if (!claim || this.stopped) return;
      const start = await this.startFrom(cp, claim);
      if (!start || this.stopped) return;
      const outcome = await new Promise<"overflow" | "superseded" | "stopped">((resolve) => {
        this.wake = () => resolve("stopped");
        const writer = new CheckpointWriter({
          commit: (state, records) => cp.store.commit(cluster, claim.epoch, state, records),
          maxBuffer: cp.maxBuffer,
          onOverflow: () => resolve("overflow"),
          onSuperseded: () => resolve("superseded"),
          metrics: this.metrics,
          log: this.opts.log,
        });
        this.writer = writer;
        this.ingest = startLiveIngest({
          ...this.opts,
          metrics: this.metrics,
          sink: writer,
          tracker: start.tracker,
          checkpoint: { writer, intervalMs: cp.intervalMs ?? 2000, positions: start.positions },
          informers: {
            ...this.opts.informers,
            start: start.positions,
            ...(start.initialGap ? { initialGap: start.initialGap } : {}),
            onGap: (gap) => void this.storeGap(cp, gap),
          },
        });
        this.log.info({ epoch: claim.epoch.toString(), resumed: Object.keys(start.positions).length, round }, "ingest term started");
      });
      this.wake = null;
      if (outcome === "stopped") return;
      const ingest = this.ingest;
      this.ingest = null;
      await ingest?.stop({ flushTimeoutMs: 0 });
      if (outcome === "superseded") {
        this.log.error("another replica claimed the checkpoint: this replica stops ingesting until its next term");
        return;
      }
      // Overflow: the database is failing. Resume from the last committed checkpoint once it answers.
      await this.retry("waiting for the database before rewinding", async () => {
        if (!(await cp.store.ping())) throw new Error("database unavailable");
      });
    }
  }

  private async startFrom(
    cp: CheckpointingOptions,
    claim: Claim,
  ): Promise<{ tracker: Tracker; positions: Record<string, { resourceVersion: string; observedAt: number }>; initialGap?: { from: number; reason: "no-checkpoint" | "checkpoint-unreadable" } } | null> {
    const { cluster } = this.opts;
    const fresh = (): Tracker => new Tracker({ cluster, settleMs: this.opts.settleMs, apiOrder: true });
    const c = claim.checkpoint;
    if (c.kind === "ok") {
      try {
        const tracker = Tracker.restore(c.state.tracker, { cluster, settleMs: this.opts.settleMs, apiOrder: true });
        // Streams the checkpoint does not cover (a list that never completed) list now.
        return { tracker, positions: c.state.positions, initialGap: { from: c.writtenAt.getTime(), reason: "no-checkpoint" } };
      } catch (err) {
        this.log.error({ err }, "the stored checkpoint cannot be restored: starting over with a list (coverage gap recorded)");
        return { tracker: fresh(), positions: {}, initialGap: { from: c.writtenAt.getTime(), reason: "checkpoint-unreadable" } };
      }
    }
    if (c.kind === "unreadable") {
      this.log.error({ reason: c.reason }, "the stored checkpoint is unreadable: starting over with a list (coverage gap recorded)");
      const newest = await this.retry("reading the newest record", () => cp.store.newestRecordTime(cluster));
      const from = c.writtenAt?.getTime() ?? newest?.getTime() ?? null;
      return { tracker: fresh(), positions: {}, ...(from === null ? {} : { initialGap: { from, reason: "checkpoint-unreadable" as const } }) };
    }
    // No checkpoint: a fresh install (no records) has nothing to miss; otherwise since the newest record.
    const newest = await this.retry("reading the newest record", () => cp.store.newestRecordTime(cluster));
    if (this.stopped) return null;
    return { tracker: fresh(), positions: {}, ...(newest ? { initialGap: { from: newest.getTime(), reason: "no-checkpoint" as const } } : {}) };
  }

  private async storeGap(cp: CheckpointingOptions, g: StreamGap): Promise<void> {
    const gap: CoverageGap = { cluster: this.opts.cluster, resource: g.resource, from: new Date(g.from), to: new Date(g.to), reason: g.reason };
    await this.retry("storing a coverage gap", () => cp.onGap(gap), true);
  }

  /** Retries `fn` with backoff until it succeeds or the term stops (then null). */
  private async retry<T>(what: string, fn: () => Promise<T>, evenIfStopped = false): Promise<T | null> {
    for (let attempt = 0; evenIfStopped || !this.stopped; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof SupersededError) throw err;
        const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 });
        this.log.warn({ err: err instanceof Error ? err.message : String(err), attempt, delayMs }, `${what} failed: retrying`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delayMs);
          t.unref();
        });
        if (evenIfStopped && attempt >= 20) return null;
      }
    }
    return null;
  }
}
