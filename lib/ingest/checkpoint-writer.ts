// The live ingest's writer when checkpointing is on (issue 10 point 1): records and checkpoint
// markers flow through ONE ordered buffer, and a commit writes every record up to the newest
// marker together with that marker's state (tracker + stream positions) in one transaction
// (lib/store/checkpoint.ts). A marker is taken synchronously between two fact batches, after the
// records the tracker emitted before it were handed over, so a committed checkpoint never claims a
// position whose records are not committed with it, nor carries a record the state will emit again.
// Records after the newest marker wait for the next one (markers come every few seconds and at
// stop). Markers coalesce: a commit that waited (database slow or down) takes the newest.
//
// Nothing is dropped:
//   - the database fails: the commit is retried with backoff; records keep buffering;
//   - the buffer fills up before the database is back (`maxBuffer` records): the writer discards
//     what it holds and reports an overflow; live ingest then stops (no watch waits on the
//     database) and, once the database answers, restarts from the LAST COMMITTED checkpoint: its
//     watches replay every event since the checkpoint's resourceVersions through a restored
//     tracker, so the discarded records are produced again (a *rewind*, counted in
//     drainwatch_ingest_rewinds_total). Only if the API server's history no longer reaches back
//     is the unseen time recorded as a coverage gap, never silently missing;
//   - leadership is lost or the term superseded (the row holds a newer epoch): stop at once, write
//     nothing more; the successor resumes from the last committed checkpoint.
// drainwatch_records_dropped_total therefore stays 0 here: it counts records lost for good, which
// this writer never does.
import type { Logger } from "pino";
import { databaseMessage } from "../errors.ts";
import { log as rootLog } from "../log.ts";
import type { Metrics } from "../metrics/registry.ts";
import { backoffDelay, type BackoffOptions } from "../sources/live/backoff.ts";
import { SupersededError, type CheckpointState } from "../store/checkpoint.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { ACCEPTED, type RecordSink, type RecordVersion } from "./sink.ts";

/** Writes records and the checkpoint in one transaction (commitCheckpoint bound to a store and epoch). */
export type CommitCheckpoint = (state: CheckpointState, records: readonly TerminationRecord[]) => Promise<unknown>;

export interface CheckpointWriterOptions {
  commit: CommitCheckpoint;
  /** Records held at most before an overflow (default 20,000). */
  maxBuffer?: number;
  /** Retry backoff after a failed commit (default 0.5 s → 10 s). */
  backoff?: BackoffOptions;
  /** The term was superseded (SupersededError): stop this ingest, write nothing more. */
  onSuperseded?: (err: SupersededError) => void;
  /** The buffer overflowed: rewind to the last committed checkpoint. */
  onOverflow?: () => void;
  metrics?: Metrics;
  log?: Logger;
}

type Item = { kind: "records"; records: readonly TerminationRecord[] } | { kind: "marker"; state: CheckpointState };

export interface CheckpointWriterStats {
  /** Records buffered (not yet committed). */
  depth: number;
  commits: number;
  committedRecords: number;
  failures: number;
  /** How long the last commit took. */
  lastCommitMs: number;
}

export class CheckpointWriter implements RecordSink {
  private items: Item[] = [];
  private depth = 0;
  /** Index in `items` of the newest marker, -1 when none. */
  private lastMarker = -1;
  private state: "open" | "closed" | "stopped" = "open";
  private committing: Promise<void> | null = null;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly counts = { commits: 0, committedRecords: 0, failures: 0, lastCommitMs: 0 };
  /** Since when commits have been failing, and the last error (null while they succeed). */
  private failing: { since: number; error: string } | null = null;
  private readonly maxBuffer: number;
  private readonly backoff: BackoffOptions;
  private readonly log: Logger;

  constructor(private readonly o: CheckpointWriterOptions) {
    this.maxBuffer = Math.max(1, o.maxBuffer ?? 20_000);
    this.backoff = o.backoff ?? { initialMs: 500, maxMs: 10_000 };
    this.log = (o.log ?? rootLog).child({ component: "checkpoint-writer" });
  }

  stats(): CheckpointWriterStats {
    return { depth: this.depth, ...this.counts };
  }

  /** How long commits have been failing (null while they succeed or after it stopped), for readiness. */
  failingFor(now = Date.now()): { ms: number; error: string } | null {
    return this.failing && this.state !== "stopped" ? { ms: now - this.failing.since, error: this.failing.error } : null;
  }

  private setFailing(f: { since: number; error: string } | null): void {
    this.failing = f;
    if (this.o.metrics) this.o.metrics.writer.failingSince = f?.since ?? null;
  }

  /** True once it stopped for good (superseded, overflowed, aborted or closed). */
  get ended(): boolean {
    return this.state !== "open";
  }

  send(records: readonly TerminationRecord[], _version?: RecordVersion): Promise<void> {
    if (records.length === 0 || this.state !== "open") return ACCEPTED;
    this.items.push({ kind: "records", records });
    this.depth += records.length;
    this.o.metrics?.writeBufferDepth.set(this.depth);
    if (this.depth > this.maxBuffer) this.overflow();
    return ACCEPTED;
  }

  /** A checkpoint: commits every record sent before it, with `state`, in one transaction. */
  mark(state: CheckpointState): void {
    if (this.state !== "open") return;
    this.items.push({ kind: "marker", state });
    this.lastMarker = this.items.length - 1;
    this.pump();
  }

  /**
   * Commits up to the newest marker (the caller marks first) within `budgetMs`, then stops. True
   * when that commit made it; false leaves it to the next leader (nothing is lost: it resumes from
   * the last committed checkpoint).
   */
  async close(budgetMs: number): Promise<boolean> {
    if (this.state === "open") this.state = "closed";
    const deadline = Date.now() + budgetMs;
    while (this.lastMarker >= 0 && this.state === "closed" && Date.now() < deadline) {
      this.wakeRetry();
      if (!this.committing) this.pump(true);
      await this.idle(deadline - Date.now());
    }
    const ok = this.lastMarker < 0 && this.state === "closed";
    this.stop();
    return ok;
  }

  /** Stops at once: nothing more is committed (a commit already sent may still land: fenced). */
  abort(): void {
    this.stop();
  }

  private stop(): void {
    if (this.state !== "stopped") this.state = "stopped";
    this.setFailing(null);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.items = [];
    this.depth = 0;
    this.lastMarker = -1;
    this.o.metrics?.writeBufferDepth.set(0);
    this.wakeIdle();
  }

  private overflow(): void {
    this.log.warn({ depth: this.depth, maxBuffer: this.maxBuffer }, "write buffer full while the database fails: rewinding to the last committed checkpoint");
    this.o.metrics?.ingestRewinds.inc();
    this.stop();
    this.o.onOverflow?.();
  }

  private wakeRetry(): void {
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private pump(force = false): void {
    if (this.committing || this.lastMarker < 0 || this.state === "stopped") return;
    if (this.retryTimer && !force) return;
    this.committing = this.commitNext().finally(() => {
      this.committing = null;
      this.wakeIdle();
      if (this.lastMarker >= 0 && !this.retryTimer && this.state !== "stopped") this.pump();
    });
  }

  private async commitNext(): Promise<void> {
    const upto = this.lastMarker;
    const marker = this.items[upto];
    if (!marker || marker.kind !== "marker") return;
    const records: TerminationRecord[] = [];
    for (let i = 0; i < upto; i++) {
      const it = this.items[i]!;
      if (it.kind === "records") for (const r of it.records) records.push(r);
    }
    const started = Date.now();
    const t0 = performance.now();
    try {
      await this.o.commit(marker.state, records);
    } catch (err) {
      if (this.state === "stopped") return;
      if (err instanceof SupersededError) {
        this.log.error({ err: err.message }, "checkpoint refused: this term was superseded; writing stops");
        this.stop();
        this.o.onSuperseded?.(err);
        return;
      }
      this.counts.failures++;
      this.o.metrics?.writeFailures.inc();
      this.setFailing({ since: this.failing?.since ?? started, error: databaseMessage(err) });
      const delayMs = backoffDelay(this.attempt++, this.backoff);
      this.log.warn({ err: describe(err), depth: this.depth, attempt: this.attempt, delayMs }, "checkpoint commit failed: retrying");
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.pump();
      }, delayMs);
      return;
    }
    this.attempt = 0;
    if (this.failing) this.setFailing(null);
    this.counts.commits++;
    this.counts.committedRecords += records.length;
    this.counts.lastCommitMs = performance.now() - t0;
    if (this.state === "stopped") return;
    // Committed items are the head of the buffer: send() and mark() only append.
    this.items.splice(0, upto + 1);
    this.depth -= records.length;
    this.lastMarker = -1;
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (this.items[i]!.kind === "marker") {
        this.lastMarker = i;
        break;
      }
    }
    this.o.metrics?.writeBufferDepth.set(this.depth);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 200)));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(done);
    });
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
