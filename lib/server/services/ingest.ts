// Live ingest as a service: leader-elected (only the Lease holder watches and writes), from a real
// cluster or the sandbox. Records and the ingest checkpoint are committed together
// (lib/ingest/checkpoint-writer.ts); the watch never waits for the database: the writer buffers
// and retries until the store is open, and a full buffer rewinds to the last committed checkpoint,
// so terminations that happen meanwhile are not missed.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Settings } from "../../env.ts";
import type { CheckpointStore, LeaderIngest } from "../../ingest/leader-ingest.ts";
import { log } from "../../log.ts";
import { getMetrics } from "../../metrics/registry.ts";
import { observeNewTerminations, observeQuarantined, observeTraffic } from "../../metrics/terminations.ts";
import type { Metrics } from "../../metrics/registry.ts";
import {
  claimCheckpoint,
  clearTrafficPending,
  commitCheckpoint,
  findTrafficPending,
  getStore,
  markTrafficPending,
  newestRecordTime,
  recordTerminations,
  type RecordResult,
} from "../../store/index.ts";
import type { Enricher } from "../../ingest/enrich.ts";
import type { TerminationRecord } from "../../tracker/record.ts";
import type { Tracker } from "../../tracker/tracker.ts";
import type { Service } from "../lifecycle.ts";

export interface IngestTarget {
  kubeConfig: KubeConfig;
  cluster: string;
  /** The clock object times are written in (the sandbox's virtual clock); default wall time. */
  clock?: () => number;
  /** The metrics source when PROMETHEUS_URL is unset (the sandbox's own query API). */
  prometheusUrl?: string;
}

export interface IngestService extends Service {
  isLeader(): boolean;
  /** The running tracker while this replica leads (read-only use: the live feed). */
  tracker(): Tracker | null;
}

/**
 * What the live writer does with a batch: store it (getStore() answers "unavailable" until the
 * store service has opened the database: the sink keeps the records and retries, so nothing that
 * happens meanwhile is lost), count the new records and those that entered quarantine.
 */
export function storeWriter(metrics: Metrics): (records: TerminationRecord[]) => Promise<RecordResult> {
  return async (records) => {
    const result = await recordTerminations(await getStore(), records);
    const { inserted, quarantined } = result;
    observeNewTerminations(metrics, inserted);
    observeQuarantined(metrics, quarantined);
    for (const q of quarantined) {
      log.error({ cluster: q.record.cluster, namespace: q.record.namespace, pod: q.record.pod, podUid: q.record.podUid, sqlState: q.sqlState, error: q.error }, "record rejected by the database: quarantined");
    }
    const rejected = new Set(quarantined.map((q) => q.record.podUid));
    const stored = records.filter((r) => !rejected.has(r.podUid));
    log.debug({ count: stored.length, podUids: stored.map((r) => r.podUid) }, "records written");
    return result;
  };
}

/** What a commit stored: count the new records and those that entered quarantine, log who wrote what. */
function observeCommit(metrics: Metrics, records: readonly TerminationRecord[], result: RecordResult): void {
  const { inserted, quarantined } = result;
  observeNewTerminations(metrics, inserted);
  for (const r of inserted) metrics.terminationsRecorded.inc({ cause: r.cause, outcome: r.outcome });
  observeQuarantined(metrics, quarantined);
  for (const q of quarantined) {
    log.error({ cluster: q.record.cluster, namespace: q.record.namespace, pod: q.record.pod, podUid: q.record.podUid, sqlState: q.sqlState, error: q.error }, "record rejected by the database: quarantined");
  }
  const rejected = new Set(quarantined.map((q) => q.record.podUid));
  const stored = records.filter((r) => !rejected.has(r.podUid));
  // The e2e tests read which process wrote which pod from this line.
  if (stored.length > 0) log.debug({ count: stored.length, podUids: stored.map((r) => r.podUid) }, "records written");
}

/** The database side of checkpointing, on the process-wide store (retried by the caller while it is not open). */
function checkpointStore(metrics: Metrics): CheckpointStore {
  return {
    claim: async (c) => claimCheckpoint(c, await getStore()),
    commit: async (c, epoch, state, records) => observeCommit(metrics, records, await commitCheckpoint(c, epoch, state, records, await getStore())),
    newestRecordTime: async (c) => newestRecordTime(c, await getStore()),
    ping: async () => {
      try {
        return await (await getStore()).ping();
      } catch {
        return false;
      }
    },
  };
}

export function ingestService(settings: Settings, target: () => IngestTarget): IngestService {
  let ingest: LeaderIngest | null = null;
  const unreadyAfterMs = settings.ingest.DRAINWATCH_WRITER_UNREADY_SECONDS * 1000;
  return {
    name: "ingest",
    isLeader: () => ingest?.isLeader() ?? false,
    tracker: () => ingest?.current()?.tracker ?? null,
    async start() {
      const [{ startLeaderIngest }, { noteGap }] = await Promise.all([import("../../ingest/leader-ingest.ts"), import("../../ingest/coverage-gaps.ts")]);
      const { kubeConfig, cluster, clock, prometheusUrl } = target();
      const leaseMs = settings.leader.DRAINWATCH_LEASE_DURATION_SECONDS * 1000;
      const metrics = getMetrics();
      ingest = startLeaderIngest({
        kubeConfig,
        cluster,
        metrics,
        ...(await trafficJoining(settings, cluster, metrics, { prometheusUrl, clock })),
        // Records and the checkpoint commit together; the watch never waits for the database
        // (a full buffer rewinds to the last committed checkpoint: lib/ingest/checkpoint-writer.ts).
        checkpointing: {
          store: checkpointStore(metrics),
          intervalMs: settings.ingest.DRAINWATCH_CHECKPOINT_SECONDS * 1000,
          onGap: async (gap) => {
            await noteGap(gap, metrics, await getStore());
          },
        },
        settleMs: settings.ingest.DRAINWATCH_SETTLE_SECONDS * 1000,
        namespaces: settings.ingest.DRAINWATCH_NAMESPACES,
        informers: {
          silenceTimeoutMs: settings.ingest.DRAINWATCH_WATCH_SILENCE_SECONDS * 1000,
          ...(clock ? { clock } : {}),
        },
        lease: {
          namespace: settings.leader.POD_NAMESPACE,
          // Defaults (12 s lease): renew every 4 s, step down after 8 s without renewal, retry every 1.6 s.
          leaseDurationMs: leaseMs,
          renewIntervalMs: Math.round(leaseMs / 3),
          renewDeadlineMs: Math.round((leaseMs * 2) / 3),
          retryIntervalMs: Math.round(Math.min(2_000, leaseMs / 7.5)),
        },
      });
      log.info({ cluster, namespaces: settings.ingest.DRAINWATCH_NAMESPACES.length > 0 ? settings.ingest.DRAINWATCH_NAMESPACES : "all" }, "live ingest started (campaigning for the Lease)");
    },
    notReady() {
      // A follower serves the UI; a leader once every informer completed its initial list.
      if (!ingest) return "ingest starting";
      // Records are piling up uncommitted (a full buffer rewinds to the last checkpoint).
      const failing = ingest.writerFailingFor();
      if (failing && failing.ms > unreadyAfterMs) return `writing records has failed for ${Math.round(failing.ms / 1000)} s: ${failing.error}`;
      return ingest.ready() ? null : "informers not synced";
    },
    async stop(budgetMs, hurry) {
      // Flushes finished records through the store (which stops after this), then releases the Lease.
      await ingest?.stop({ flushTimeoutMs: hurry.aborted ? 0 : Math.min(budgetMs, settings.server.DRAINWATCH_SHUTDOWN_FLUSH_SECONDS * 1000) });
    },
  };
}

/**
 * With PROMETHEUS_URL: the traffic joiner as an enricher, its pending records marked in the
 * database and resumed by the next leader (after a restart too). Without: nothing to join.
 */
async function trafficJoining(
  settings: Settings,
  cluster: string,
  metrics: Metrics,
  from: { prometheusUrl?: string; clock?: () => number },
): Promise<{ enrichers?: Enricher[]; resume?: (signal: AbortSignal) => Promise<{ record: TerminationRecord; dueAt: number }[]> }> {
  const traffic = { ...settings.traffic, PROMETHEUS_URL: settings.traffic.PROMETHEUS_URL ?? from.prometheusUrl };
  if (traffic.PROMETHEUS_URL === undefined) return {};
  const [{ trafficEnricher }, { prometheusFromSettings }, { toTrafficConfig }] = await Promise.all([
    import("../../traffic/enricher.ts"),
    import("../../traffic/prometheus.ts"),
    import("../../traffic/settings.ts"),
  ]);
  const enricher = trafficEnricher({
    config: toTrafficConfig(traffic),
    client: prometheusFromSettings(traffic)!,
    pending: { mark: (marks) => markTrafficPending(marks), clear: (keys) => clearTrafficPending(keys) },
    onFilled: (record) => observeTraffic(metrics, record),
    // Windows are in the records' clock (the sandbox's virtual time): so is "is it answerable yet".
    ...(from.clock ? { now: from.clock } : {}),
  });
  return {
    enrichers: [enricher],
    // The store may not be open yet when this replica starts leading: keep asking until it is.
    resume: async (signal) => {
      for (let delayMs = 1_000; ; delayMs = Math.min(delayMs * 2, 30_000)) {
        try {
          return (await findTrafficPending(cluster)).map((p) => ({ record: p.record, dueAt: p.nextAttemptAt.getTime() }));
        } catch (err) {
          if (signal.aborted) throw err;
          await sleep(delayMs, undefined, { signal });
        }
      }
    },
  };
}
