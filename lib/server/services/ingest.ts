// Live ingest as a service: leader-elected (only the Lease holder watches and writes), from a real
// cluster or the sandbox. It does not wait for the database: the writer buffers and retries until
// the store is open, so terminations that happen meanwhile are not missed.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Settings } from "../../env.ts";
import type { LeaderIngest } from "../../ingest/leader-ingest.ts";
import { log } from "../../log.ts";
import { getMetrics } from "../../metrics/registry.ts";
import { observeNewTerminations } from "../../metrics/terminations.ts";
import { getStore, recordTerminations } from "../../store/index.ts";
import type { TerminationRecord } from "../../tracker/record.ts";
import type { Service } from "../lifecycle.ts";

export interface IngestTarget {
  kubeConfig: KubeConfig;
  cluster: string;
  /** The clock object times are written in (the sandbox's virtual clock); default wall time. */
  clock?: () => number;
}

export interface IngestService extends Service {
  isLeader(): boolean;
}

export function ingestService(settings: Settings, target: () => IngestTarget): IngestService {
  let ingest: LeaderIngest | null = null;
  return {
    name: "ingest",
    isLeader: () => ingest?.isLeader() ?? false,
    async start() {
      const [{ startLeaderIngest }, { StoreSink }] = await Promise.all([import("../../ingest/leader-ingest.ts"), import("../../ingest/store-sink.ts")]);
      const { kubeConfig, cluster, clock } = target();
      const leaseMs = settings.leader.DRAINWATCH_LEASE_DURATION_SECONDS * 1000;
      const metrics = getMetrics();
      // getStore() answers "unavailable" until the store service has opened the database: the
      // sink keeps the records and retries, so nothing that happens meanwhile is lost.
      const write = async (records: TerminationRecord[]): Promise<void> => {
        const { inserted } = await recordTerminations(await getStore(), records);
        observeNewTerminations(metrics, inserted);
        log.debug({ count: records.length, podUids: records.map((r) => r.podUid) }, "records written");
      };
      ingest = startLeaderIngest({
        kubeConfig,
        cluster,
        metrics,
        // The watch never waits for the database: overflow is dropped and counted.
        sink: ({ metrics: m, log: l }) => new StoreSink({ write, overflow: "drop", metrics: m, log: l }),
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
