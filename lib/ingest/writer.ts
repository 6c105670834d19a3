// The buffered writer between the tracker and the store. Records are appended to a bounded
// in-memory buffer and written in batches by one pump; a failed write keeps the batch at the head
// of the buffer and retries with backoff, so a database outage loses nothing as long as the
// buffer holds. Records that arrive while it is full are dropped and counted. Writes must be
// idempotent (recordTerminations upserts by pod UID): a batch whose commit was not acknowledged
// is written again.
import type { Logger } from "pino";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import { backoffDelay, type BackoffOptions } from "../sources/live/backoff.ts";
import type { TerminationRecord } from "../tracker/record.ts";

export type WriteBatch = (records: TerminationRecord[]) => Promise<unknown>;

export interface WriterOptions {
  write: WriteBatch;
  /** Records held at most (default 10,000). */
  maxBuffer?: number;
  /** Records per write (default 500). */
  batchSize?: number;
  /** Retry backoff after a failed write (default 0.5 s → 30 s). */
  backoff?: BackoffOptions;
  metrics?: Metrics;
  log?: Logger;
}

export interface WriterStats {
  depth: number;
  written: number;
  dropped: number;
  failures: number;
}

export class BufferedWriter {
  private buffer: TerminationRecord[] = [];
  private pumping: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  private attempt = 0;
  private closed = false;
  private readonly counts = { written: 0, dropped: 0, failures: 0 };
  private readonly write: WriteBatch;
  private readonly maxBuffer: number;
  private readonly batchSize: number;
  private readonly backoff: BackoffOptions;
  private readonly metrics: Metrics;
  private readonly log: Logger;

  constructor(opts: WriterOptions) {
    this.write = opts.write;
    this.maxBuffer = Math.max(1, opts.maxBuffer ?? 10_000);
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    this.backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.metrics = opts.metrics ?? getMetrics();
    this.log = (opts.log ?? rootLog).child({ component: "writer" });
  }

  stats(): WriterStats {
    return { depth: this.buffer.length, ...this.counts };
  }

  /** Queues records for writing; never throws, never waits. */
  add(records: readonly TerminationRecord[]): void {
    if (records.length === 0) return;
    const room = this.closed ? 0 : this.maxBuffer - this.buffer.length;
    const kept = room >= records.length ? records : records.slice(0, Math.max(0, room));
    for (const r of kept) this.buffer.push(r);
    const dropped = records.length - kept.length;
    if (dropped > 0) {
      this.counts.dropped += dropped;
      this.metrics.recordsDropped.inc(dropped);
      this.log.error(
        { dropped, maxBuffer: this.maxBuffer, pods: records.slice(kept.length, kept.length + 5).map((r) => `${r.namespace}/${r.pod}`) },
        this.closed ? "records arrived after the writer closed: dropped" : "write buffer full: records dropped",
      );
    }
    this.metrics.writeBufferDepth.set(this.buffer.length);
    this.pump();
  }

  /**
   * Writes what is buffered, retrying at once (no backoff wait), until the buffer is empty or
   * `timeoutMs` passes. Resolves true when everything was written.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) {
      this.wakeRetry?.(); // skip the backoff wait: shutdown has a budget, not a schedule
      this.pump();
      const current = this.pumping;
      if (!current) break;
      await Promise.race([current, sleep(Math.max(0, deadline - Date.now()))]);
      if (this.buffer.length > 0 && Date.now() < deadline) await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
    return this.buffer.length === 0;
  }

  /**
   * Flushes (within `timeoutMs`), then refuses further records. What could not be written is
   * counted as dropped and logged: those terminations are lost.
   */
  async close(timeoutMs: number): Promise<boolean> {
    const ok = await this.flush(timeoutMs);
    this.closed = true;
    this.wakeRetry?.();
    if (!ok) {
      const lost = this.buffer.length;
      this.counts.dropped += lost;
      this.metrics.recordsDropped.inc(lost);
      this.log.error({ lost }, "database unavailable at shutdown: unwritten records dropped");
      this.buffer = [];
      this.metrics.writeBufferDepth.set(0);
    }
    return ok;
  }

  private pump(): void {
    if (this.pumping || this.buffer.length === 0) return;
    this.pumping = this.run().finally(() => {
      this.pumping = null;
      // Records added while the last write was settling.
      if (!this.closed && this.buffer.length > 0) this.pump();
    });
  }

  private async run(): Promise<void> {
    while (this.buffer.length > 0 && !this.closed) {
      const batch = this.buffer.slice(0, this.batchSize);
      try {
        await this.write(batch);
      } catch (err) {
        this.counts.failures++;
        this.metrics.writeFailures.inc();
        const delayMs = backoffDelay(this.attempt++, this.backoff);
        this.log.warn({ err: describe(err), depth: this.buffer.length, attempt: this.attempt, delayMs }, "writing records failed: retrying");
        await this.wait(delayMs);
        continue;
      }
      this.attempt = 0;
      // The batch is the head of the buffer: add() only appends.
      this.buffer.splice(0, batch.length);
      this.counts.written += batch.length;
      this.metrics.writeBufferDepth.set(this.buffer.length);
      for (const r of batch) this.metrics.terminationsRecorded.inc({ cause: r.cause, outcome: r.outcome });
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
