// Reading termination records back, exactly as they were written (contract section 3 JSON).
// The record is assembled by Postgres (json_build_object) so that times come back as RFC 3339
// millisecond strings, containers/events in their original order, in one round trip.
import { z } from "zod";
import { terminationRecordSchema, type Cause, type Outcome, type TerminationRecord } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import { Params, asList, checkRange, invalid, isoDate, ts, where } from "./sql.ts";
import type { Store } from "./types.ts";

export interface TerminationFilter {
  cluster?: string;
  namespace?: string;
  /** Workload kind (`Deployment`, `StatefulSet`, `Pod` for a bare pod, …). */
  kind?: string;
  /** Workload name; or `{kind?, name}`, or `"Kind/name"` (as the UI labels workloads). */
  workload?: { kind?: string; name: string } | string;
  /** One outcome or any of several. */
  outcome?: Outcome | readonly Outcome[];
  /** One cause or any of several. */
  cause?: Cause | readonly Cause[];
  /** deleteRequestedAt >= since (records with an unknown deleteRequestedAt are then excluded). */
  since?: Date;
  /** deleteRequestedAt <= until (inclusive, as `since`). */
  until?: Date;
}

export interface FindTerminationsQuery extends TerminationFilter {
  /** Page size: 1–1000, default 100. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface TerminationPage {
  items: TerminationRecord[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export const RECORD_JSON = `json_build_object(
  'podUid', t.pod_uid,
  'cluster', c.name,
  'namespace', t.namespace,
  'pod', t.pod,
  'node', t.node,
  'workload', json_build_object('kind', w.kind, 'name', w.name),
  'revision', r.revision,
  'cause', t.cause,
  'outcome', t.outcome,
  'gracePeriodSeconds', t.grace_period_seconds,
  'deleteRequestedAt', ${ts("t.delete_requested_at")},
  'deadlineAt', ${ts("t.deadline_at")},
  'endpointsUnreadyAt', ${ts("t.endpoints_unready_at")},
  'killingAt', ${ts("t.killing_at")},
  'exitedAt', ${ts("t.exited_at")},
  'deletedAt', ${ts("t.deleted_at")},
  'drainSeconds', t.drain_seconds,
  'endpointLagSeconds', t.endpoint_lag_seconds,
  'preStop', json_build_object('defined', t.prestop_defined, 'action', t.prestop_action, 'failed', t.prestop_failed),
  'sidecarExitedFirst', t.sidecar_exited_first,
  'containers', COALESCE((
    SELECT json_agg(json_build_object(
      'name', x.name, 'sidecar', x.sidecar, 'exitCode', x.exit_code, 'reason', x.reason,
      'finishedAt', ${ts("x.finished_at")}, 'outcome', x.outcome) ORDER BY x.ordinal)
    FROM termination_containers x WHERE x.termination_id = t.id), '[]'::json),
  'events', COALESCE((
    SELECT json_agg(json_build_object(
      'reason', x.reason, 'type', x.type, 'message', x.message,
      'at', ${ts("x.at")}, 'count', x.count) ORDER BY x.ordinal)
    FROM termination_events x WHERE x.termination_id = t.id), '[]'::json),
  'traffic', t.traffic,
  'notes', COALESCE(to_json(t.notes), '[]'::json),
  'preStopSleepSeconds', t.prestop_sleep_seconds,
  'containerSpecs', COALESCE((
    SELECT json_agg(json_build_object(
      'name', x.name, 'image', x.image, 'command', x.command, 'args', x.args, 'stopSignal', x.stop_signal) ORDER BY x.ordinal)
    FROM termination_containers x WHERE x.termination_id = t.id
      AND (x.image IS NOT NULL OR x.command IS NOT NULL OR x.args IS NOT NULL OR x.stop_signal IS NOT NULL)), '[]'::json)
)::text`;

export const FROM = `FROM terminations t
  JOIN clusters c ON c.id = t.cluster_id
  JOIN workloads w ON w.id = t.workload_id
  LEFT JOIN revisions r ON r.id = t.revision_id`;

/**
 * The list order of contract section 4: deleteRequestedAt descending (unknown last), then pod
 * ascending (bytewise, so every client sorts names the same way), then podUid, then insertion
 * order (the same podUid in two clusters).
 */
export const LIST_ORDER = `t.delete_requested_at DESC NULLS LAST, t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id`;

export function whereClauses(f: TerminationFilter, p: Params): string[] {
  checkRange(f);
  const out: string[] = [];
  if (f.cluster !== undefined) out.push(`t.cluster_id = (SELECT id FROM clusters WHERE name = ${p.add(f.cluster)})`);
  if (f.namespace !== undefined) out.push(`t.namespace = ${p.add(f.namespace)}`);
  const wl = f.workload === undefined ? undefined : parseWorkload(f.workload);
  const kind = f.kind ?? wl?.kind;
  if (wl !== undefined || kind !== undefined) {
    const w: string[] = [];
    if (wl !== undefined) w.push(`name = ${p.add(wl.name)}`);
    if (kind !== undefined) w.push(`kind = ${p.add(kind)}`);
    if (wl?.kind !== undefined && f.kind !== undefined && wl.kind !== f.kind) w.push("false");
    out.push(`t.workload_id IN (SELECT id FROM workloads WHERE ${w.join(" AND ")})`);
  }
  if (f.outcome !== undefined) out.push(`t.outcome = ANY(${p.add(asList(f.outcome))}::text[])`);
  if (f.cause !== undefined) out.push(`t.cause = ANY(${p.add(asList(f.cause))}::text[])`);
  if (f.since !== undefined) out.push(`t.delete_requested_at >= ${p.add(isoDate(f.since, "since"))}::timestamptz`);
  if (f.until !== undefined) out.push(`t.delete_requested_at <= ${p.add(isoDate(f.until, "until"))}::timestamptz`);
  return out;
}

function parseWorkload(w: NonNullable<TerminationFilter["workload"]>): { kind?: string; name: string } {
  if (typeof w !== "string") return w;
  const slash = w.indexOf("/");
  return slash < 0 ? { name: w } : { kind: w.slice(0, slash), name: w.slice(slash + 1) };
}

/** Where the previous page ended: its last row's sort key. */
const cursorSchema = z.tuple([
  z.iso.datetime({ offset: true }).nullable(),
  z.string(),
  z.string(),
  z.string().regex(/^[0-9]{1,19}$/),
]);
type Cursor = z.infer<typeof cursorSchema>;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}

function decodeCursor(s: string): Cursor {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  throw invalid("cursor", "not a cursor this server handed out");
}

/** The page size a query asks for, checked (1–1000, default 100). */
export function pageSize(limit: number | undefined): number {
  const n = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

/**
 * Newest first (LIST_ORDER). Keyset pagination: pass `nextCursor` back as `cursor`. The cursor is
 * the last row's sort key, not an offset, so records written while a client pages (new ones, or
 * enriched ones rewritten in place) neither repeat nor push others out: every record that matched
 * when the walk began is yielded exactly once; new ones appear when they sort after the cursor.
 */
export async function findTerminations(query: FindTerminationsQuery = {}, store?: Store): Promise<TerminationPage> {
  const size = pageSize(query.limit);
  const rows = await findRows(query, size + 1, query.cursor, store);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => parseRecord(r.rec)),
    nextCursor: rows.length > size && last ? encodeCursor([last.d, last.pod, last.uid, last.id]) : null,
  };
}

interface ListRow {
  rec: string;
  id: string;
  d: string | null;
  pod: string;
  uid: string;
}

/**
 * One page in LIST_ORDER, read in two parts: records with a request time (newest first, served by
 * the `(…, delete_requested_at DESC, …)` indexes: Postgres orders those NULLS FIRST, so the list's
 * NULLS LAST cannot come from them in one scan), then, only when the page is not full yet and no
 * time bound excludes them, the records without one. Each part picks its rows on `terminations`
 * alone and builds the JSON for those rows only.
 */
async function findRows(filter: TerminationFilter, limit: number, cursor: string | undefined, store?: Store): Promise<ListRow[]> {
  const after = cursor !== undefined && cursor !== "" ? decodeCursor(cursor) : null;
  const db = await getStore(store);
  const rows: ListRow[] = [];
  if (after === null || after[0] !== null) rows.push(...(await pagePart(db, filter, limit, after, false)));
  if (rows.length < limit && filter.since === undefined && filter.until === undefined) {
    rows.push(...(await pagePart(db, filter, limit - rows.length, after?.[0] === null ? after : null, true)));
  }
  return rows;
}

async function pagePart(db: Store, filter: TerminationFilter, limit: number, after: Cursor | null, unknownTime: boolean): Promise<ListRow[]> {
  const p = new Params();
  const clauses = whereClauses(filter, p);
  clauses.push(`t.delete_requested_at IS ${unknownTime ? "" : "NOT "}NULL`);
  if (after !== null) {
    const [d, pod, uid, id] = after;
    const tie = `(t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id) > (${p.add(pod)} COLLATE "C", ${p.add(uid)} COLLATE "C", ${p.add(id)}::bigint)`;
    if (d === null) {
      clauses.push(tie);
    } else {
      const cd = p.add(d);
      // The first conjunct bounds the index scan; the second skips the rows already returned.
      clauses.push(`t.delete_requested_at <= ${cd}::timestamptz`, `(t.delete_requested_at < ${cd}::timestamptz OR ${tie})`);
    }
  }
  const order = `${unknownTime ? "" : "t.delete_requested_at DESC, "}t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id`;
  return db.prisma.$queryRawUnsafe<ListRow[]>(
    `WITH page AS MATERIALIZED (SELECT t.id FROM terminations t ${where(clauses)} ORDER BY ${order} LIMIT ${limit})
     SELECT ${RECORD_JSON} AS rec, t.id::text AS id, ${ts("t.delete_requested_at")} AS d, t.pod, t.pod_uid AS uid
     FROM page JOIN terminations t ON t.id = page.id
       JOIN clusters c ON c.id = t.cluster_id
       JOIN workloads w ON w.id = t.workload_id
       LEFT JOIN revisions r ON r.id = t.revision_id
     ORDER BY ${order}`,
    ...p.values,
  );
}

/**
 * Every matching record in list order, read in pages of `pageSize` (for CSV export: memory stays
 * one page however many records match).
 */
export async function* streamTerminations(filter: TerminationFilter = {}, store?: Store, batch = 500): AsyncGenerator<TerminationRecord> {
  let cursor: string | undefined;
  for (;;) {
    const rows = await findRows(filter, batch, cursor, store);
    for (const r of rows) yield parseRecord(r.rec);
    const last = rows[rows.length - 1];
    if (rows.length < batch || !last) return;
    cursor = encodeCursor([last.d, last.pod, last.uid, last.id]);
  }
}

/**
 * One record by pod UID. `cluster` is needed only when the UID is stored for several clusters:
 * then without it, a 400 naming `cluster` (contract section 4).
 */
export async function getTermination(podUid: string, cluster?: string, store?: Store): Promise<TerminationRecord | null> {
  const p = new Params();
  const clauses = [`t.pod_uid = ${p.add(podUid)}`];
  if (cluster !== undefined) clauses.push(`c.name = ${p.add(cluster)}`);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ rec: string; cluster: string }[]>(
    `SELECT ${RECORD_JSON} AS rec, c.name AS cluster ${FROM} ${where(clauses)} ORDER BY c.name LIMIT 2`,
    ...p.values,
  );
  if (rows.length > 1) {
    throw invalid("cluster", `pod UID ${podUid} is stored for several clusters (${rows.map((r) => r.cluster).join(", ")}); name one`);
  }
  const row = rows[0];
  return row ? parseRecord(row.rec) : null;
}

/** Number of stored records (matching `filter`, if given). */
export async function countTerminations(filter: TerminationFilter = {}, store?: Store): Promise<number> {
  const p = new Params();
  const clauses = whereClauses(filter, p);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>(
    `SELECT count(*)::int AS n FROM terminations t ${where(clauses)}`,
    ...p.values,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Terminations of the same rollout as `record`: same cluster, workload, revision and cause, asked
 * for within an hour of it (a rollout replaces a revision's pods in one stretch), itself excluded;
 * oldest first, at most `limit`.
 */
export async function findSiblingTerminations(
  record: Pick<TerminationRecord, "cluster" | "namespace" | "workload" | "revision" | "cause" | "deleteRequestedAt" | "podUid">,
  store?: Store,
  limit = 100,
): Promise<TerminationRecord[]> {
  if (record.deleteRequestedAt === null) return [];
  const p = new Params();
  const at = p.add(record.deleteRequestedAt);
  const clauses = [
    `c.name = ${p.add(record.cluster)}`,
    `w.namespace = ${p.add(record.namespace)}`,
    `w.kind = ${p.add(record.workload.kind)}`,
    `w.name = ${p.add(record.workload.name)}`,
    record.revision === null ? "t.revision_id IS NULL" : `r.revision = ${p.add(record.revision)}`,
    `t.cause = ${p.add(record.cause)}`,
    `t.delete_requested_at BETWEEN ${at}::timestamptz - interval '1 hour' AND ${at}::timestamptz + interval '1 hour'`,
    `t.pod_uid <> ${p.add(record.podUid)}`,
  ];
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ rec: string }[]>(
    `SELECT ${RECORD_JSON} AS rec ${FROM} ${where(clauses)}
     ORDER BY t.delete_requested_at, t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id LIMIT ${Math.max(1, Math.floor(limit))}`,
    ...p.values,
  );
  return rows.map((r) => parseRecord(r.rec));
}

/** A stored record, checked against the record schema (a row that no longer fits is a bug to see, not to cast away). */
export function parseRecord(json: string): TerminationRecord {
  return terminationRecordSchema.parse(JSON.parse(json));
}
