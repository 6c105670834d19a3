// The store sink: the one place records are batched on their way to the database. Records are
// appended to a bounded in-memory buffer and written in batches by one pump: a batch is written
// once it is full, or once its oldest record has waited `lingerMs` (one statement per batch costs
// far less than one per record), at once when flushing. A failed write keeps
// the batch at the head of the buffer and retries with backoff, so a database outage loses nothing
// as long as the buffer holds. Writes must be idempotent (recordTerminations upserts by pod UID):
// a batch whose commit was not acknowledged is written again.
//
// What happens when the buffer is full is the caller's policy:
//   "drop" (live ingest): send() never waits, so the watch is never blocked; what does not fit is
//          dropped, counted and logged.
//   "wait" (replay): send() resolves once everything fit, so reading slows to the database's pace
//          and nothing is dropped.
import type { Logger } from "pino";
import { z } from "zod";
import { databaseMessage } from "../errors.ts";
import { log as rootLog } from "../log.ts";
import type { Metrics } from "../metrics/registry.ts";
import { backoffDelay, type BackoffOptions } from "../sources/live/backoff.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { ACCEPTED, type RecordSink, type RecordVersion } from "./sink.ts";

/** Writes a batch; may say which records it put in quarantine instead (not counted as recorded). */
export type WriteBatch = (records: TerminationRecord[]) => Promise<unknown>;

export type OverflowPolicy = "drop" | "wait";

export interface StoreSinkOptions {
  write: WriteBatch;
  overflow: OverflowPolicy;
  /** Records held at most (default 10,000). */
  maxBuffer?: number;
  /** Records per write (default 500). */
  batchSize?: number;
  /** How long a partial batch waits for more records before it is written (default 200 ms). */
  lingerMs?: number;
  /** Retry backoff after a failed write (default 0.5 s → 30 s). */
  backoff?: BackoffOptions;
  /**
   * Consecutive failed writes after which the sink gives up (default: never). Then the buffer is
   * dropped (counted), pending and later send() calls reject with the last error, close() is false.
   */
  maxAttempts?: number;
  /** Self-metrics (buffer depth, drops, failures, records written); none when absent (replay). */
  metrics?: Metrics;
  log?: Logger;
}

export interface WriterStats {
  depth: number;
  written: number;
  dropped: number;
  failures: number;
}

export class StoreSink implements RecordSink {
  private buffer: TerminationRecord[] = [];
  /** Records in the buffer that are new versions of records already counted as recorded. */
  private readonly updates = new WeakSet<TerminationRecord>();
  private pumping: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the oldest buffered record arrived (at most: an earlier time only makes it write sooner). */
  private headSince = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** flush()/close() running: partial batches are written at once. */
  private flushing = false;
  private wakeRetry: (() => void) | null = null;
  /** "wait" policy: senders waiting for room, woken whenever the buffer shrinks or the sink ends. */
  private roomWaiters: (() => void)[] = [];
  /** "wait" policy: sends run one after another, so records enter the buffer in send order. */
  private sendChain: Promise<void> = ACCEPTED;
  private attempt = 0;
  private closed = false;
  private failed: { error: unknown } | null = null;
  /** Since when writes have been failing (the first failure after the last success), and why. */
  private failing: { since: number; error: string } | null = null;
  private readonly counts = { written: 0, dropped: 0, failures: 0 };
  private readonly write: WriteBatch;
  private readonly overflow: OverflowPolicy;
  private readonly maxBuffer: number;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly metrics: Metrics | undefined;
  private readonly log: Logger;

  constructor(opts: StoreSinkOptions) {
    this.write = opts.write;
    this.overflow = opts.overflow;
    this.maxBuffer = Math.max(1, opts.maxBuffer ?? 10_000);
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    this.lingerMs = Math.max(0, opts.lingerMs ?? 200);
    this.backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? Number.POSITIVE_INFINITY);
    this.metrics = opts.metrics;
    this.log = (opts.log ?? rootLog).child({ component: "writer" });
  }

  /** Why the sink gave up (maxAttempts failed writes in a row), else null. */
  get error(): unknown {
    return this.failed ? this.failed.error : null;
  }

  /** How long writes have been failing (null while they succeed), for readiness. */
  failingFor(now = Date.now()): { ms: number; error: string } | null {
    return this.failing && { ms: now - this.failing.since, error: this.failing.error };
  }

  private setFailing(f: { since: number; error: string } | null): void {
    this.failing = f;
    if (this.metrics) this.metrics.writer.failingSince = f?.since ?? null;
  }

  stats(): WriterStats {
    return { depth: this.buffer.length, ...this.counts };
  }

  send(records: readonly TerminationRecord[], version: RecordVersion = "first"): Promise<void> {
    if (records.length === 0) return ACCEPTED;
    if (this.failed) return Promise.reject(this.failed.error);
    if (version === "update") for (const r of records) this.updates.add(r);
    if (this.overflow === "drop" || this.closed) {
      this.accept(records, 0);
      return ACCEPTED;
    }
    const sent = this.sendChain.then(() => this.acceptWaiting(records));
    this.sendChain = sent.catch(() => undefined);
    return sent;
  }

  /** Appends what fits of records[from..] and drops (counting) the rest; returns how many fit. */
  private accept(records: readonly TerminationRecord[], from: number): number {
    const room = this.closed ? 0 : this.maxBuffer - this.buffer.length;
    const end = Math.min(records.length, from + Math.max(0, room));
    if (this.buffer.length === 0 && end > from) this.headSince = Date.now();
    for (let i = from; i < end; i++) this.buffer.push(records[i]!);
    if (this.overflow === "drop" || this.closed) {
      const dropped = records.length - end;
      if (dropped > 0) {
        this.counts.dropped += dropped;
        this.metrics?.recordsDropped.inc(dropped);
        this.log.error(
          { dropped, maxBuffer: this.maxBuffer, pods: records.slice(end, end + 5).map((r) => `${r.namespace}/${r.pod}`) },
          this.closed ? "records arrived after the writer closed: dropped" : "write buffer full: records dropped",
        );
      }
    }
    this.metrics?.writeBufferDepth.set(this.buffer.length);
    this.pump();
    return end - from;
  }

  private async acceptWaiting(records: readonly TerminationRecord[]): Promise<void> {
    let from = 0;
    for (;;) {
      if (this.failed) throw this.failed.error;
      from += this.accept(records, from); // once closed, accept() drops the rest
      if (from >= records.length || this.closed) return;
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  private wakeSenders(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Writes what is buffered, retrying at once (no backoff wait), until the buffer is empty or
   * `timeoutMs` passes (Infinity: until it is empty or the sink gave up). True when all written.
   */
  flush(timeoutMs: number): Promise<boolean> {
    return this.flushUntil(Date.now() + timeoutMs);
  }

  private async flushUntil(deadline: number): Promise<boolean> {
    const left = (): number => deadline - Date.now();
    this.flushing = true;
    try {
      return await this.flushLoop(deadline, left);
    } finally {
      this.flushing = false;
    }
  }

  private async flushLoop(deadline: number, left: () => number): Promise<boolean> {
    while (this.buffer.length > 0 && !this.failed && left() > 0) {
      this.wakeRetry?.(); // skip the backoff wait: shutdown has a budget, not a schedule
      this.pump();
      const current = this.pumping;
      if (!current) break;
      await within(current, left());
      if (this.buffer.length > 0 && left() > 0) await within(null, Math.min(200, left()));
    }
    return this.buffer.length === 0;
  }

  /**
   * Flushes (within `budgetMs`), then refuses further records. What could not be written is
   * counted as dropped and logged: those terminations are lost.
   */
  async close(budgetMs: number): Promise<boolean> {
    const deadline = Date.now() + budgetMs;
    // Waiting senders go first: their records were sent before close, so they are part of the flush.
    if (this.overflow === "wait") await within(this.sendChain, deadline - Date.now());
    const ok = await this.flushUntil(deadline);
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.wakeRetry?.();
    this.wakeSenders();
    if (!ok) this.dropBuffer("database unavailable at shutdown: unwritten records dropped");
    return ok && !this.failed;
  }

  private dropBuffer(message: string): void {
    const lost = this.buffer.length;
    if (lost === 0) return;
    this.counts.dropped += lost;
    this.metrics?.recordsDropped.inc(lost);
    this.log.error({ lost }, message);
    this.buffer = [];
    this.metrics?.writeBufferDepth.set(0);
    this.setFailing(null); // nothing left to write
  }

  /** A batch is ready: full (or the buffer is), lingered long enough, or a flush is running. */
  private ready(): boolean {
    return this.flushing || this.buffer.length >= Math.min(this.batchSize, this.maxBuffer) || Date.now() - this.headSince >= this.lingerMs;
  }

  private pump(): void {
    if (this.pumping || this.buffer.length === 0 || this.closed) return;
    if (!this.ready()) {
      this.lingerTimer ??= setTimeout(
        () => {
          this.lingerTimer = null;
          this.pump();
        },
        Math.max(1, this.headSince + this.lingerMs - Date.now()),
      );
      return;
    }
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.pumping = this.run().finally(() => {
      this.pumping = null;
      // Records added while the last write was settling.
      if (!this.closed && this.buffer.length > 0) this.pump();
    });
  }

  private async run(): Promise<void> {
    // A failed batch is retried whatever its size; a new batch waits until it is ready.
    let retrying = false;
    while (this.buffer.length > 0 && !this.closed && !this.failed && (retrying || this.ready())) {
      const batch = this.buffer.slice(0, this.batchSize);
      const startedAt = Date.now();
      const olderLeft = this.buffer.length > batch.length; // records that stay buffered after this batch
      let written: unknown;
      try {
        written = await this.write(batch);
      } catch (err) {
        this.counts.failures++;
        this.metrics?.writeFailures.inc();
        this.setFailing({ since: this.failing?.since ?? startedAt, error: databaseMessage(err) });
        if (this.attempt + 1 >= this.maxAttempts) {
          this.failed = { error: err };
          this.log.error({ err: describe(err), attempts: this.attempt + 1 }, "writing records failed: giving up");
          this.dropBuffer("writer gave up: unwritten records dropped");
          this.wakeSenders();
          return;
        }
        const delayMs = backoffDelay(this.attempt++, this.backoff);
        this.log.warn({ err: describe(err), depth: this.buffer.length, attempt: this.attempt, delayMs }, "writing records failed: retrying");
        await this.wait(delayMs);
        retrying = true;
        continue;
      }
      retrying = false;
      this.attempt = 0;
      if (this.failing) this.setFailing(null);
      // The batch is the head of the buffer: send() only appends. What is left arrived during
      // the write, unless some was there before (then headSince stays: it is older).
      this.buffer.splice(0, batch.length);
      if (!olderLeft) this.headSince = startedAt;
      this.counts.written += batch.length;
      this.metrics?.writeBufferDepth.set(this.buffer.length);
      if (this.metrics) {
        const quarantined = new Set(quarantinedOf(written));
        for (const r of batch) {
          if (!this.updates.has(r) && !quarantined.has(r.podUid)) this.metrics.terminationsRecorded.inc({ cause: r.cause, outcome: r.outcome });
        }
      }
      this.wakeSenders();
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = () => {
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.wakeRetry = null;
        resolve();
      };
      this.retryTimer = setTimeout(() => this.wakeRetry?.(), ms);
    });
  }
}

/** Pod UIDs a write reports as quarantined (`{quarantined: [{record}]}`, what recordTerminations returns). */
function quarantinedOf(result: unknown): string[] {
  const parsed = quarantinedResult.safeParse(result);
  return parsed.success ? parsed.data.quarantined.map((q) => q.record.podUid) : [];
}
const quarantinedResult = z.object({ quarantined: z.array(z.object({ record: z.object({ podUid: z.string() }) })) });

/** Waits for `p` (or just the time, when null) at most `ms` (Infinity: no limit); leaves no timer behind. */
async function within(p: Promise<unknown> | null, ms: number): Promise<void> {
  if (p && !Number.isFinite(ms)) {
    await p;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  try {
    await (p ? Promise.race([p, elapsed]) : elapsed);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
