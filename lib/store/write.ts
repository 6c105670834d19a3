// Writing termination records: idempotent, set-based upserts keyed by (cluster, podUid).
//
// Per batch of records, one statement (WRITE_SQL, no per-row round trips): the records as one JSON
// parameter, children included; new terminations are inserted, changed ones updated in place (a
// record identical to the stored one is not written: no new tuple, xmin and updated_at unchanged),
// and the children of both written in the same statement.
// Cluster, workload and revision ids are resolved first (upserted when new) and cached per store
// after commit. Everything of one call runs in one transaction.
//
// A record the database rejects (SQLSTATE classes 22, 23, 54: a value it cannot hold) must not
// block the others: each attempt runs under a SAVEPOINT; when one fails with a data error, its
// records are split in halves and retried until the offenders are isolated; those go to
// quarantined_records (quarantine.ts) in the same transaction, everything else is written. Any other
// failure (the database unreachable, …) fails the whole call: the caller retries it.
import { createHash } from "node:crypto";
import { z } from "zod";
import { databaseMessage, isDataError, sqlState } from "../errors.ts";
import type { TerminationRecord } from "../tracker/record";
import { quarantineKey, quarantineRecords, type QuarantinedWrite } from "./quarantine.ts";
import type { RawTx, Store } from "./types";

/** Records per statement (~1.5 KB of JSON each). */
export const WRITE_BATCH_SIZE = 1000;

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Normalizes a time to what the database gives back (ms precision, UTC, `Z`). */
function time(v: string | null, field: string, r: TerminationRecord): string | null {
  if (v === null || ISO_MS.test(v)) return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new RecordDataError(`record ${r.cluster}/${r.podUid}: ${field} is not a time: ${JSON.stringify(v)}`);
  return new Date(ms).toISOString();
}

function sortedKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/**
 * The record as one JSON row for the write statement (short keys: a third of the bytes to send
 * and parse), and its content hash. The hash is taken over that same text, so the row is built
 * and serialized once: it holds every value that is stored (times normalized, children in order,
 * workload and revision by id, so a record moved to another workload is a change).
 */
export function prepare(
  r: TerminationRecord,
  ids: { cluster: number; workload: number; revision: number | null },
): { json: string; hash: string } {
  const body = JSON.stringify({
    k: ids.cluster, u: r.podUid, ns: r.namespace, p: r.pod, nd: r.node, w: ids.workload,
    rv: ids.revision, ca: r.cause, o: r.outcome, g: r.gracePeriodSeconds,
    t1: time(r.deleteRequestedAt, "deleteRequestedAt", r), t2: time(r.deadlineAt, "deadlineAt", r),
    t3: time(r.endpointsUnreadyAt, "endpointsUnreadyAt", r), t4: time(r.killingAt, "killingAt", r),
    t5: time(r.exitedAt, "exitedAt", r), t6: time(r.deletedAt, "deletedAt", r),
    d: r.drainSeconds, l: r.endpointLagSeconds, pd: r.preStop.defined, pa: r.preStop.action, pf: r.preStop.failed, ps: r.preStopSleepSeconds,
    sf: r.sidecarExitedFirst, nt: r.notes, tr: r.traffic === null ? null : sortedKeys(r.traffic),
    c: r.containers.map((x, i) => {
      // containerSpecs is built from the same containers, in the same order (lib/tracker/entry.ts).
      const spec = r.containerSpecs[i]?.name === x.name ? r.containerSpecs[i] : r.containerSpecs.find((c) => c.name === x.name);
      return {
        n: x.name, s: x.sidecar, x: x.exitCode, r: x.reason, f: time(x.finishedAt, "containers.finishedAt", r), o: x.outcome,
        im: spec?.image ?? null, cm: spec?.command ?? null, ag: spec?.args ?? null, ss: spec?.stopSignal ?? null,
      };
    }),
    e: r.events.map((x) => ({ r: x.reason, t: x.type, m: x.message, a: time(x.at, "events.at", r), k: x.count })),
  });
  const hash = createHash("sha256").update(body).digest("base64");
  return { json: `${body.slice(0, -1)},"h":"${hash}"}`, hash };
}

/**
 * One statement per batch. $1: a JSON array of prepare() rows, each with its containers (`c`) and
 * events (`e`).
 *   - `x`: each row with the id of the stored termination of its key, if any; a new row gets its
 *     id here from the sequence of the BIGSERIAL id (what its default would take), so its
 *     children need not wait for the insert's RETURNING;
 *   - `ins`: rows with no stored termination: plain INSERT (nothing to conflict with; a concurrent
 *     writer of the same key makes it fail with 23505 and recordTerminations retries);
 *   - `upd`: rows whose content_hash differs from the stored one, updated in place (same row, new
 *     version); identical rows are not written (no new tuple: xmin, updated_at unchanged);
 *   - traffic.requests and traffic.errors5xx are also stored as columns (what the covering indexes
 *     hold); triggers on terminations keep workload_days current (migration workload_days);
 *   - children of new rows are plain inserts; those of updated rows are overwritten in place
 *     (ON CONFLICT) and their surplus is deleted (disjoint ordinals: no row is touched twice).
 * Foreign keys are checked at the end of the statement, when the new terminations exist.
 * A record written leaves quarantine (`q_gone`, by its quarantine key `q`): it is stored now.
 * `vanished` counts changed rows whose stored termination was deleted (or already rewritten) by a
 * concurrent transaction after `x` found it: the call is then retried (see writeBatch).
 */
export const WRITE_SQL = `
WITH x AS MATERIALIZED (
  SELECT x.k AS cluster_id, x.u AS pod_uid, x.ns AS namespace, x.p AS pod, x.nd AS node, x.w AS workload_id,
    x.rv AS revision_id, x.ca AS cause, x.o AS outcome, x.g AS grace,
    x.t1 AS delete_requested_at, x.t2 AS deadline_at, x.t3 AS endpoints_unready_at,
    x.t4 AS killing_at, x.t5 AS exited_at, x.t6 AS deleted_at, x.d AS drain, x.l AS lag,
    x.pd AS ps_defined, x.pa AS ps_action, x.pf AS ps_failed, x.ps AS ps_sleep, x.sf AS sidecar_first,
    x.nt AS notes, x.tr AS traffic, (x.tr->>'requests')::bigint AS requests, (x.tr->>'errors5xx')::bigint AS errors5xx, x.h AS hash, x.q AS qkey, x.c, x.e,
    COALESCE(t.id, nextval('terminations_id_seq')) AS id, t.id IS NULL AS new,
    t.content_hash IS NOT DISTINCT FROM x.h AS same
  FROM json_to_recordset($1::json) AS x(
    k int, u text, ns text, p text, nd text, w int, rv int, ca text, o text, g bigint,
    t1 timestamptz, t2 timestamptz, t3 timestamptz, t4 timestamptz, t5 timestamptz, t6 timestamptz,
    d float8, l float8, pd bool, pa text, pf bool, ps float8, sf bool, nt text[], tr jsonb, h text, q text, c json, e json)
  LEFT JOIN terminations t ON t.cluster_id = x.k AND t.pod_uid = x.u
),
ins AS (
  INSERT INTO terminations (
    id, cluster_id, pod_uid, namespace, pod, node, workload_id, revision_id, cause, outcome,
    grace_period_seconds, delete_requested_at, deadline_at, endpoints_unready_at, killing_at,
    exited_at, deleted_at, drain_seconds, endpoint_lag_seconds, prestop_defined, prestop_action,
    prestop_failed, prestop_sleep_seconds, sidecar_exited_first, notes, traffic, traffic_requests, traffic_errors5xx, content_hash)
  SELECT id, cluster_id, pod_uid, namespace, pod, node, workload_id, revision_id, cause, outcome,
    grace, delete_requested_at, deadline_at, endpoints_unready_at, killing_at,
    exited_at, deleted_at, drain, lag, ps_defined, ps_action, ps_failed, ps_sleep, sidecar_first,
    COALESCE(notes, '{}'), traffic, requests, errors5xx, hash
  FROM x WHERE new
  RETURNING cluster_id, pod_uid
),
upd AS (
  UPDATE terminations t SET
    namespace = x.namespace, pod = x.pod, node = x.node,
    workload_id = x.workload_id, revision_id = x.revision_id,
    cause = x.cause, outcome = x.outcome, grace_period_seconds = x.grace,
    delete_requested_at = x.delete_requested_at, deadline_at = x.deadline_at,
    endpoints_unready_at = x.endpoints_unready_at, killing_at = x.killing_at,
    exited_at = x.exited_at, deleted_at = x.deleted_at,
    drain_seconds = x.drain, endpoint_lag_seconds = x.lag,
    prestop_defined = x.ps_defined, prestop_action = x.ps_action,
    prestop_failed = x.ps_failed, prestop_sleep_seconds = x.ps_sleep, sidecar_exited_first = x.sidecar_first,
    notes = COALESCE(x.notes, '{}'), traffic = x.traffic, traffic_requests = x.requests, traffic_errors5xx = x.errors5xx,
    content_hash = x.hash,
    updated_at = now()
  FROM x
  WHERE NOT x.new AND t.id = x.id AND t.content_hash IS DISTINCT FROM x.hash
  RETURNING t.id, x.c, x.e
),
c_new AS (
  INSERT INTO termination_containers (termination_id, ordinal, name, sidecar, exit_code, reason, finished_at, outcome, image, command, args, stop_signal)
  SELECT x.id, c.i - 1, c.n, c.s, c.x, c.r, c.f, c.o, c.im, c.cm, c.ag, c.ss
  FROM x CROSS JOIN LATERAL ROWS FROM (json_to_recordset(x.c) AS (n text, s bool, x int, r text, f timestamptz, o text, im text, cm jsonb, ag jsonb, ss text))
    WITH ORDINALITY AS c(n, s, x, r, f, o, im, cm, ag, ss, i)
  WHERE x.new
),
e_new AS (
  INSERT INTO termination_events (termination_id, ordinal, reason, type, message, at, count)
  SELECT x.id, e.i - 1, e.r, e.t, e.m, e.a, e.k
  FROM x CROSS JOIN LATERAL ROWS FROM (json_to_recordset(x.e) AS (r text, t text, m text, a timestamptz, k int))
    WITH ORDINALITY AS e(r, t, m, a, k, i)
  WHERE x.new
),
c_upd AS (
  INSERT INTO termination_containers AS tc (termination_id, ordinal, name, sidecar, exit_code, reason, finished_at, outcome, image, command, args, stop_signal)
  SELECT u.id, c.i - 1, c.n, c.s, c.x, c.r, c.f, c.o, c.im, c.cm, c.ag, c.ss
  FROM upd u CROSS JOIN LATERAL ROWS FROM (json_to_recordset(u.c) AS (n text, s bool, x int, r text, f timestamptz, o text, im text, cm jsonb, ag jsonb, ss text))
    WITH ORDINALITY AS c(n, s, x, r, f, o, im, cm, ag, ss, i)
  ON CONFLICT (termination_id, ordinal) DO UPDATE SET
    name = excluded.name, sidecar = excluded.sidecar, exit_code = excluded.exit_code,
    reason = excluded.reason, finished_at = excluded.finished_at, outcome = excluded.outcome,
    image = excluded.image, command = excluded.command, args = excluded.args, stop_signal = excluded.stop_signal
),
e_upd AS (
  INSERT INTO termination_events AS te (termination_id, ordinal, reason, type, message, at, count)
  SELECT u.id, e.i - 1, e.r, e.t, e.m, e.a, e.k
  FROM upd u CROSS JOIN LATERAL ROWS FROM (json_to_recordset(u.e) AS (r text, t text, m text, a timestamptz, k int))
    WITH ORDINALITY AS e(r, t, m, a, k, i)
  ON CONFLICT (termination_id, ordinal) DO UPDATE SET
    reason = excluded.reason, type = excluded.type, message = excluded.message,
    at = excluded.at, count = excluded.count
),
c_gone AS (
  DELETE FROM termination_containers tc USING upd u
  WHERE tc.termination_id = u.id AND tc.ordinal >= json_array_length(u.c)
),
e_gone AS (
  DELETE FROM termination_events te USING upd u
  WHERE te.termination_id = u.id AND te.ordinal >= json_array_length(u.e)
),
q_gone AS (
  DELETE FROM quarantined_records q USING x WHERE q.key = x.qkey
)
SELECT ((SELECT count(*) FROM ins) + (SELECT count(*) FROM upd))::int AS written,
  ((SELECT count(*) FROM x WHERE NOT new AND NOT same) - (SELECT count(*) FROM upd))::int AS vanished,
  (SELECT COALESCE(json_agg(json_build_array(cluster_id, pod_uid)), '[]') FROM ins)::text AS inserted`;

/** A Prisma interactive transaction (or anything that runs raw statements on one connection). */
export type Tx = RawTx;

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
 * later record with the same key wins. One transaction: every record is stored or quarantined, or
 * (the database unreachable) none.
 */
export interface RecordResult {
  /** Rows inserted or changed. */
  written: number;
  /** The records that were new to the database (not stored before): what self-metrics count, so a
   * restart or a replay never counts stored history again. */
  inserted: TerminationRecord[];
  /** Records the database rejected, now in quarantined_records with their error. */
  quarantined: QuarantinedWrite[];
}

export type { QuarantinedWrite } from "./quarantine.ts";

/** Own transaction around recordTerminationsIn, with the id cache of `store` (remembered after commit). */
export async function recordTerminations(store: Store, records: readonly TerminationRecord[]): Promise<RecordResult> {
  if (records.length === 0) return { written: 0, inserted: [], quarantined: [] };
  const unique = dedupe(records);
  try {
    return await writeAll(store, unique);
  } catch (err) {
    // A cached id whose row was deleted meanwhile, or a concurrent writer's insert, that the
    // attempt's own retry (see attempt) met twice: retry the whole transaction once.
    if (isForeignKeyViolation(err) || err instanceof VanishedError) caches.delete(store);
    else if (!isUniqueViolation(err)) throw err;
    return writeAll(store, unique);
  }
}

/**
 * The same inside a transaction the caller opened (its other writes survive: rejected records are
 * isolated under SAVEPOINTs, never by aborting the transaction). Counting what entered quarantine
 * (`quarantined[].entered`) is for after the caller's commit.
 */
export async function recordTerminationsIn(tx: Tx, records: readonly TerminationRecord[]): Promise<RecordResult> {
  if (records.length === 0) return { written: 0, inserted: [], quarantined: [] };
  return writeIn(tx, dedupe(records), emptyCache(), emptyCache());
}

/** One record per key (the last wins), storable. */
function dedupe(records: readonly TerminationRecord[]): TerminationRecord[] {
  const byKey = new Map<string, TerminationRecord>();
  for (const r of records) byKey.set(r.cluster + sep + r.podUid, storable(r));
  return [...byKey.values()];
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
  if (r.containerSpecs.some((c) => has(c.image) || has(c.stopSignal) || [...(c.command ?? []), ...(c.args ?? [])].some(has))) return true;
  return r.events.some((e) => has(e.reason) || has(e.type) || has(e.message));
}

/** A changed record's stored row went away under the write (retried like a foreign key violation). */
class VanishedError extends Error {
  constructor() {
    super("recordTerminations: a stored termination changed or was deleted during the write");
  }
}

/** A record this writer cannot turn into a row (a time that is not one, an identity it cannot store):
 * isolated and quarantined like a record the database rejects. */
class RecordDataError extends Error {
  override readonly name = "RecordDataError";
}

function isForeignKeyViolation(err: unknown): boolean {
  return sqlState(err) === "23503";
}

function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === "23505";
}

/** Worth one more try in the same transaction: a concurrent writer or retention got in between. */
function isRaceError(err: unknown): boolean {
  return isForeignKeyViolation(err) || isUniqueViolation(err) || err instanceof VanishedError;
}

async function writeAll(store: Store, records: TerminationRecord[]): Promise<RecordResult> {
  const cache = cacheOf(store);
  const learned = emptyCache();
  const result = await store.prisma.$transaction((tx) => writeIn(tx, records, cache, learned), { timeout: 600_000, maxWait: 60_000 });
  // Only ids of committed rows are remembered.
  mergeInto(cache, learned);
  return result;
}

function emptyCache(): IdCache {
  return { clusters: new Map(), workloads: new Map(), revisions: new Map() };
}

function mergeInto(to: IdCache, from: IdCache): void {
  for (const k of ["clusters", "workloads", "revisions"] as const) {
    for (const [key, id] of from[k]) to[k].set(key, id);
  }
}

async function writeIn(tx: Tx, records: TerminationRecord[], cache: IdCache, learned: IdCache): Promise<RecordResult> {
  const total: RecordResult = { written: 0, inserted: [], quarantined: [] };
  const rejected: { record: TerminationRecord; error: unknown }[] = [];
  await attempt(tx, records, cache, learned, total, rejected);
  if (rejected.length > 0) {
    total.quarantined = await quarantineRecords(
      tx,
      rejected.map(({ record, error }) => ({ record, error: databaseMessage(error), sqlState: sqlState(error) })),
    );
  }
  return total;
}

const SAVEPOINT = "drainwatch_record_terminations";

/**
 * Writes `records` under a savepoint. A data error rolls back to it and bisects: halves are tried
 * on their own until each offender is alone (then it is rejected); at most 2n − 1 attempts for n
 * records, ~2·log2(n) of them for one offender. A race (unique or foreign-key violation, a row
 * vanished) is retried once with fresh ids. Anything else rolls back to the savepoint and throws.
 */
async function attempt(
  tx: Tx,
  records: TerminationRecord[],
  cache: IdCache,
  learned: IdCache,
  total: RecordResult,
  rejected: { record: TerminationRecord; error: unknown }[],
): Promise<void> {
  for (let race = 0; ; race++) {
    const mine = emptyCache(); // ids learned under this savepoint: kept only if it is released
    await tx.$executeRawUnsafe(`SAVEPOINT ${SAVEPOINT}`);
    try {
      const ids = await resolveIds(tx, records, race === 0 ? cache : emptyCache(), learned, mine);
      const batches: { written: number; inserted: TerminationRecord[] }[] = [];
      for (let i = 0; i < records.length; i += WRITE_BATCH_SIZE) batches.push(await writeBatch(tx, records.slice(i, i + WRITE_BATCH_SIZE), ids));
      await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      for (const b of batches) {
        total.written += b.written;
        total.inserted.push(...b.inserted);
      }
      mergeInto(learned, mine);
      return;
    } catch (err) {
      await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      if (isRaceError(err) && race === 0) {
        if (isForeignKeyViolation(err) || err instanceof VanishedError) {
          for (const m of Object.values(cache)) m.clear();
          for (const m of Object.values(learned)) m.clear();
        }
        continue;
      }
      if (!(isDataError(err) || err instanceof RecordDataError)) throw err;
      if (records.length === 1) {
        rejected.push({ record: records[0]!, error: err });
        return;
      }
      const half = Math.ceil(records.length / 2);
      await attempt(tx, records.slice(0, half), cache, learned, total, rejected);
      await attempt(tx, records.slice(half), cache, learned, total, rejected);
      return;
    }
  }
}

interface Ids {
  cluster(r: TerminationRecord): number;
  workload(r: TerminationRecord): number;
  revision(r: TerminationRecord): number | null;
}

/** Ids from `cache` (committed) or `learned` (this transaction); new ones are put in `mine`. */
async function resolveIds(tx: Tx, records: TerminationRecord[], cache: IdCache, learned: IdCache, mine: IdCache): Promise<Ids> {
  const get = (k: keyof IdCache, key: string) => cache[k].get(key) ?? learned[k].get(key) ?? mine[k].get(key);

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
    for (const row of rows) mine.clusters.set(row.name, Number(row.id));
  }
  const clusterId = (r: TerminationRecord) => {
    const id = get("clusters", r.cluster);
    if (id === undefined) throw new RecordDataError(`cluster ${r.cluster} could not be stored`);
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
    type Row = { id: number; cluster_id: number; namespace: string; kind: string; name: string };
    // As for revisions below: one round trip, a second only for rows a concurrent writer added.
    // The identity is unique on md5(kind), md5(name) (any length fits); lookups name the same
    // expressions so that they use that index, and compare the values themselves too.
    const same = `w.cluster_id = x.cluster_id AND w.namespace = x.namespace AND md5(w.kind) = md5(x.kind) AND md5(w.name) = md5(x.name) AND w.kind = x.kind AND w.name = x.name`;
    let rows = await tx.$queryRawUnsafe<Row[]>(
      `WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS ${cols}),
       ins AS (
         INSERT INTO workloads (cluster_id, namespace, kind, name) SELECT cluster_id, namespace, kind, name FROM x
         ON CONFLICT (cluster_id, namespace, md5(kind), md5(name)) DO NOTHING RETURNING id, cluster_id, namespace, kind, name)
       SELECT * FROM ins
       UNION ALL
       SELECT w.id, w.cluster_id, w.namespace, w.kind, w.name FROM workloads w JOIN x ON ${same}`,
      json,
    );
    if (rows.length < missingW.size) {
      rows = await tx.$queryRawUnsafe<Row[]>(
        `SELECT w.id, w.cluster_id, w.namespace, w.kind, w.name
         FROM workloads w JOIN json_to_recordset($1::json) AS ${cols} ON ${same}`,
        json,
      );
    }
    const clusterName = new Map<number, string>();
    for (const r of records) clusterName.set(clusterId(r), r.cluster);
    for (const row of rows) {
      const key = [clusterName.get(Number(row.cluster_id)), row.namespace, row.kind, row.name].join(sep);
      mine.workloads.set(key, Number(row.id));
    }
  }
  const workloadId = (r: TerminationRecord) => {
    const id = get("workloads", workloadKey(r));
    if (id === undefined) throw new RecordDataError(`workload ${r.workload.kind}/${r.workload.name} could not be stored`);
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
    const cols = `x(workload_id int, revision text, key text)`;
    const same = `r.workload_id = x.workload_id AND md5(r.revision) = md5(x.revision) AND r.revision = x.revision`;
    // New rows come from RETURNING, existing ones from the statement's snapshot; a row committed
    // by a concurrent writer after that snapshot is in neither: looked up again below.
    let rows = await tx.$queryRawUnsafe<{ id: number; key: string }[]>(
      `WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS ${cols}),
       ins AS (
         INSERT INTO revisions (workload_id, revision) SELECT workload_id, revision FROM x
         ON CONFLICT (workload_id, md5(revision)) DO NOTHING RETURNING id, workload_id, revision)
       SELECT ins.id, x.key FROM ins JOIN x USING (workload_id, revision)
       UNION ALL
       SELECT r.id, x.key FROM revisions r JOIN x ON ${same}`,
      json,
    );
    if (rows.length < missingR.size) {
      rows = await tx.$queryRawUnsafe<{ id: number; key: string }[]>(
        `SELECT r.id, x.key FROM revisions r JOIN json_to_recordset($1::json) AS ${cols} ON ${same}`,
        json,
      );
    }
    for (const row of rows) mine.revisions.set(row.key, Number(row.id));
  }
  const revisionId = (r: TerminationRecord) => {
    const key = revisionKey(r);
    if (key === null) return null;
    const id = get("revisions", key);
    if (id === undefined) throw new RecordDataError(`revision ${r.revision} of ${r.workload.kind}/${r.workload.name} could not be stored`);
    return id;
  };
  return { cluster: clusterId, workload: workloadId, revision: revisionId };
}

const insertedRows = z.array(z.tuple([z.number(), z.string()]));

/** Writes one batch; returns how many rows were written and the records that were new (inserted). */
async function writeBatch(tx: Tx, records: TerminationRecord[], ids: Ids): Promise<{ written: number; inserted: TerminationRecord[] }> {
  const parts: string[] = [];
  const byKey = new Map<string, TerminationRecord>();
  for (const r of records) {
    const cluster = ids.cluster(r);
    byKey.set(`${cluster}${sep}${r.podUid}`, r);
    const { json } = prepare(r, { cluster, workload: ids.workload(r), revision: ids.revision(r) });
    parts.push(`${json.slice(0, -1)},"q":"${quarantineKey(r)}"}`);
  }
  const [row] = await tx.$queryRawUnsafe<{ written: number; vanished: number; inserted: string }[]>(WRITE_SQL, `[${parts.join(",")}]`);
  if (Number(row?.vanished ?? 0) > 0) throw new VanishedError();
  const inserted = insertedRows.parse(JSON.parse(row?.inserted ?? "[]")).map(([cluster, podUid]) => byKey.get(`${cluster}${sep}${podUid}`)!);
  return { written: Number(row?.written ?? 0), inserted };
}
