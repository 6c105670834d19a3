// Reading termination records back, exactly as they were written (contract section 3 JSON).
// The record is assembled by Postgres (json_build_object) so that times come back as RFC 3339
// millisecond strings, containers/events in their original order, in one round trip.
import { AppError } from "../errors.ts";
import { terminationRecordSchema, type Cause, type Outcome, type TerminationRecord } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import type { Store } from "./types.ts";

export interface TerminationFilter {
  cluster?: string;
  namespace?: string;
  /** `{kind?, name}`, or a string: `"Kind/name"` (as the UI labels workloads) or just `"name"`. */
  workload?: { kind?: string; name: string } | string;
  /** One outcome or any of several. */
  outcome?: Outcome | readonly Outcome[];
  /** One cause or any of several. */
  cause?: Cause | readonly Cause[];
  /** deleteRequestedAt >= since (records with an unknown deleteRequestedAt are then excluded). */
  since?: Date;
  /** deleteRequestedAt < until. */
  until?: Date;
}

export interface FindTerminationsQuery extends TerminationFilter {
  /** Page size: default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface TerminationPage {
  items: TerminationRecord[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** A 400 naming the parameter (a cursor this store did not hand out, a bad limit or date). */
function invalid(parameter: string, message: string): AppError {
  return new AppError("bad_request", `invalid query parameter "${parameter}": ${message}`, { parameter });
}

const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

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
  'notes', COALESCE(to_json(t.notes), '[]'::json)
)::text`;

export const FROM = `FROM terminations t
  JOIN clusters c ON c.id = t.cluster_id
  JOIN workloads w ON w.id = t.workload_id
  LEFT JOIN revisions r ON r.id = t.revision_id`;

class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function whereClauses(f: TerminationFilter, p: Params): string[] {
  const where: string[] = [];
  if (f.cluster !== undefined) where.push(`c.name = ${p.add(f.cluster)}`);
  if (f.namespace !== undefined) where.push(`t.namespace = ${p.add(f.namespace)}`);
  if (f.workload !== undefined) {
    const wl = parseWorkload(f.workload);
    where.push(`w.name = ${p.add(wl.name)}`);
    if (wl.kind !== undefined) where.push(`w.kind = ${p.add(wl.kind)}`);
  }
  if (f.outcome !== undefined) where.push(`t.outcome = ANY(${p.add(asList(f.outcome))}::text[])`);
  if (f.cause !== undefined) where.push(`t.cause = ANY(${p.add(asList(f.cause))}::text[])`);
  if (f.since !== undefined) where.push(`t.delete_requested_at >= ${p.add(isoDate(f.since, "since"))}::timestamptz`);
  if (f.until !== undefined) where.push(`t.delete_requested_at < ${p.add(isoDate(f.until, "until"))}::timestamptz`);
  return where;
}

function asList<T extends string>(v: T | readonly T[]): T[] {
  return typeof v === "string" ? [v] : [...v];
}

function parseWorkload(w: NonNullable<TerminationFilter["workload"]>): { kind?: string; name: string } {
  if (typeof w !== "string") return w;
  const slash = w.indexOf("/");
  return slash < 0 ? { name: w } : { kind: w.slice(0, slash), name: w.slice(slash + 1) };
}

function isoDate(d: Date, parameter: string): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(parameter, "not a valid date");
  return d.toISOString();
}

type Cursor = [deleteRequestedAt: string | null, podUid: string, id: string];

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      (v[0] === null || (typeof v[0] === "string" && !Number.isNaN(Date.parse(v[0])))) &&
      typeof v[1] === "string" &&
      typeof v[2] === "string" &&
      /^[0-9]{1,19}$/.test(v[2])
    ) {
      return v as Cursor;
    }
  } catch {
    // fall through
  }
  throw invalid("cursor", "not a cursor this server handed out");
}

/**
 * Newest first: deleteRequestedAt descending (unknown last), then podUid, then insertion order
 * (same podUid in two clusters). Keyset pagination: pass `nextCursor` back as `cursor`.
 */
export async function findTerminations(query: FindTerminationsQuery = {}, store?: Store): Promise<TerminationPage> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw invalid("limit", "must be a positive integer");
  const pageSize = Math.min(limit, MAX_LIMIT);
  const p = new Params();
  const where = whereClauses(query, p);
  if (query.cursor !== undefined && query.cursor !== "") {
    const [d, podUid, id] = decodeCursor(query.cursor);
    const pu = p.add(podUid);
    const ci = p.add(id);
    const after = `(t.pod_uid > ${pu} OR (t.pod_uid = ${pu} AND t.id > ${ci}::bigint))`;
    if (d === null) {
      where.push(`(t.delete_requested_at IS NULL AND ${after})`);
    } else {
      const cd = p.add(d);
      where.push(
        `(t.delete_requested_at < ${cd}::timestamptz OR t.delete_requested_at IS NULL OR (t.delete_requested_at = ${cd}::timestamptz AND ${after}))`,
      );
    }
  }
  const sql = `SELECT ${RECORD_JSON} AS rec, t.id::text AS id, ${ts("t.delete_requested_at")} AS d
  ${FROM}
  ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
  ORDER BY t.delete_requested_at DESC NULLS LAST, t.pod_uid, t.id
  LIMIT ${pageSize + 1}`;
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ rec: string; id: string; d: string | null }[]>(sql, ...p.values);
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const items = page.map((r) => parseRecord(r.rec));
  const lastItem = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > pageSize && last && lastItem ? encodeCursor([last.d, lastItem.podUid, last.id]) : null,
  };
}

/** One record by pod UID; with several clusters holding that UID and no `cluster`, the newest. */
export async function getTermination(podUid: string, cluster?: string, store?: Store): Promise<TerminationRecord | null> {
  const p = new Params();
  const where = [`t.pod_uid = ${p.add(podUid)}`];
  if (cluster !== undefined) where.push(`c.name = ${p.add(cluster)}`);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ rec: string }[]>(
    `SELECT ${RECORD_JSON} AS rec ${FROM} WHERE ${where.join(" AND ")}
     ORDER BY t.delete_requested_at DESC NULLS LAST, t.id LIMIT 1`,
    ...p.values,
  );
  const row = rows[0];
  return row ? parseRecord(row.rec) : null;
}

/** Number of stored records (matching `filter`, if given). */
export async function countTerminations(filter: TerminationFilter = {}, store?: Store): Promise<number> {
  const p = new Params();
  const where = whereClauses(filter, p);
  const needsJoin = filter.cluster !== undefined || filter.workload !== undefined;
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>(
    `SELECT count(*)::int AS n ${needsJoin ? FROM : "FROM terminations t"} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`,
    ...p.values,
  );
  return Number(rows[0]?.n ?? 0);
}

/** A stored record, checked against the record schema (a row that no longer fits is a bug to see, not to cast away). */
export function parseRecord(json: string): TerminationRecord {
  return terminationRecordSchema.parse(JSON.parse(json));
}
