// Writing termination records: idempotent, set-based upserts keyed by (cluster, podUid).
//
// Per batch of records, two statements (no per-row round trips):
//   1. terminations: INSERT … SELECT FROM json_to_recordset($1) ON CONFLICT (cluster_id, pod_uid)
//      DO UPDATE … WHERE content_hash differs — a record identical to the stored one is not written
//      (no new tuple: xmin, updated_at unchanged); RETURNING says which rows were written;
//   2. their containers and events (only for written rows), same technique.
// Cluster, workload and revision ids are resolved first (upserted when new) and cached per store
// after commit. Everything of one call runs in one transaction.
import { createHash } from "node:crypto";
import type { TerminationRecord } from "../tracker/record";
import type { Store } from "./types";

/** Records per statement (~1.5 KB of JSON each). */
export const WRITE_BATCH_SIZE = 1000;

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Normalizes a time to what the database gives back (ms precision, UTC, `Z`). */
function time(v: string | null, field: string, r: TerminationRecord): string | null {
  if (v === null || ISO_MS.test(v)) return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`record ${r.cluster}/${r.podUid}: ${field} is not a time: ${JSON.stringify(v)}`);
  return new Date(ms).toISOString();
}

function sortedKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/**
 * The record as a JSON row for the terminations statement (fixed key order, so its text is
 * canonical) and its content hash.
 */
export function prepare(
  r: TerminationRecord,
  ids: { cluster: number; workload: number; revision: number | null },
): { json: string; hash: string } {
  const row = {
    cluster_id: ids.cluster,
    pod_uid: r.podUid,
    namespace: r.namespace,
    pod: r.pod,
    node: r.node,
    workload_id: ids.workload,
    revision_id: ids.revision,
    cause: r.cause,
    outcome: r.outcome,
    grace: r.gracePeriodSeconds,
    delete_requested_at: time(r.deleteRequestedAt, "deleteRequestedAt", r),
    deadline_at: time(r.deadlineAt, "deadlineAt", r),
    endpoints_unready_at: time(r.endpointsUnreadyAt, "endpointsUnreadyAt", r),
    killing_at: time(r.killingAt, "killingAt", r),
    exited_at: time(r.exitedAt, "exitedAt", r),
    deleted_at: time(r.deletedAt, "deletedAt", r),
    drain: r.drainSeconds,
    lag: r.endpointLagSeconds,
    ps_defined: r.preStop.defined,
    ps_action: r.preStop.action,
    ps_failed: r.preStop.failed,
    sidecar_first: r.sidecarExitedFirst,
    notes: r.notes,
    traffic: r.traffic === null ? null : sortedKeys(r.traffic),
  };
  const body = JSON.stringify(row);
  // The hash also covers what the row holds only by id (names: a record moved to another workload
  // is a change) and the children.
  const rest = JSON.stringify([
    r.cluster,
    r.workload.kind,
    r.workload.name,
    r.revision,
    r.containers.map((c) => [c.name, c.sidecar, c.exitCode, c.reason, time(c.finishedAt, "containers.finishedAt", r), c.outcome]),
    r.events.map((e) => [e.reason, e.type, e.message, time(e.at, "events.at", r), e.count]),
  ]);
  const hash = createHash("sha256").update(body).update(rest).digest("base64");
  return { json: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

/** sha256 (base64) of a record's canonical content, as stored in terminations.content_hash. */
export function contentHash(r: TerminationRecord): string {
  return prepare(r, { cluster: 0, workload: 0, revision: null }).hash;
}

export const TERMINATIONS_SQL = `
INSERT INTO terminations AS t (
  cluster_id, pod_uid, namespace, pod, node, workload_id, revision_id, cause, outcome,
  grace_period_seconds, delete_requested_at, deadline_at, endpoints_unready_at, killing_at,
  exited_at, deleted_at, drain_seconds, endpoint_lag_seconds, prestop_defined, prestop_action,
  prestop_failed, sidecar_exited_first, notes, traffic, content_hash)
SELECT cluster_id, pod_uid, namespace, pod, node, workload_id, revision_id, cause, outcome,
  grace, delete_requested_at, deadline_at, endpoints_unready_at, killing_at,
  exited_at, deleted_at, drain, lag, ps_defined, ps_action, ps_failed, sidecar_first,
  COALESCE(notes, '{}'), traffic, hash
FROM json_to_recordset($1::json) AS x(
  cluster_id int, pod_uid text, namespace text, pod text, node text, workload_id int, revision_id int,
  cause text, outcome text, grace int,
  delete_requested_at timestamptz, deadline_at timestamptz, endpoints_unready_at timestamptz,
  killing_at timestamptz, exited_at timestamptz, deleted_at timestamptz,
  drain float8, lag float8, ps_defined bool, ps_action text, ps_failed bool, sidecar_first bool,
  notes text[], traffic jsonb, hash text)
ON CONFLICT (cluster_id, pod_uid) DO UPDATE SET
  namespace = excluded.namespace, pod = excluded.pod, node = excluded.node,
  workload_id = excluded.workload_id, revision_id = excluded.revision_id,
  cause = excluded.cause, outcome = excluded.outcome,
  grace_period_seconds = excluded.grace_period_seconds,
  delete_requested_at = excluded.delete_requested_at, deadline_at = excluded.deadline_at,
  endpoints_unready_at = excluded.endpoints_unready_at, killing_at = excluded.killing_at,
  exited_at = excluded.exited_at, deleted_at = excluded.deleted_at,
  drain_seconds = excluded.drain_seconds, endpoint_lag_seconds = excluded.endpoint_lag_seconds,
  prestop_defined = excluded.prestop_defined, prestop_action = excluded.prestop_action,
  prestop_failed = excluded.prestop_failed, sidecar_exited_first = excluded.sidecar_exited_first,
  notes = excluded.notes, traffic = excluded.traffic, content_hash = excluded.content_hash,
  updated_at = now()
WHERE t.content_hash IS DISTINCT FROM excluded.content_hash
RETURNING t.id::text AS id, t.pod_uid, t.cluster_id, (t.xmax = 0) AS inserted`;

// Containers ($1-$8) and events ($9-$15) as parallel arrays (unnest is cheaper than JSON for
// many small rows); $16-$18: updated terminations (id, container count, event count), whose
// surplus children are removed (the rest is overwritten in place by ON CONFLICT).
export const CHILDREN_SQL = `
WITH cont AS (
  INSERT INTO termination_containers AS tc (termination_id, ordinal, name, sidecar, exit_code, reason, finished_at, outcome)
  SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bool[], $5::int[], $6::text[], $7::timestamptz[], $8::text[])
  ON CONFLICT (termination_id, ordinal) DO UPDATE SET
    name = excluded.name, sidecar = excluded.sidecar, exit_code = excluded.exit_code,
    reason = excluded.reason, finished_at = excluded.finished_at, outcome = excluded.outcome
  RETURNING 1
),
ev AS (
  INSERT INTO termination_events AS te (termination_id, ordinal, reason, type, message, at, count)
  SELECT * FROM unnest($9::bigint[], $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::int[])
  ON CONFLICT (termination_id, ordinal) DO UPDATE SET
    reason = excluded.reason, type = excluded.type, message = excluded.message,
    at = excluded.at, count = excluded.count
  RETURNING 1
),
upd AS (SELECT * FROM unnest($16::bigint[], $17::int[], $18::int[]) AS g(id, nc, ne)),
cont_gone AS (
  DELETE FROM termination_containers tc USING upd g
  WHERE tc.termination_id = g.id AND tc.ordinal >= g.nc
  RETURNING 1
),
ev_gone AS (
  DELETE FROM termination_events te USING upd g
  WHERE te.termination_id = g.id AND te.ordinal >= g.ne
  RETURNING 1
)
SELECT (SELECT count(*) FROM cont)::int AS containers, (SELECT count(*) FROM ev)::int AS events,
  ((SELECT count(*) FROM cont_gone) + (SELECT count(*) FROM ev_gone))::int AS removed`;

type Tx = Pick<Store["prisma"], "$queryRawUnsafe">;

/** Ids of clusters / workloads / revisions already in the database, per store. */
interface IdCache {
  clusters: Map<string, number>;
  workloads: Map<string, number>;
  revisions: Map<string, number>;
}
const caches = new WeakMap<Store, IdCache>();
function cacheOf(store: Store): IdCache {
  let c = caches.get(store);
  if (!c) {
    c = { clusters: new Map(), workloads: new Map(), revisions: new Map() };
    caches.set(store, c);
  }
  return c;
}

const sep = "\u001f"; // not NUL: keys travel to Postgres, whose text cannot hold it
const workloadKey = (r: TerminationRecord) => [r.cluster, r.namespace, r.workload.kind, r.workload.name].join(sep);
const revisionKey = (r: TerminationRecord) => (r.revision === null ? null : workloadKey(r) + sep + r.revision);

/**
 * Stores finalized records. Idempotent: keyed by (cluster, podUid); a record identical to the
 * stored one is not written again (`written` counts rows inserted or changed). Within one call a
 * later record with the same key wins. One transaction: every record is stored, or none.
 */
export async function recordTerminations(
  store: Store,
  records: readonly TerminationRecord[],
): Promise<{ written: number }> {
  if (records.length === 0) return { written: 0 };
  const byKey = new Map<string, TerminationRecord>();
  for (const r of records) byKey.set(r.cluster + sep + r.podUid, storable(r));
  const unique = [...byKey.values()];
  try {
    return await writeAll(store, unique);
  } catch (err) {
    // A cached id whose row was deleted meanwhile (foreign key violation): forget and retry once.
    if (!isForeignKeyViolation(err)) throw err;
    caches.delete(store);
    return writeAll(store, unique);
  }
}

/**
 * Postgres text cannot hold U+0000, which valid Kubernetes JSON may carry (an event message, a
 * container reason). One such string must not fail the whole batch: it is stored as U+FFFD.
 */
export function storable(r: TerminationRecord): TerminationRecord {
  if (!hasNul(r)) return r;
  const text = JSON.stringify(r);
  // Only an escape that is not itself escaped (`\\u0000` is a backslash and "u0000").
  return JSON.parse(text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd")) as TerminationRecord;
}

/** Cheap scan of the strings a record carries (called for every record written). */
function hasNul(r: TerminationRecord): boolean {
  const has = (v: string | null) => v !== null && v.includes("\0");
  if ([r.podUid, r.cluster, r.namespace, r.pod, r.node, r.workload.kind, r.workload.name, r.revision].some(has)) return true;
  if (r.notes.some(has)) return true;
  if (r.containers.some((c) => has(c.name) || has(c.reason))) return true;
  return r.events.some((e) => has(e.reason) || has(e.type) || has(e.message));
}

function isForeignKeyViolation(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${JSON.stringify((err as { meta?: unknown }).meta ?? null)}` : "";
  return text.includes("23503");
}

async function writeAll(store: Store, records: TerminationRecord[]): Promise<{ written: number }> {
  const cache = cacheOf(store);
  const learned: IdCache = { clusters: new Map(), workloads: new Map(), revisions: new Map() };
  const written = await store.prisma.$transaction(
    async (tx) => {
      const ids = await resolveIds(tx, records, cache, learned);
      let n = 0;
      for (let i = 0; i < records.length; i += WRITE_BATCH_SIZE) {
        n += await writeBatch(tx, records.slice(i, i + WRITE_BATCH_SIZE), ids);
      }
      return n;
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
  // Only ids of committed rows are remembered.
  for (const k of ["clusters", "workloads", "revisions"] as const) {
    for (const [key, id] of learned[k]) cache[k].set(key, id);
  }
  return { written };
}

interface Ids {
  cluster(r: TerminationRecord): number;
  workload(r: TerminationRecord): number;
  revision(r: TerminationRecord): number | null;
}

async function resolveIds(tx: Tx, records: TerminationRecord[], cache: IdCache, learned: IdCache): Promise<Ids> {
  const get = (k: keyof IdCache, key: string) => cache[k].get(key) ?? learned[k].get(key);

  const clusterNames = new Set<string>();
  for (const r of records) if (get("clusters", r.cluster) === undefined) clusterNames.add(r.cluster);
  if (clusterNames.size > 0) {
    const names = JSON.stringify([...clusterNames]);
    await tx.$queryRawUnsafe(
      `INSERT INTO clusters (name) SELECT x FROM json_array_elements_text($1::json) x ON CONFLICT (name) DO NOTHING RETURNING 1`,
      names,
    );
    const rows = await tx.$queryRawUnsafe<{ id: number; name: string }[]>(
      `SELECT id, name FROM clusters WHERE name IN (SELECT json_array_elements_text($1::json))`,
      names,
    );
    for (const row of rows) learned.clusters.set(row.name, Number(row.id));
  }
  const clusterId = (r: TerminationRecord) => {
    const id = get("clusters", r.cluster);
    if (id === undefined) throw new Error(`cluster ${r.cluster} could not be stored`);
    return id;
  };

  const missingW = new Map<string, { cluster_id: number; namespace: string; kind: string; name: string }>();
  for (const r of records) {
    const key = workloadKey(r);
    if (get("workloads", key) === undefined && !missingW.has(key)) {
      missingW.set(key, { cluster_id: clusterId(r), namespace: r.namespace, kind: r.workload.kind, name: r.workload.name });
    }
  }
  if (missingW.size > 0) {
    const json = JSON.stringify([...missingW.values()]);
    const cols = `x(cluster_id int, namespace text, kind text, name text)`;
    await tx.$queryRawUnsafe(
      `INSERT INTO workloads (cluster_id, namespace, kind, name)
       SELECT cluster_id, namespace, kind, name FROM json_to_recordset($1::json) AS ${cols}
       ON CONFLICT (cluster_id, namespace, kind, name) DO NOTHING RETURNING 1`,
      json,
    );
    const rows = await tx.$queryRawUnsafe<{ id: number; cluster_id: number; namespace: string; kind: string; name: string }[]>(
      `SELECT w.id, w.cluster_id, w.namespace, w.kind, w.name
       FROM workloads w JOIN json_to_recordset($1::json) AS ${cols} USING (cluster_id, namespace, kind, name)`,
      json,
    );
    const clusterName = new Map<number, string>();
    for (const r of records) clusterName.set(clusterId(r), r.cluster);
    for (const row of rows) {
      const key = [clusterName.get(Number(row.cluster_id)), row.namespace, row.kind, row.name].join(sep);
      learned.workloads.set(key, Number(row.id));
    }
  }
  const workloadId = (r: TerminationRecord) => {
    const id = get("workloads", workloadKey(r));
    if (id === undefined) throw new Error(`workload ${workloadKey(r)} could not be stored`);
    return id;
  };

  const missingR = new Map<string, { workload_id: number; revision: string; key: string }>();
  for (const r of records) {
    const key = revisionKey(r);
    if (key !== null && r.revision !== null && get("revisions", key) === undefined && !missingR.has(key)) {
      missingR.set(key, { workload_id: workloadId(r), revision: r.revision, key });
    }
  }
  if (missingR.size > 0) {
    const json = JSON.stringify([...missingR.values()]);
    await tx.$queryRawUnsafe(
      `INSERT INTO revisions (workload_id, revision)
       SELECT workload_id, revision FROM json_to_recordset($1::json) AS x(workload_id int, revision text)
       ON CONFLICT (workload_id, revision) DO NOTHING RETURNING 1`,
      json,
    );
    const rows = await tx.$queryRawUnsafe<{ id: number; key: string }[]>(
      `SELECT r.id, x.key FROM revisions r
       JOIN json_to_recordset($1::json) AS x(workload_id int, revision text, key text) USING (workload_id, revision)`,
      json,
    );
    for (const row of rows) learned.revisions.set(row.key, Number(row.id));
  }
  const revisionId = (r: TerminationRecord) => {
    const key = revisionKey(r);
    if (key === null) return null;
    const id = get("revisions", key);
    if (id === undefined) throw new Error(`revision ${key} could not be stored`);
    return id;
  };
  return { cluster: clusterId, workload: workloadId, revision: revisionId };
}

async function writeBatch(tx: Tx, records: TerminationRecord[], ids: Ids): Promise<number> {
  const byKey = new Map<string, TerminationRecord>();
  const parts: string[] = [];
  for (const r of records) {
    const cluster = ids.cluster(r);
    byKey.set(cluster + sep + r.podUid, r);
    parts.push(prepare(r, { cluster, workload: ids.workload(r), revision: ids.revision(r) }).json);
  }
  const changed = await tx.$queryRawUnsafe<{ id: string; pod_uid: string; cluster_id: number; inserted: boolean }[]>(
    TERMINATIONS_SQL,
    `[${parts.join(",")}]`,
  );
  if (changed.length === 0) return 0;

  const c = { t: [] as string[], i: [] as number[], name: [] as string[], sidecar: [] as boolean[], exit: [] as (number | null)[], reason: [] as (string | null)[], at: [] as (string | null)[], outcome: [] as string[] };
  const e = { t: [] as string[], i: [] as number[], reason: [] as string[], type: [] as string[], message: [] as string[], at: [] as (string | null)[], count: [] as number[] };
  const u = { id: [] as string[], nc: [] as number[], ne: [] as number[] };
  for (const row of changed) {
    const r = byKey.get(Number(row.cluster_id) + sep + row.pod_uid);
    if (!r) throw new Error(`recordTerminations: unexpected row ${row.cluster_id}/${row.pod_uid}`);
    for (let i = 0; i < r.containers.length; i++) {
      const x = r.containers[i]!;
      c.t.push(row.id); c.i.push(i); c.name.push(x.name); c.sidecar.push(x.sidecar); c.exit.push(x.exitCode);
      c.reason.push(x.reason); c.at.push(x.finishedAt); c.outcome.push(x.outcome);
    }
    for (let i = 0; i < r.events.length; i++) {
      const x = r.events[i]!;
      e.t.push(row.id); e.i.push(i); e.reason.push(x.reason); e.type.push(x.type); e.message.push(x.message);
      e.at.push(x.at); e.count.push(x.count);
    }
    if (!row.inserted) {
      u.id.push(row.id); u.nc.push(r.containers.length); u.ne.push(r.events.length);
    }
  }
  await tx.$queryRawUnsafe(
    CHILDREN_SQL,
    c.t, c.i, c.name, c.sidecar, c.exit, c.reason, c.at, c.outcome,
    e.t, e.i, e.reason, e.type, e.message, e.at, e.count,
    u.id, u.nc, u.ne,
  );
  return changed.length;
}
