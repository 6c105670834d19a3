// The compact per-object index the list/watch loop keeps instead of a cache of whole objects
// (issue 10 point 8: memory must not grow with the cluster's full objects). Per uid it holds the
// resourceVersion last seen (a relist only re-sends objects whose version changed) and, for the
// kinds whose DELETE the tracker acts on, a *tombstone*: just the fields the tracker reads when a
// relist finds the object gone, so that a stale DELETE is recorded exactly as it was when
// client-node's ListWatch synthesized it from its full cached object (contract §3,
// `relist-stale-delete`; the tracker parses objects with zod and drops every other field).
//   - pods: what a ReplicaSet's pods have in common is kept once and shared (namespace, owner
//     references, the three labels the tracker reads, restart policy, grace, containers); per pod
//     only name, times, node and status (without conditions other than DisruptionTarget and
//     without start times: the tracker reads those only to date a fact that has no observation
//     time, and live facts always have one), as one
//     JSON string: a string costs a byte per character, an object graph several times that. The
//     uid is the index key. About 550 bytes per running pod.
//   - workloads (ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs): few, kept as the
//     fields the owner cache reads.
//   - Events, EndpointSlices: the tracker ignores their DELETEs, so no tombstone: only the version.
// Pure: no I/O.

export type TombstoneKind = "pod" | "workload" | "none";

/** What the index keeps per resource kind. */
export function tombstoneKindOf(kind: string): TombstoneKind {
  if (kind === "Pod") return "pod";
  if (kind === "ReplicaSet" || kind === "Deployment" || kind === "StatefulSet" || kind === "DaemonSet" || kind === "Job") return "workload";
  return "none";
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Copies the named keys that are present (undefined ones are left out, as JSON would). */
function pick(o: unknown, keys: readonly string[]): Json | undefined {
  if (!isObj(o)) return undefined;
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** A container status as the tombstone keeps it: name and state, a running state without its start. */
function containerStatusStone(c: unknown): unknown {
  if (!isObj(c)) return c;
  const state = isObj(c.state) ? c.state : undefined;
  if (state && isObj(state.running) && !state.terminated && !state.waiting) return { name: c.name, state: { running: {} } };
  return pick(c, ["name", "state"]);
}

const POD_LABELS = ["controller-revision-hash", "pod-template-generation", "pod-template-hash"] as const;

interface Entry {
  rv: string;
  /** Pods: the part shared with the pod's siblings (interned); other kinds: null. */
  spec: Json | null;
  /** The rest of the tombstone as JSON; null when the kind keeps none. */
  rest: string | null;
}

/**
 * uid → version (+ tombstone) for one watched stream. `remember` on every ADDED/MODIFIED,
 * `forget` on DELETED; `staleAfterRelist` gives the tombstones of objects a relist did not list.
 */
export class ObjectIndex {
  private readonly entries = new Map<string, Entry>();
  /** Interned pod specs by their JSON text; entries hold the shared object. */
  private readonly specs = new Map<string, { spec: Json; refs: number }>();

  constructor(
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly tombstones: TombstoneKind = tombstoneKindOf(kind),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The version stored for `uid`, if any. */
  versionOf(uid: string): string | undefined {
    return this.entries.get(uid)?.rv;
  }

  remember(uid: string, rv: string, object: unknown): void {
    const previous = this.entries.get(uid);
    if (this.tombstones === "none") {
      if (previous) previous.rv = rv;
      else this.entries.set(uid, { rv, spec: null, rest: null });
      return;
    }
    const { spec, rest } = this.tombstoneParts(object, previous?.spec ?? null);
    if (previous?.spec && previous.spec !== spec) this.release(previous.spec);
    this.entries.set(uid, { rv, spec, rest });
  }

  forget(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    if (e.spec) this.release(e.spec);
    this.entries.delete(uid);
  }

  /** Drops everything (a relist after an unreadable start has no earlier state to diff with). */
  clear(): void {
    this.entries.clear();
    this.specs.clear();
  }

  /**
   * After a relist that listed exactly `listed`: removes every other uid and returns the objects
   * to send as (stale) DELETEs, in index order. Kinds without tombstones are removed silently.
   */
  staleAfterRelist(listed: ReadonlySet<string>): unknown[] {
    const out: unknown[] = [];
    for (const [uid, e] of this.entries) {
      if (listed.has(uid)) continue;
      const stone = this.tombstoneOf(uid, e);
      if (stone !== null) out.push(stone);
      this.forget(uid);
    }
    return out;
  }

  /** The tombstone object of an entry (apiVersion and kind first, as the API orders them). */
  private tombstoneOf(uid: string, e: Entry): unknown {
    if (e.rest === null) return null;
    const rest = JSON.parse(e.rest) as Json;
    if (this.tombstones !== "pod" || !e.spec) return { apiVersion: this.apiVersion, kind: this.kind, ...rest };
    const shared = e.spec;
    const metadata: Json = { uid, ...(rest.m as Json), namespace: shared.namespace, ownerReferences: shared.ownerReferences, labels: shared.labels };
    const spec: Json = { ...(shared.spec as Json | undefined), nodeName: rest.n };
    return { apiVersion: this.apiVersion, kind: this.kind, metadata, spec, status: rest.s };
  }

  private tombstoneParts(object: unknown, previousSpec: Json | null): { spec: Json | null; rest: string } {
    const o = isObj(object) ? object : {};
    if (this.tombstones === "workload") {
      const meta = pick(o.metadata, ["uid", "name", "namespace", "annotations", "ownerReferences", "creationTimestamp", "generation"]);
      return {
        spec: null,
        rest: JSON.stringify({ metadata: meta, spec: pick(o.spec, ["replicas"]), status: pick(o.status, ["replicas", "updateRevision", "currentRevision"]) }),
      };
    }
    const m = isObj(o.metadata) ? o.metadata : {};
    const s = isObj(o.spec) ? o.spec : {};
    const shared: Json = {
      namespace: m.namespace,
      ownerReferences: Array.isArray(m.ownerReferences) ? m.ownerReferences.map((r) => pick(r, ["kind", "name", "uid", "controller"]) ?? r) : undefined,
      labels: isObj(m.labels) ? pick(m.labels, POD_LABELS) : undefined,
      spec: pick(s, ["restartPolicy", "terminationGracePeriodSeconds", "containers", "initContainers"]),
    };
    const spec = this.intern(shared, previousSpec);
    const st = isObj(o.status) ? o.status : null;
    let status: Json | undefined;
    if (st) {
      // startTime and running.startedAt only date a fact that has no observation time.
      status = pick(st, ["phase", "reason", "message", "containerStatuses", "initContainerStatuses"]) ?? {};
      const disruption = Array.isArray(st.conditions) ? st.conditions.filter((c) => isObj(c) && c.type === "DisruptionTarget") : [];
      if (disruption.length > 0) status.conditions = disruption;
      for (const key of ["containerStatuses", "initContainerStatuses"] as const) {
        const list = status[key];
        if (Array.isArray(list)) status[key] = list.map(containerStatusStone);
      }
    }
    const own = pick(m, ["name", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) ?? {};
    return { spec, rest: JSON.stringify({ m: own, n: s.nodeName, s: status }) };
  }

  private intern(shared: Json, previous: Json | null): Json {
    const key = JSON.stringify(shared);
    const found = this.specs.get(key);
    if (found) {
      if (found.spec !== previous) found.refs++;
      return found.spec;
    }
    this.specs.set(key, { spec: shared, refs: 1 });
    return shared;
  }

  private release(spec: Json): void {
    const key = JSON.stringify(spec);
    const found = this.specs.get(key);
    if (found && found.spec === spec && --found.refs <= 0) this.specs.delete(key);
  }
}
