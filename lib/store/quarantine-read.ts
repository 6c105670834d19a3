// Reading the quarantine (records the database rejected, see quarantine.ts): the API's
// `GET /api/v1/quarantine` and the `/quarantine` page.
import { z } from "zod";
import { getStore } from "./db.ts";
import { pageSize } from "./read.ts";
import { Params, checkRange, invalid, isoDate, ts, where } from "./sql.ts";
import type { Store } from "./types.ts";

export interface QuarantineFilter {
  cluster?: string;
  namespace?: string;
  /** lastSeenAt >= since: when the writer last tried to store the record. */
  since?: Date;
  /** lastSeenAt <= until (inclusive). */
  until?: Date;
}

export interface FindQuarantineQuery extends QuarantineFilter {
  /** Page size: 1–1000, default 100. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface QuarantinedRecord {
  cluster: string;
  podUid: string;
  namespace: string;
  pod: string;
  workload: { kind: string; name: string };
  error: string;
  sqlState: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  attempts: number;
  /** The record as the writer sent it (JSON), or null if its text is not JSON. */
  record: unknown;
}

export interface QuarantinePage {
  items: QuarantinedRecord[];
  nextCursor: string | null;
}

const rowSchema = z.object({
  key: z.string(),
  cluster: z.string(),
  podUid: z.string(),
  namespace: z.string(),
  pod: z.string(),
  workload: z.object({ kind: z.string(), name: z.string() }),
  error: z.string(),
  sqlState: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  attempts: z.number().int(),
  record: z.string(),
});

const cursorSchema = z.tuple([z.iso.datetime({ offset: true }), z.string().regex(/^[0-9a-f]{32}$/)]);

function quarantineClauses(f: QuarantineFilter, p: Params): string[] {
  checkRange(f);
  const out: string[] = [];
  if (f.cluster !== undefined) out.push(`q.cluster = ${p.add(f.cluster)}`);
  if (f.namespace !== undefined) out.push(`q.namespace = ${p.add(f.namespace)}`);
  if (f.since !== undefined) out.push(`q.last_seen_at >= ${p.add(isoDate(f.since, "since"))}::timestamptz`);
  if (f.until !== undefined) out.push(`q.last_seen_at <= ${p.add(isoDate(f.until, "until"))}::timestamptz`);
  return out;
}

/** Newest rejection first (lastSeenAt descending, then key); keyset pagination like findTerminations. */
export async function findQuarantinedRecords(query: FindQuarantineQuery = {}, store?: Store): Promise<QuarantinePage> {
  const size = pageSize(query.limit);
  const p = new Params();
  const clauses = quarantineClauses(query, p);
  if (query.cursor !== undefined && query.cursor !== "") {
    const [at, key] = decodeCursor(query.cursor);
    clauses.push(`(q.last_seen_at, q.key) < (${p.add(at)}::timestamptz, ${p.add(key)})`);
  }
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `SELECT json_build_object('key', q.key, 'cluster', q.cluster, 'podUid', q.pod_uid, 'namespace', q.namespace, 'pod', q.pod,
       'workload', json_build_object('kind', q.workload_kind, 'name', q.workload_name), 'error', q.error, 'sqlState', q.sql_state,
       'firstSeenAt', ${ts("q.first_seen_at")}, 'lastSeenAt', ${ts("q.last_seen_at")}, 'attempts', q.attempts, 'record', q.record)::text AS j
     FROM quarantined_records q ${where(clauses)}
     ORDER BY q.last_seen_at DESC, q.key DESC LIMIT ${size + 1}`,
    ...p.values,
  );
  const parsed = rows.map((r) => rowSchema.parse(JSON.parse(r.j)));
  const page = parsed.slice(0, size);
  const last = page[page.length - 1];
  return {
    items: page.map(({ key: _key, record, ...rest }) => ({ ...rest, record: parseJson(record) })),
    nextCursor: parsed.length > size && last ? Buffer.from(JSON.stringify([last.lastSeenAt, last.key]), "utf8").toString("base64url") : null,
  };
}

/** How many records are in quarantine (matching `filter`). */
export async function countQuarantinedRecords(filter: QuarantineFilter = {}, store?: Store): Promise<number> {
  const p = new Params();
  const clauses = quarantineClauses(filter, p);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM quarantined_records q ${where(clauses)}`, ...p.values);
  return Number(rows[0]?.n ?? 0);
}

function decodeCursor(s: string): [string, string] {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  throw invalid("cursor", "not a cursor this server handed out");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
