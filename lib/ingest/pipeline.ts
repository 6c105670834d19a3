// The one ingest pipeline behind capture replay, live informers and the sandbox:
// source items -> tracker -> finalized records -> sink, plus a summary. It neither batches nor
// buffers: records leave as the tracker emits them, and the sink (the store writer) batches.
// It owns no I/O itself: the source reads, the sink writes.
import type { Fact } from "../tracker/fact.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import type { SourceItem } from "../sources/item.ts";
import type { RecordSink } from "./sink.ts";

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

export interface IngestOptions {
  tracker: TrackerLike;
  /**
   * Receives finalized records as the tracker emits them (those of one source chunk together),
   * in finalization order. Awaited: a sink that resolves later slows reading (backpressure). The
   * pipeline does not close it.
   */
  sink?: RecordSink;
  /** Called for every problem (e.g. to print it); exceptions from it are ignored. */
  onProblem?: (p: Problem) => void;
  /** How many problems the summary keeps (default 1000). */
  maxProblems?: number;
  /** Finalize everything still open when the source ends (replay: true; default true). */
  finalizeAtEnd?: boolean;
  /** Stop reading early (live shutdown). Records already finalized have been sent. */
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

  // Records finalized while handling the current chunk; sent before the next chunk is read.
  let out: TerminationRecord[] = [];

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

  const take = (records: TerminationRecord[]): void => {
    if (records.length === 0) return;
    for (const r of records) out.push(r);
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

  const send = async (): Promise<void> => {
    const records = out;
    out = [];
    if (sink) await sink.send(records);
  };

  for await (const x of iterate(source)) {
    if (Array.isArray(x)) {
      for (const item of x as readonly SourceItem[]) handle(item);
    } else {
      handle(x as SourceItem);
    }
    if (out.length > 0) await send();
    if (opts.signal?.aborted) break;
  }
  if (opts.finalizeAtEnd ?? true) take(tracker.finalizeAll());
  if (out.length > 0) await send();
  summary.durationMs = performance.now() - started;
  return summary;
}
