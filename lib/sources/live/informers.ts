// The live source: one list/watch loop (resource-watch.ts) per watched resource and namespace,
// all feeding one queue of facts in arrival order, plus one silence watchdog. Each stream can
// start from a stored position (a checkpoint) instead of a list; the time a stream could not see
// (410 on resume or while running, or no checkpoint at all) is reported through onGap.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { log as rootLog } from "../../log.ts";
import { getMetrics, type Metrics } from "../../metrics/registry.ts";
import type { FactItem } from "../item.ts";
import { DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { AsyncQueue } from "./queue.ts";
import { ReplayOrder } from "./replay-order.ts";
import { ResourceWatch, streamKey, type StreamGap, type StreamPosition } from "./resource-watch.ts";
import { WATCHED_RESOURCES, type WatchedResource } from "./resources.ts";

export type { StreamGap, StreamPosition } from "./resource-watch.ts";

export interface InformerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or absent: all namespaces (one informer per kind). */
  namespaces?: readonly string[];
  /** Default: WATCHED_RESOURCES (pods, events, EndpointSlices, workloads). */
  resources?: readonly WatchedResource[];
  /** Observation clock (epoch ms) stamped on every fact. */
  clock?: () => number;
  /** A watch with no event and no bookmark for this long is reconnected (default 5 min). */
  silenceTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** An informer that ran this long without error starts its backoff over (default 60 s). */
  backoffResetMs?: number;
  /** Timeout of one list request (default 60 s). */
  listTimeoutMs?: number;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** A list waits before its next page while this many facts are queued (default 2,000). */
  maxQueued?: number;
  /** Per stream key (`pods`, `pods/<ns>`): watch from this position without a list. */
  start?: Readonly<Record<string, StreamPosition>>;
  /** Streams without a start position: the time before their first list is a gap (reason, from). */
  initialGap?: { from: number; reason: "no-checkpoint" | "checkpoint-unreadable" };
  /** A stream's unseen time, reported once its (re)list completed. */
  onGap?: (gap: StreamGap) => void;
  /** Resuming: backlogs are held and merged in resourceVersion order until quiet this long (default 300 ms; max 5 s). */
  replayQuietMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

export interface LiveSource {
  /** Facts in arrival order, in batches; ends after stop(). */
  batches(): AsyncGenerator<FactItem[]>;
  /** True once every informer has completed its initial list. */
  synced(): boolean;
  /** Resolves true when synced, false after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean>;
  /** Stops every informer and ends the fact stream (queued facts are still delivered). */
  stop(): Promise<void>;
  /** Facts queued and not yet taken by the consumer. */
  readonly queueDepth: number;
  /** The stream keys, one per resource (and namespace). */
  readonly streams: readonly string[];
  /** Objects held in the streams' indexes (what memory grows with). */
  indexed(): number;
  /**
   * True while a resume's backlog is still held for ordering (replay-order.ts): it reaches the
   * queue all at once when released, dated `at: null`. Live ingest does not tick the tracker's
   * clock to "now" before that backlog is in, or the backlog would be dated by the tick.
   */
  replaying(): boolean;
}

export function startInformers(opts: InformerOptions): LiveSource {
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "informers" });
  const clock = opts.clock ?? Date.now;
  const silenceMs = opts.silenceTimeoutMs ?? 5 * 60_000;
  const queue = new AsyncQueue<FactItem>();
  const namespaces: (string | null)[] = opts.namespaces && opts.namespaces.length > 0 ? [...new Set(opts.namespaces)] : [null];
  const syncWaiters = new Set<() => void>();

  const informers: ResourceWatch[] = [];
  const onSynced = (): void => {
    if (!informers.every((i) => i.synced)) return;
    metrics.informersSynced.set(1);
    for (const w of syncWaiters) w();
    syncWaiters.clear();
  };
  const maxQueued = opts.maxQueued ?? 2000;
  // A resume replays several streams' backlogs at once: merge them in resourceVersion order.
  const resuming = Object.keys(opts.start ?? {}).length > 0;
  const order = resuming ? new ReplayOrder({ quietMs: opts.replayQuietMs ?? 300, maxHoldMs: 5000, push: (item) => queue.push(item) }) : null;

  for (const resource of opts.resources ?? WATCHED_RESOURCES) {
    for (const namespace of namespaces) {
      const start = opts.start?.[streamKey(resource, namespace)];
      informers.push(
        new ResourceWatch({
          kc: opts.kubeConfig,
          resource,
          namespace,
          clock,
          silenceMs,
          backoff: opts.backoff ?? DEFAULT_BACKOFF,
          backoffResetMs: opts.backoffResetMs ?? 60_000,
          listTimeoutMs: opts.listTimeoutMs ?? 60_000,
          pageSize: opts.pageSize ?? 500,
          metrics,
          log: log.child({ resource: resource.resource, namespace: namespace ?? "*" }),
          emit: order ? (item) => order.push(item) : (item) => queue.push(item),
          room: () => queue.whenBelow(maxQueued),
          onSynced,
          ...(start ? { start } : {}),
          ...(opts.initialGap ? { initialGap: opts.initialGap } : {}),
          onGap: (gap) => {
            log.warn({ ...gap, from: new Date(gap.from).toISOString(), to: new Date(gap.to).toISOString() }, "coverage gap: this stream was not watched");
            try {
              opts.onGap?.(gap);
            } catch (err) {
              log.error({ err }, "onGap failed");
            }
          },
        }),
      );
    }
  }
  metrics.informersSynced.set(0);
  log.info({ streams: informers.length, resumed: informers.filter((i) => opts.start?.[i.stream]).length, namespaces: namespaces.map((n) => n ?? "*"), silenceMs }, "starting list/watch loops");
  for (const i of informers) i.start();

  // One watchdog for all informers; checks often enough to act within ~1/4 of the timeout.
  const watchdog = setInterval(
    () => {
      const now = Date.now();
      for (const i of informers) i.checkSilence(now);
    },
    Math.max(50, Math.min(silenceMs / 4, 10_000)),
  );
  watchdog.unref();

  let stopping: Promise<void> | null = null;
  return {
    batches: () => queue.batches(),
    synced: () => informers.every((i) => i.synced),
    waitForSync(timeoutMs) {
      if (informers.every((i) => i.synced)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          syncWaiters.delete(done);
          resolve(false);
        }, timeoutMs);
        syncWaiters.add(done);
      });
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(watchdog);
        await Promise.all(informers.map((i) => i.stop()));
        order?.release();
        queue.close();
        log.info("informers stopped");
      })();
      return stopping;
    },
    get queueDepth() {
      return queue.depth;
    },
    streams: informers.map((i) => i.stream),
    indexed: () => informers.reduce((n, i) => n + i.indexed, 0),
    replaying: () => order?.holdingBacklog ?? false,
  };
}
