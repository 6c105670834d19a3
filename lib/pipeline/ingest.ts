// The one ingest pipeline behind capture replay, live informers and the sandbox:
// source items -> tracker -> finalized records -> sink (batched, async), plus a summary.
// It owns no I/O itself: the source reads, the sink writes.
import type { Fact } from "../tracker/fact.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import type { SourceItem } from "../sources/item.ts";

/** The part of the Tracker the pipeline needs (lib/tracker/tracker.ts implements it). */
export interface TrackerLike {
  ingest(fact: Fact): { records: TerminationRecord[]; problem: string | null };
  finalizeAll(): TerminationRecord[];
}

export interface Problem {
  position: string;
  reason: string;
}

export interface IngestSummary {
  /** Watch events fed to the tracker (not counting ERROR events or unreadable input). */
  events: number;
  /** Records finalized and handed to the sink. */
  records: number;
  /** Problems kept for the summary (the first `maxProblems`); see problemCount for the total. */
  problems: Problem[];
  problemCount: number;
  /** ERROR watch events: counted, not fed to the tracker. */
  errors: number;
  /** Everything not turned into tracker state: ERROR events + problems (reader and tracker). */
  skipped: number;
  durationMs: number;
}

export type RecordSink = (records: TerminationRecord[]) => Promise<void> | void;

export interface IngestOptions {
  tracker: TrackerLike;
  /** Receives finalized records in batches, in finalization order. At most one call in flight. */
  sink?: RecordSink;
  /** Records per sink call (default 500). */
  batchSize?: number;
  /** Live sources: flush a partial batch after this long without filling it (default 1000 ms). */
  maxBatchDelayMs?: number;
  /** Called for every problem (e.g. to print it); exceptions from it are ignored. */
  onProblem?: (p: Problem) => void;
  /** How many problems the summary keeps (default 1000). */
  maxProblems?: number;
  /** Finalize everything still open when the source ends (replay: true; default true). */
  finalizeAtEnd?: boolean;
  /** Stop reading early (live shutdown). Already finalized records are still flushed. */
  signal?: AbortSignal;
}

/** Anything that yields source items, one by one or in arrays (CaptureReader.batches()). */
export type SourceLike = AsyncIterable<SourceItem | readonly SourceItem[]>;

/** Prefer a source's batched form when it has one (much less per-item overhead). */
function iterate(source: SourceLike | { batches(): AsyncIterable<SourceItem[]> }): SourceLike {
  const b = (source as { batches?: unknown }).batches;
  if (typeof b === "function") return (b as () => AsyncIterable<SourceItem[]>).call(source);
  return source as SourceLike;
}

export async function runIngest(
  source: SourceLike | { batches(): AsyncIterable<SourceItem[]> },
  opts: IngestOptions,
): Promise<IngestSummary> {
  const started = performance.now();
  const { tracker, sink } = opts;
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const maxDelay = opts.maxBatchDelayMs ?? 1000;
  const maxProblems = opts.maxProblems ?? 1000;
  const summary: IngestSummary = {
    events: 0,
    records: 0,
    problems: [],
    problemCount: 0,
    errors: 0,
    skipped: 0,
    durationMs: 0,
  };

  let buffer: TerminationRecord[] = [];
  let bufferedSince = 0;
  // Sink calls run one after another on a chain; reading continues while one is in flight.
  let chain: Promise<void> = Promise.resolve();
  let sinkError: unknown = null;

  const problem = (position: string, reason: string): void => {
    summary.problemCount++;
    summary.skipped++;
    const p = { position, reason };
    if (summary.problems.length < maxProblems) summary.problems.push(p);
    if (opts.onProblem) {
      try {
        opts.onProblem(p);
      } catch {
        // a reporting failure must not stop ingest
      }
    }
  };

  /** Queues one batch for the sink; returns the promise of the batch queued before it. */
  const enqueue = (): Promise<void> => {
    const batch = buffer.length <= batchSize ? buffer : buffer.slice(0, batchSize);
    buffer = buffer.length <= batchSize ? [] : buffer.slice(batchSize);
    if (buffer.length > 0) bufferedSince = Date.now();
    const prev = chain;
    if (sink) {
      chain = prev
        .then(() => (sinkError ? undefined : sink(batch)))
        .catch((e: unknown) => {
          sinkError ??= e;
        });
    }
    return prev;
  };

  const take = (records: TerminationRecord[]): void => {
    if (records.length === 0) return;
    if (buffer.length === 0) bufferedSince = Date.now();
    for (const r of records) buffer.push(r);
    summary.records += records.length;
  };

  const handle = (item: SourceItem): void => {
    if (item.kind === "problem") {
      problem(item.position, item.reason);
      return;
    }
    const fact = item.fact;
    if (fact.type === "ERROR") {
      summary.errors++;
      summary.skipped++;
      return;
    }
    summary.events++;
    const res = tracker.ingest(fact);
    if (res.problem !== null) problem(item.position, res.problem);
    if (res.records.length > 0) take(res.records);
  };

  // Live sources may go quiet with a partial batch buffered: flush it on a timer.
  const timer =
    sink && maxDelay > 0
      ? setInterval(() => {
          if (buffer.length > 0 && Date.now() - bufferedSince >= maxDelay) void enqueue();
        }, Math.max(50, Math.min(maxDelay, 1000)))
      : null;
  timer?.unref();

  try {
    for await (const x of iterate(source)) {
      if (Array.isArray(x)) {
        for (const item of x as readonly SourceItem[]) handle(item);
      } else {
        handle(x as SourceItem);
      }
      while (buffer.length >= batchSize) await enqueue(); // backpressure: one batch in flight
      if (sinkError) throw sinkError;
      if (opts.signal?.aborted) break;
    }
    if (opts.finalizeAtEnd ?? true) take(tracker.finalizeAll());
    while (buffer.length > 0) void enqueue();
    await chain;
    if (sinkError) throw sinkError;
  } finally {
    if (timer) clearInterval(timer);
  }
  summary.durationMs = performance.now() - started;
  return summary;
}
