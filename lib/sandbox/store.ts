// The sandbox's etcd: objects per resource, one global resourceVersion counter (like etcd's
// revision, so versions compare across resources), and a bounded per-resource history of watch
// events. A watch may resume from any version still in that history; older ones are "Expired"
// (410 Gone), which is how informers learn to relist.
import type { KObject, WatchEvent, WatchType } from "./types.ts";

export interface StoredEvent extends WatchEvent {
  rv: number;
}

export type Listener = (e: StoredEvent) => void;

interface Resource {
  objects: Map<string, KObject>;
  history: StoredEvent[];
  /** Versions at or below this are no longer in the history. */
  compactedRv: number;
  listeners: Set<Listener>;
}

export class ExpiredError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private rv: number;
  private readonly resources = new Map<string, Resource>();

  constructor(
    private readonly historyLimit = 1000,
    startRv = 1000,
  ) {
    this.rv = startRv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  private res(resource: string): Resource {
    let r = this.resources.get(resource);
    if (!r) {
      r = { objects: new Map(), history: [], compactedRv: this.rv, listeners: new Set() };
      this.resources.set(resource, r);
    }
    return r;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.res(resource).objects.get(objectKey(namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Objects in key order (namespace/name), as etcd returns them. */
  list(resource: string, namespace?: string): KObject[] {
    const out: [string, KObject][] = [];
    for (const [key, o] of this.res(resource).objects) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push([key, o]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, o]) => structuredClone(o));
  }

  /** Live, read-only view for the simulator's own bookkeeping (never hand it to clients). */
  peek<T extends KObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    return this.res(resource).objects.get(objectKey(namespace, name)) as T | undefined;
  }

  create<T extends KObject>(resource: string, obj: T): T {
    const r = this.res(resource);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    if (r.objects.has(key)) throw new Error(`${resource} ${key} already exists`);
    return this.write(r, "ADDED", key, obj);
  }

  update<T extends KObject>(resource: string, obj: T): T {
    const r = this.res(resource);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    if (!r.objects.has(key)) throw new Error(`${resource} ${key} not found`);
    return this.write(r, "MODIFIED", key, obj);
  }

  /** Clone, change, write back: the one way the simulator edits a stored object. */
  mutate<T extends KObject>(resource: string, namespace: string | undefined, name: string, fn: (o: T) => void): T | undefined {
    const cur = this.res(resource).objects.get(objectKey(namespace, name));
    if (!cur) return undefined;
    const next = structuredClone(cur) as T;
    fn(next);
    return this.update(resource, next);
  }

  /** Removes the object; the DELETED event carries its last state with a new version. */
  remove(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const r = this.res(resource);
    const key = objectKey(namespace, name);
    const cur = r.objects.get(key);
    if (!cur) return undefined;
    const rv = ++this.rv;
    const last = structuredClone(cur);
    last.metadata.resourceVersion = String(rv);
    r.objects.delete(key);
    this.record(r, { type: "DELETED", object: last, rv });
    return structuredClone(last);
  }

  /**
   * Subscribes to a resource from `sinceRv` (exclusive): replays retained history, then live
   * events. Throws ExpiredError when the history no longer reaches back that far.
   */
  watch(resource: string, sinceRv: number, listener: Listener): () => void {
    const r = this.res(resource);
    if (sinceRv < r.compactedRv) throw new ExpiredError(sinceRv, r.compactedRv);
    for (const e of r.history) if (e.rv > sinceRv) listener(e);
    r.listeners.add(listener);
    return () => r.listeners.delete(listener);
  }

  private write<T extends KObject>(r: Resource, type: WatchType, key: string, obj: T): T {
    const rv = ++this.rv;
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(rv);
    r.objects.set(key, stored);
    this.record(r, { type, object: structuredClone(stored), rv });
    return structuredClone(stored);
  }

  private record(r: Resource, e: StoredEvent): void {
    r.history.push(e);
    while (r.history.length > this.historyLimit) {
      const dropped = r.history.shift()!;
      r.compactedRv = dropped.rv;
    }
    for (const l of [...r.listeners]) l(e);
  }
}
