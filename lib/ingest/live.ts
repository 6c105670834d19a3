// Live ingest: informers → tracker (ticked every second so records settle without new facts) →
// enrich stage → sink (the store sink, overflow "drop": the watch never waits for the database),
// through the same runIngest pipeline that replays captures.
//
// Shutdown never finalizes in-flight terminations (finalizeAll would record pods that are still
// draining as if they had ended). It stops the informers, writes what is final or already deleted
// (a deleted pod only waits out its settle window, and no restart would ever see it again), and
// leaves the rest: after a restart the informers' initial list shows those pods with their
// deletionTimestamp, and the tracker picks them up from their current state.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import { startInformers, type InformerOptions, type LiveSource } from "../sources/live/informers.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { Tracker } from "../tracker/tracker.ts";
import { enrichStage, resumeEnrichment, type Enricher } from "./enrich.ts";
import { runIngest, type IngestSummary } from "./pipeline.ts";
import type { RecordSink } from "./sink.ts";

export interface LiveIngestOptions {
  cluster: string;
  /**
   * Where records go; live ingest closes it on stop(). Its send() must not wait (a StoreSink with
   * overflow "drop"): the watch is never blocked by the database.
   */
  sink: RecordSink;
  /** Stages that add to finished records (the traffic joiner); records are sent before them. */
  enrichers?: readonly Enricher[];
  /** Stored records whose enrichment an earlier leader left pending, resumed at start. */
  resume?: (signal: AbortSignal) => Promise<readonly { record: TerminationRecord; dueAt: number }[]>;
  /** Start informers on this cluster… */
  kubeConfig?: KubeConfig;
  namespaces?: readonly string[];
  /** …or read facts from an already started source (tests, sandbox). */
  source?: LiveSource;
  /** Informer tuning (silence timeout, backoff, clock). */
  informers?: Omit<InformerOptions, "kubeConfig" | "namespaces" | "metrics" | "log">;
  settleMs?: number;
  /** Tracker tick period (default 1000 ms). */
  tickMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

export interface LiveIngest {
  /** True once every informer completed its initial list (/readyz also wants the database). */
  synced(): boolean;
  waitForSync(timeoutMs: number): Promise<boolean>;
  /**
   * Stops the informers and closes the sink (flushing finalized records) within `flushTimeoutMs`
   * (default 10 s). In-flight terminations are NOT finalized (see the module comment); pending
   * enrichment is abandoned (the records were already sent).
   */
  stop(opts?: { flushTimeoutMs?: number }): Promise<void>;
  readonly metrics: Metrics;
  readonly tracker: Tracker;
  /** Settles when the fact stream ends (after stop()); rejects only on a pipeline bug. */
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
  const tracker = new Tracker({ cluster: opts.cluster, settleMs: opts.settleMs });
  // Retry times (e.g. a traffic window's end + scrape delay) are on the records' clock too.
  const sink = enrichStage({ downstream: opts.sink, enrichers: opts.enrichers ?? [], log: opts.log, now: clock });
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

  let problems = 0;
  const done = runIngest(source, {
    tracker,
    sink,
    finalizeAtEnd: false,
    maxProblems: 100,
    onProblem: (p) => {
      // Rate-limited: a bad object kind could otherwise log on every event.
      if (++problems <= 20 || problems % 1000 === 0) log.warn({ position: p.position, reason: p.reason, problems }, "fact skipped by the tracker");
    },
  });
  done.catch((err: unknown) => log.error({ err }, "live ingest pipeline failed"));

  // Records settle by time, not only by new facts: a quiet cluster must still finalize them.
  const tick = (): void => {
    try {
      hand(tracker.tick(clock()));
      metrics.trackerPodsTracking.set(tracker.stats().tracking);
    } catch (err) {
      log.error({ err }, "tracker tick failed");
    }
  };
  const ticker = setInterval(tick, opts.tickMs ?? 1000);
  ticker.unref();

  let stopping: Promise<void> | null = null;
  return {
    synced: () => source.synced(),
    waitForSync: (ms) => source.waitForSync(ms),
    metrics,
    tracker,
    done,
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        clearInterval(ticker);
        resuming.abort();
        await source.stop();
        await done.catch(() => undefined); // drains queued facts, hands their records over
        tick(); // what is due by now is final
        hand(tracker.finalizeDeleted()); // deleted pods would never be seen again
        const ok = await sink.close(stopOpts.flushTimeoutMs ?? 10_000);
        log.info({ tracking: tracker.stats().tracking, flushed: ok }, "live ingest stopped; in-flight pods resume after restart");
      })();
      return stopping;
    },
  };
}
