// The live source: one client-node informer (ListWatch) per watched resource and namespace, all
// feeding one queue of facts in arrival order. Supervision the library leaves to us:
//   - the informer STOPS on any non-410 error: restart it with jittered exponential backoff;
//   - a watch that stays silent past a timeout is reconnected (from its resourceVersion);
//   - nothing thrown by a callback escapes (counted and logged instead).
// The informer's own 410 handling (relist, deletes synthesized from its cache for names missing
// from the new list) is kept: those stale deletes reach the tracker unchanged, without
// deletionTimestamp, and become records with outcome unknown and note `relist-stale-delete`.
import { ListWatch, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { log as rootLog } from "../../log.ts";
import { getMetrics, type Metrics } from "../../metrics/registry.ts";
import type { WatchType } from "../../tracker/fact.ts";
import type { FactItem } from "../item.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { GuardedWatch } from "./guarded-watch.ts";
import { listRaw } from "./list.ts";
import { AsyncQueue } from "./queue.ts";
import { apiVersionOf, collectionPath, WATCHED_RESOURCES, withTypeMeta, type WatchedResource } from "./resources.ts";

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
}

export function startInformers(opts: InformerOptions): LiveSource {
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "informers" });
  const clock = opts.clock ?? Date.now;
  const silenceMs = opts.silenceTimeoutMs ?? 5 * 60_000;
  const queue = new AsyncQueue<FactItem>();
  const namespaces: (string | null)[] = opts.namespaces && opts.namespaces.length > 0 ? [...new Set(opts.namespaces)] : [null];
  const syncWaiters = new Set<() => void>();

  const informers: SupervisedInformer[] = [];
  const onSynced = (): void => {
    if (!informers.every((i) => i.synced)) return;
    metrics.informersSynced.set(1);
    for (const w of syncWaiters) w();
    syncWaiters.clear();
  };

  for (const resource of opts.resources ?? WATCHED_RESOURCES) {
    for (const namespace of namespaces) {
      informers.push(
        new SupervisedInformer({
          kc: opts.kubeConfig,
          resource,
          namespace,
          clock,
          silenceMs,
          backoff: opts.backoff ?? DEFAULT_BACKOFF,
          backoffResetMs: opts.backoffResetMs ?? 60_000,
          listTimeoutMs: opts.listTimeoutMs ?? 60_000,
          metrics,
          log: log.child({ resource: resource.resource, namespace: namespace ?? "*" }),
          emit: (item) => queue.push(item),
          onSynced,
        }),
      );
    }
  }
  metrics.informersSynced.set(0);
  log.info({ informers: informers.length, namespaces: namespaces.map((n) => n ?? "*"), silenceMs }, "starting informers");
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
        queue.close();
        log.info("informers stopped");
      })();
      return stopping;
    },
    get queueDepth() {
      return queue.depth;
    },
  };
}

interface SupervisedOptions {
  kc: KubeConfig;
  resource: WatchedResource;
  namespace: string | null;
  clock: () => number;
  silenceMs: number;
  backoff: BackoffOptions;
  backoffResetMs: number;
  listTimeoutMs: number;
  metrics: Metrics;
  log: Logger;
  emit: (item: FactItem) => void;
  onSynced: () => void;
}

const VERB_TYPES = [
  ["add", "ADDED"],
  ["update", "MODIFIED"],
  ["delete", "DELETED"],
] as const satisfies readonly (readonly [string, WatchType])[];

/** One ListWatch plus its restart policy and silence watchdog. */
class SupervisedInformer {
  synced = false;
  private state: "idle" | "running" | "backoff" | "stopped" = "idle";
  private attempts = 0;
  private startedAt = 0;
  private lastActivity = Date.now();
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly watch: GuardedWatch;
  private readonly apiVersion: string;
  private readonly position: string;

  constructor(private readonly o: SupervisedOptions) {
    const { resource, namespace, metrics } = o;
    this.apiVersion = apiVersionOf(resource);
    this.position = `live:${resource.resource}${namespace === null ? "" : `/${namespace}`}`;
    const label = { resource: resource.resource };
    this.watch = new GuardedWatch(o.kc, {
      onEvent: () => {
        this.lastActivity = Date.now();
        // Wall time, bookmarks included: what DrainwatchIngestStalled compares with time().
        metrics.lastWatchEvent.set(this.lastActivity / 1000);
      },
      onInvalid: (reason) => {
        metrics.watchEventsInvalid.inc(label);
        o.log.warn({ reason }, "malformed watch event skipped");
      },
      onInternalError: (err) => this.onError(err),
    });
    const listFn = async () => {
      const list = await listRaw(o.kc, resource, namespace, { timeoutMs: o.listTimeoutMs });
      this.lastActivity = Date.now();
      if (!this.synced) {
        this.synced = true;
        o.log.info({ items: list.items.length, resourceVersion: list.metadata?.resourceVersion }, "informer synced");
        this.guard(() => o.onSynced());
      } else {
        o.log.info({ items: list.items.length }, "relisted");
      }
      return list;
    };
    // autoStart false: start() below, under supervision.
    this.lw = new ListWatch(collectionPath(resource, namespace), this.watch, listFn, false);
    for (const [verb, type] of VERB_TYPES) {
      this.lw.on(verb, (obj) => this.guard(() => this.emit(type, obj)));
    }
    this.lw.on("error", (err) => this.onError(err));
  }

  start(): void {
    if (this.state === "stopped") return;
    this.state = "running";
    this.startedAt = Date.now();
    this.lastActivity = Date.now();
    this.lw.start().catch((err: unknown) => this.onError(err));
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    try {
      await this.lw.stop();
    } catch (err) {
      this.o.log.warn({ err }, "stopping the informer failed");
    }
  }

  checkSilence(now: number): void {
    if (this.state !== "running" || now - this.lastActivity <= this.o.silenceMs) return;
    this.lastActivity = now; // give the reconnect a full timeout before judging it
    if (this.watch.forceReconnect()) {
      this.o.metrics.watchSilentReconnects.inc({ resource: this.o.resource.resource });
      this.o.log.warn({ silentMs: this.o.silenceMs }, "watch silent past the timeout: reconnecting");
    }
  }

  private emit(type: WatchType, obj: KubernetesObject): void {
    const object = withTypeMeta(obj, this.apiVersion, this.o.resource.kind);
    this.o.metrics.watchEvents.inc({ kind: this.o.resource.kind });
    this.o.emit({ kind: "fact", position: this.position, fact: { at: this.o.clock(), type, object } });
  }

  /** The informer stopped (any non-410 error): restart it after a backoff. */
  private onError(err: unknown): void {
    if (this.state !== "running") return; // stopping, or a restart is already scheduled
    this.state = "backoff";
    if (Date.now() - this.startedAt > this.o.backoffResetMs) this.attempts = 0;
    const delayMs = backoffDelay(this.attempts++, this.o.backoff);
    this.o.metrics.informerRestarts.inc({ resource: this.o.resource.resource });
    this.o.log.warn({ err: describe(err), attempt: this.attempts, delayMs }, "informer stopped on an error: restarting after backoff");
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state === "backoff") this.start();
    }, delayMs); // not unref'd: a capture whose informers all wait must not exit
  }

  /** Nothing thrown by our handlers may escape into client-node (it would stop the informer). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error({ err }, "informer callback failed");
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
