// Live ingest as a service: leader-elected (only the Lease holder watches and writes), from a real
// cluster or the sandbox. It does not wait for the database: the writer buffers and retries until
// the store is open, so terminations that happen meanwhile are not missed.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Settings } from "../../env.ts";
import type { LeaderIngest } from "../../ingest/leader-ingest.ts";
import { log } from "../../log.ts";
import { getMetrics } from "../../metrics/registry.ts";
import { observeNewTerminations, observeTraffic } from "../../metrics/terminations.ts";
import type { Metrics } from "../../metrics/registry.ts";
import { claimCheckpoint, clearTrafficPending, commitCheckpoint, findTrafficPending, getStore, markTrafficPending, newestRecordTime } from "../../store/index.ts";
import type { CheckpointStore } from "../../ingest/leader-ingest.ts";
import type { Enricher } from "../../ingest/enrich.ts";
import type { TerminationRecord } from "../../tracker/record.ts";
import type { Tracker } from "../../tracker/tracker.ts";
import type { Service } from "../lifecycle.ts";

export interface IngestTarget {
  kubeConfig: KubeConfig;
  cluster: string;
  /** The clock object times are written in (the sandbox's virtual clock); default wall time. */
  clock?: () => number;
}

export interface IngestService extends Service {
  isLeader(): boolean;
  /** The running tracker while this replica leads (read-only use: the live feed). */
  tracker(): Tracker | null;
}

export function ingestService(settings: Settings, target: () => IngestTarget): IngestService {
  let ingest: LeaderIngest | null = null;
  return {
    name: "ingest",
    isLeader: () => ingest?.isLeader() ?? false,
    tracker: () => ingest?.current()?.tracker ?? null,
    async start() {
      const [{ startLeaderIngest }, { noteGap }] = await Promise.all([import("../../ingest/leader-ingest.ts"), import("../../ingest/coverage-gaps.ts")]);
      const { kubeConfig, cluster, clock } = target();
      const leaseMs = settings.leader.DRAINWATCH_LEASE_DURATION_SECONDS * 1000;
      const metrics = getMetrics();
      // getStore() answers "unavailable" until the store service has opened the database: a term
      // retries its claim, the writer its commits, so nothing that happens meanwhile is lost.
      const checkpoints: CheckpointStore = {
        claim: async (c) => claimCheckpoint(c, await getStore()),
        commit: async (c, epoch, state, records) => {
          const { inserted } = await commitCheckpoint(c, epoch, state, records, await getStore());
          // Only rows new to the database are counted: a replay after a resume counts nothing twice.
          observeNewTerminations(metrics, inserted);
          for (const r of inserted) metrics.terminationsRecorded.inc({ cause: r.cause, outcome: r.outcome });
          // The e2e tests read which process wrote which pod from this line.
          if (records.length > 0) log.debug({ count: records.length, epoch: epoch.toString(), podUids: records.map((r) => r.podUid) }, "records written");
        },
        newestRecordTime: async (c) => newestRecordTime(c, await getStore()),
        ping: async () => {
          try {
            return await (await getStore()).ping();
          } catch {
            return false;
          }
        },
      };
      ingest = startLeaderIngest({
        kubeConfig,
        cluster,
        metrics,
        ...(await trafficJoining(settings, cluster, metrics)),
        // Records and the checkpoint commit together; the watch never waits for the database
        // (a full buffer rewinds to the last committed checkpoint: lib/ingest/checkpoint-writer.ts).
        checkpointing: {
          store: checkpoints,
          intervalMs: settings.ingest.DRAINWATCH_CHECKPOINT_SECONDS * 1000,
          onGap: async (gap) => {
            await noteGap(gap, { metrics, store: await getStore() });
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
): Promise<{ enrichers?: Enricher[]; resume?: (signal: AbortSignal) => Promise<{ record: TerminationRecord; dueAt: number }[]> }> {
  const traffic = settings.traffic;
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
