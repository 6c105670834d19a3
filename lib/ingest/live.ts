// Live ingest: list/watch loops → tracker (ticked every second so records settle without new
// facts) → enrich stage → sink. Its own small loop rather than runIngest, because checkpoints
// need to know exactly which facts the tracker has taken: each fact batch is fed to the tracker
// and its records handed to the sink with no await in between, and each fact carries its stream's
// position once processed. A checkpoint marker (tracker.checkpoint() + those positions) taken
// between batches therefore describes precisely the records handed over before it.
//
// Two modes:
//   - with `checkpoint` (serve, leader-elected): every `intervalMs` and at stop, a marker goes to
//     the checkpoint writer (the sink), which commits it with the records before it. Stop with a
//     budget finalizes nothing early: pods in their settle window and pods still draining are in
//     the checkpoint, and the next leader continues them from the stored positions. Stop without
//     a budget (leadership lost) aborts the writer first: nothing more is written.
//   - without (capture-free tests, benches): as before, stop writes what is final or deleted (a
//     deleted pod only waits out its settle window; no restart would see it again) and leaves pods
//     still draining to the next start's list.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import type { SourceItem } from "../sources/item.ts";
import { startInformers, type InformerOptions, type LiveSource } from "../sources/live/informers.ts";
import type { Positions } from "../store/checkpoint.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { Tracker } from "../tracker/tracker.ts";
import type { CheckpointWriter } from "./checkpoint-writer.ts";
import { enrichStage, resumeEnrichment, type Enricher } from "./enrich.ts";
import type { IngestSummary, Problem } from "./pipeline.ts";
import type { RecordSink } from "./sink.ts";

export interface LiveIngestOptions {
  cluster: string;
  /**
   * Where records go; live ingest closes it on stop(). Its send() must not wait: the watch is
   * never blocked by the database (a CheckpointWriter, or a StoreSink with overflow "drop").
   */
  sink: RecordSink;
  /** Stages that add to finished records (the traffic joiner); records are sent before them. */
  enrichers?: readonly Enricher[];
  /** Stored records whose enrichment an earlier leader left pending, resumed at start. */
  resume?: (signal: AbortSignal) => Promise<readonly { record: TerminationRecord; dueAt: number }[]>;
  /** Start list/watch loops on this cluster… */
  kubeConfig?: KubeConfig;
  namespaces?: readonly string[];
  /** …or read facts from an already started source (tests, sandbox). */
  source?: LiveSource;
  /** Loop tuning (silence timeout, backoff, clock) and where each stream starts. */
  informers?: Omit<InformerOptions, "kubeConfig" | "namespaces" | "metrics" | "log">;
  /** A tracker restored from a checkpoint (default: a new one). */
  tracker?: Tracker;
  /** Checkpointing: markers go to `writer` (which must also be `sink`) every `intervalMs`. */
  checkpoint?: { writer: CheckpointWriter; intervalMs: number; positions?: Positions };
  settleMs?: number;
  /** Tracker tick period (default 1000 ms). */
  tickMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

export interface LiveIngest {
  /** True once every stream completed its initial list or resumed watch (/readyz also wants the database). */
  synced(): boolean;
  waitForSync(timeoutMs: number): Promise<boolean>;
  /**
   * Stops the loops and closes the sink within `flushTimeoutMs` (default 10 s); 0 = at once,
   * writing nothing more (leadership lost). See the module comment for what is finalized.
   */
  stop(opts?: { flushTimeoutMs?: number }): Promise<void>;
  /** The positions reached so far (what the next marker carries). */
  positions(): Positions;
  readonly metrics: Metrics;
  readonly tracker: Tracker;
  /** Settles when the fact stream ends (after stop()); rejects only on a bug. */
  readonly done: Promise<IngestSummary>;
}

export function startLiveIngest(opts: LiveIngestOptions): LiveIngest {
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "ingest" });
  let source: LiveSource;
  if (opts.source) source = opts.source;
  else if (opts.kubeConfig) {
    source = startInformers({ ...opts.informers, kubeConfig: opts.kubeConfig, namespaces: opts.namespaces, metrics, log: opts.log });
  } else {
    throw new Error("startLiveIngest: either kubeConfig or source is required");
  }

  // Ticks use the clock that stamps the facts, so the tracker sees one timeline.
  const clock = opts.informers?.clock ?? Date.now;
  const tracker = opts.tracker ?? new Tracker({ cluster: opts.cluster, settleMs: opts.settleMs, apiOrder: true });
  // Retry times (e.g. a traffic window's end + scrape delay) are on the records' clock too.
  const sink = enrichStage({ downstream: opts.sink, enrichers: opts.enrichers ?? [], log: opts.log, now: clock });
  const checkpoint = opts.checkpoint;
  // Positions reached by facts the tracker has taken (a stream absent here keeps its stored one).
  const positions: Positions = { ...(checkpoint?.positions ?? opts.informers?.start ?? {}) };
  const resuming = new AbortController();
  opts
    .resume?.(resuming.signal)
    .then((pending) => {
      if (pending.length > 0) log.info({ records: pending.length }, "resuming enrichment left pending");
      resumeEnrichment(sink, pending);
    })
    .catch((err: unknown) => log.warn({ err }, "loading pending enrichment failed; those records stay unenriched until the next start"));
  const hand = (records: TerminationRecord[]): void => {
    if (records.length === 0) return;
    sink.send(records).catch((err: unknown) => log.error({ err }, "handing records to the sink failed"));
  };
  const mark = (): void => {
    if (!checkpoint) return;
    try {
      checkpoint.writer.mark({ tracker: tracker.checkpoint(), positions: { ...positions } });
    } catch (err) {
      log.error({ err }, "taking a checkpoint failed");
    }
  };

  const summary: IngestSummary = { events: 0, records: 0, problems: [], problemCount: 0, errors: 0, skipped: 0, durationMs: 0 };
  const problem = (p: Problem): void => {
    summary.problemCount++;
    summary.skipped++;
    if (summary.problems.length < 100) summary.problems.push(p);
    // Rate-limited: a bad object kind could otherwise log on every event.
    if (summary.problemCount <= 20 || summary.problemCount % 1000 === 0) log.warn({ ...p, problems: summary.problemCount }, "fact skipped by the tracker");
  };
  const handle = (item: SourceItem, out: TerminationRecord[]): void => {
    if (item.kind === "problem") return problem(item);
    if (item.fact.type === "ERROR") {
      summary.errors++;
      summary.skipped++;
    } else {
      summary.events++;
      const res = tracker.ingest(item.fact);
      if (res.problem !== null) problem({ position: item.position, reason: res.problem });
      for (const r of res.records) out.push(r);
    }
    if (item.relisted) {
      const { namespace, uids, at } = item.relisted;
      for (const r of tracker.relisted(namespace, uids, at)) out.push(r);
    }
    if (item.resume) positions[item.resume.stream] = { resourceVersion: item.resume.resourceVersion, observedAt: item.fact.at ?? clock() };
  };

  // A resume's backlog is dated by the objects (`at: null`) on the tracker's restored clock: no
  // tick may move that clock to "now" before the whole backlog is in. It is released into the
  // queue at once and a batch is processed with no timer in between, so the first batch taken
  // after the release holds all of it; once nothing is held and the queue is empty, it is in.
  let replaying = source.replaying();
  const started = performance.now();
  const done = (async (): Promise<IngestSummary> => {
    for await (const batch of source.batches()) {
      // Taken after the release: this batch holds the whole backlog (see the tick).
      const backlogIn = replaying && !source.replaying();
      const out: TerminationRecord[] = [];
      for (const item of batch) handle(item, out);
      if (backlogIn) replaying = false;
      // No await between the tracker taking these facts and their records reaching the sink.
      summary.records += out.length;
      hand(out);
    }
    summary.durationMs = performance.now() - started;
    return summary;
  })();
  done.catch((err: unknown) => log.error({ err }, "live ingest loop failed"));

  // Records settle by time, not only by new facts: a quiet cluster must still finalize them.
  const tick = (): void => {
    if (replaying) {
      if (source.replaying() || source.queueDepth > 0) return;
      replaying = false;
    }
    try {
      const records = tracker.tick(clock());
      summary.records += records.length;
      hand(records);
      metrics.trackerPodsTracking.set(tracker.stats().tracking);
    } catch (err) {
      log.error({ err }, "tracker tick failed");
    }
  };
  const ticker = setInterval(tick, opts.tickMs ?? 1000);
  ticker.unref();
  const marker = checkpoint ? setInterval(mark, checkpoint.intervalMs) : null;
  marker?.unref();

  let stopping: Promise<void> | null = null;
  return {
    synced: () => source.synced(),
    waitForSync: (ms) => source.waitForSync(ms),
    positions: () => ({ ...positions }),
    metrics,
    tracker,
    done,
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        const budget = stopOpts.flushTimeoutMs ?? 10_000;
        clearInterval(ticker);
        if (marker) clearInterval(marker);
        resuming.abort();
        // Leadership lost: not one more write, before anything else can happen.
        if (checkpoint && budget <= 0) checkpoint.writer.abort();
        await source.stop();
        await done.catch(() => undefined); // takes the queued facts, hands their records over
        if (checkpoint) {
          if (budget > 0) {
            tick(); // what is due by now is final
            mark(); // everything else is in the checkpoint, for the next leader
          }
        } else {
          tick();
          hand(tracker.finalizeDeleted()); // deleted pods would never be seen again
        }
        const ok = await sink.close(budget);
        log.info({ tracking: tracker.stats().tracking, flushed: ok }, "live ingest stopped; in-flight pods resume after restart");
      })();
      return stopping;
    },
  };
}
