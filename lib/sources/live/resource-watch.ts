// One watched stream (a resource, in all namespaces or in one): our own list/watch loop instead of
// client-node's ListWatch, for two reasons (issue 10 points 1 and 8):
//   - resume: a stream can start WATCHING from a stored resourceVersion without listing first, so
//     every event since a checkpoint is replayed; only 410 Gone (the history is gone) falls back to
//     a list, and then the time not seen is reported as a gap (never papered over);
//   - memory: ListWatch caches every object; we keep an ObjectIndex (uid → version + the small
//     tombstone a stale DELETE needs), and a list is handed on page by page.
// The loop: [list (paginated) →] watch from the version reached (bookmarks on) → on a normal close
// watch again from there; on 410 (an ERROR event or an HTTP status) relist and diff against the
// index: new objects ADDED, changed ones MODIFIED, unchanged ones nothing, missing ones a DELETE
// without deletionTimestamp (the tracker's relist-stale-delete, contract §3); a pods list also
// hands on the uids it listed, for the pods in termination only a restored tracker knows. Any other failure
// restarts the loop after a jittered backoff (counted as an informer restart); a watch silent past
// the timeout is reconnected from its version; malformed events are counted and skipped.
// Every item carries the stream's position once it is processed (`resume`), except items in the
// middle of a list: a list's position is handed on after its last item and its stale deletes, as a
// BOOKMARK-typed fact (the tracker ignores it) carrying the list's version.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Metrics } from "../../metrics/registry.ts";
import type { WatchType } from "../../tracker/fact.ts";
import type { FactItem } from "../item.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { GuardedWatch } from "./guarded-watch.ts";
import { listPages } from "./list.ts";
import { ObjectIndex } from "./object-index.ts";
import { KubeHttpError } from "./request.ts";
import { apiVersionOf, collectionPath, withTypeMeta, type WatchedResource } from "./resources.ts";

/** Where a stream stands: the last version fully handed on, and when (source clock, epoch ms). */
export interface StreamPosition {
  resourceVersion: string;
  observedAt: number;
}

export type GapReason = "history-expired" | "no-checkpoint" | "watch-expired" | "checkpoint-unreadable";

/** A time this stream did not watch (cluster is added by the caller). */
export interface StreamGap {
  stream: string;
  resource: string;
  from: number;
  to: number;
  reason: GapReason;
}

/** The stream key positions are stored under. */
export function streamKey(resource: WatchedResource, namespace: string | null): string {
  return namespace === null ? resource.resource : `${resource.resource}/${namespace}`;
}

export interface ResourceWatchOptions {
  kc: KubeConfig;
  resource: WatchedResource;
  namespace: string | null;
  clock: () => number;
  silenceMs: number;
  backoff: BackoffOptions;
  backoffResetMs: number;
  listTimeoutMs: number;
  pageSize: number;
  metrics: Metrics;
  log: Logger;
  emit: (item: FactItem) => void;
  /** Resolves when the consumer has room for another list page. */
  room: () => Promise<void>;
  onSynced: () => void;
  /** Watch from here without a list (a checkpoint's position). */
  start?: StreamPosition;
  /** No usable start: the time before the first list is a gap of this reason, from `from`. */
  initialGap?: { from: number; reason: "no-checkpoint" | "checkpoint-unreadable" };
  onGap: (gap: StreamGap) => void;
}

class Expired extends Error {
  override readonly name = "Expired";
}

const isExpired = (err: unknown): boolean =>
  err instanceof Expired || (err instanceof KubeHttpError && err.statusCode === 410) || (typeof err === "object" && err !== null && "statusCode" in err && err.statusCode === 410);

export class ResourceWatch {
  synced = false;
  readonly stream: string;
  private stopped = false;
  private running: Promise<void> | null = null;
  /** The version this stream has handed on (its next watch starts here); null: list first. */
  private rv: string | null;
  /** When that version was observed (a gap after a 410 starts here). */
  private rvAt: number;
  /** The stream resumed from a checkpoint and has not yet received anything since. */
  private resuming: boolean;
  private pendingGap: { from: number; reason: GapReason } | null;
  private lastActivity = Date.now();
  private readonly index: ObjectIndex;
  private readonly watch: GuardedWatch;
  private readonly apiVersion: string;
  private readonly position: string;
  private readonly label: { resource: string };
  private wakeBackoff: (() => void) | null = null;

  constructor(private readonly o: ResourceWatchOptions) {
    this.apiVersion = apiVersionOf(o.resource);
    this.stream = streamKey(o.resource, o.namespace);
    this.position = `live:${this.stream}`;
    this.label = { resource: o.resource.resource };
    this.index = new ObjectIndex(this.apiVersion, o.resource.kind);
    this.rv = o.start?.resourceVersion ?? null;
    this.rvAt = o.start?.observedAt ?? o.clock();
    this.resuming = o.start !== undefined;
    this.pendingGap = o.start ? null : (o.initialGap ?? null);
    this.watch = new GuardedWatch(o.kc, {
      onEvent: () => this.activity(),
      onInvalid: (reason) => {
        o.metrics.watchEventsInvalid.inc(this.label);
        o.log.warn({ reason }, "malformed watch event skipped");
      },
      onInternalError: (err) => o.log.error({ err }, "watch callback failed"),
    });
    // client-node itself abandons a watch silent for 30 s (a TimeoutError): we simply watch
    // again from our version, as after a forced reconnect.
  }

  /** Objects in the index (memory check). */
  get indexed(): number {
    return this.index.size;
  }

  start(): void {
    this.running ??= this.loop().catch((err: unknown) => this.o.log.error({ err }, "watch loop ended on a bug"));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeBackoff?.();
    this.watch.forceReconnect();
    await this.running;
  }

  checkSilence(now: number): void {
    if (this.stopped || now - this.lastActivity <= this.o.silenceMs) return;
    this.lastActivity = now; // give the reconnect a full timeout before judging it
    if (this.watch.forceReconnect()) {
      this.o.metrics.watchSilentReconnects.inc(this.label);
      this.o.log.warn({ silentMs: this.o.silenceMs }, "watch silent past the timeout: reconnecting");
    }
  }

  private activity(): void {
    this.lastActivity = Date.now();
    // Wall time, bookmarks included: what DrainwatchIngestStalled compares with time().
    this.o.metrics.lastWatchEvent.set(this.lastActivity / 1000);
  }

  private async loop(): Promise<void> {
    let attempts = 0;
    while (!this.stopped) {
      const startedAt = Date.now();
      try {
        if (this.rv === null) await this.list();
        if (this.stopped) break;
        const watchedAt = Date.now();
        await this.watchOnce();
        attempts = 0;
        // A server that closes watches at once must not make us spin.
        if (Date.now() - watchedAt < 1000 && !this.stopped) await this.pause(250);
      } catch (err) {
        if (this.stopped) break;
        if (isExpired(err)) {
          // The history no longer reaches back to our version: relist, and say what was not seen.
          this.o.log.warn({ resourceVersion: this.rv, reason: this.resuming ? "history-expired" : "watch-expired" }, "resourceVersion expired (410): relisting");
          this.pendingGap ??= { from: this.rvAt, reason: this.resuming ? "history-expired" : "watch-expired" };
          this.rv = null;
          this.resuming = false;
          continue;
        }
        if (Date.now() - startedAt > this.o.backoffResetMs) attempts = 0;
        const delayMs = backoffDelay(attempts++, this.o.backoff);
        this.o.metrics.informerRestarts.inc(this.label);
        this.o.log.warn({ err: describe(err), attempt: attempts, delayMs }, "list/watch failed: restarting after backoff");
        await this.pause(delayMs);
      }
    }
  }

  /** A paginated list, diffed against the index; hands on the list's version at the end. */
  private async list(): Promise<void> {
    const listed = new Set<string>();
    let resourceVersion = "";
    for await (const page of listPages(this.o.kc, this.o.resource, this.o.namespace, { pageSize: this.o.pageSize, timeoutMs: this.o.listTimeoutMs })) {
      if (this.stopped) return;
      this.activity();
      resourceVersion = page.resourceVersion;
      const at = this.o.clock();
      for (const item of page.items) {
        const meta = (item as { metadata?: { uid?: unknown; resourceVersion?: unknown } }).metadata;
        const uid = typeof meta?.uid === "string" ? meta.uid : null;
        const rv = typeof meta?.resourceVersion === "string" ? meta.resourceVersion : "";
        if (uid === null) {
          this.o.metrics.watchEventsInvalid.inc(this.label);
          continue;
        }
        listed.add(uid);
        const known = this.index.versionOf(uid);
        if (known === rv) continue; // unchanged since we last saw it
        this.index.remember(uid, rv, item);
        this.send(known === undefined ? "ADDED" : "MODIFIED", item, at, undefined);
      }
      if (!page.last) await this.o.room();
    }
    const at = this.o.clock();
    for (const stale of this.index.staleAfterRelist(listed)) this.send("DELETED", stale, at, undefined);
    this.rv = resourceVersion;
    this.rvAt = at;
    const relisted = this.o.resource.kind === "Pod" ? { namespace: this.o.namespace, uids: listed, at } : undefined;
    this.send("BOOKMARK", { apiVersion: this.apiVersion, kind: this.o.resource.kind, metadata: { resourceVersion } }, at, resourceVersion, relisted);
    this.o.log.info({ items: listed.size, resourceVersion, relist: this.synced }, this.synced ? "relisted" : "listed");
    if (this.pendingGap) {
      const gap = { stream: this.stream, resource: this.o.resource.resource, from: this.pendingGap.from, to: at, reason: this.pendingGap.reason };
      this.pendingGap = null;
      if (gap.to > gap.from) this.o.onGap(gap);
    }
    this.markSynced();
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    try {
      this.o.onSynced();
    } catch (err) {
      this.o.log.error({ err }, "onSynced failed");
    }
  }

  /** One watch request from this.rv; resolves when the server closes it, throws on failure or 410. */
  private watchOnce(): Promise<void> {
    const from = this.rv ?? "";
    return new Promise<void>((resolve, reject) => {
      let expired = false;
      let ended = false;
      let failed: unknown = null;
      const path = collectionPath(this.o.resource, this.o.namespace);
      const onEvent = (phase: string, obj: unknown): void => {
        if (this.stopped || expired) return;
        if (phase === "ERROR") {
          const code = (obj as { code?: unknown }).code;
          if (code === 410) expired = true;
          else failed ??= new Error(`watch ERROR event: ${JSON.stringify(obj).slice(0, 300)}`);
          this.watch.forceReconnect();
          return;
        }
        const meta = (obj as { metadata: { uid?: string; resourceVersion: string } }).metadata;
        const rv = meta.resourceVersion;
        const at = this.o.clock();
        if (phase === "BOOKMARK") {
          this.send("BOOKMARK", withTypeMeta(obj, this.apiVersion, this.o.resource.kind), at, rv);
        } else {
          const uid = meta.uid ?? "";
          if (phase === "DELETED") this.index.forget(uid);
          else this.index.remember(uid, rv, obj);
          this.send(phase as WatchType, obj, at, rv);
        }
        this.rv = rv;
        this.rvAt = at;
        this.resuming = false;
      };
      const done = (err: unknown): void => {
        ended = true;
        if (expired) reject(new Expired(`resourceVersion ${from} expired`));
        else if (failed !== null) reject(failed);
        else if (err && !isForcedTimeout(err)) reject(err);
        else resolve();
      };
      this.watch
        .watch(path, { resourceVersion: from }, onEvent, done)
        .then(() => {
          // Connected: a stream resumed from a checkpoint is as current as a listed one.
          if (!this.stopped && !ended && this.rv !== null) this.markSynced();
        })
        .catch((err: unknown) => reject(err));
    });
  }

  private send(type: WatchType, object: unknown, at: number, rv: string | undefined, relisted?: FactItem["relisted"]): void {
    const typed = withTypeMeta(object, this.apiVersion, this.o.resource.kind);
    if (type !== "BOOKMARK") this.o.metrics.watchEvents.inc({ kind: this.o.resource.kind });
    const item: FactItem = { kind: "fact", position: this.position, fact: { at, type, object: typed } };
    if (rv !== undefined) item.resume = { stream: this.stream, resourceVersion: rv };
    if (relisted) item.relisted = relisted;
    this.o.emit(item);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = null;
        resolve();
      }, ms); // not unref'd: a capture whose watches all wait must not exit
      this.wakeBackoff = () => {
        clearTimeout(timer);
        this.wakeBackoff = null;
        resolve();
      };
    });
  }
}

/** A TimeoutError: our watchdog's forced reconnect or client-node's inactivity timeout. */
function isForcedTimeout(err: unknown): boolean {
  return typeof err === "object" && err !== null && "name" in err && err.name === "TimeoutError";
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
