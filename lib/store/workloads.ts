// Per-workload aggregates (contract section 4 summaries) and what the overview and workload pages
// draw: trends, revisions, drain histogram, outcomes over time, 5xx over time, endpoint lag.
// Aggregation happens in Postgres (percentiles are its own percentile_cont, which the contract
// names); each statement returns JSON that is parsed here with zod, never cast.
import { z } from "zod";
import { recommend, type Recommendation } from "../recommend/index.ts";
import { CAUSES, OUTCOMES, causeSchema, type Cause, type Outcome } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import { findTerminations, whereClauses } from "./read.ts";
import { Params, asList, invalid, isoDate, ts, where } from "./sql.ts";
import type { Store } from "./types.ts";

export interface WorkloadKey {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

/** A time range on deleteRequestedAt, both ends inclusive; an open end is unbounded. */
export interface TimeRange {
  since?: Date;
  until?: Date;
}

export interface WorkloadFilter extends TimeRange {
  cluster?: string;
  namespace?: string;
  /** Only workloads with at least one termination of these outcomes in range (their summaries still count every outcome). */
  outcome?: Outcome | readonly Outcome[];
}

export type OutcomeCounts = Record<Outcome, number>;
export type CauseCounts = Partial<Record<Cause, number>>;

export interface WorkloadSummary extends WorkloadKey {
  terminations: number;
  outcomes: OutcomeCounts;
  /** Only causes seen. */
  causes: CauseCounts;
  drainSeconds: { p50: number; p95: number; max: number } | null;
  /** Of the newest termination (the first in list order). */
  gracePeriodSeconds: number | null;
  endpointLagSeconds: { p50: number; p95: number } | null;
  /** Sums over records with traffic; null when none has. */
  requests: number | null;
  errors5xx: number | null;
  /** The newest deleteRequestedAt; null only when no termination in range has one (all-time ranges). */
  lastTerminationAt: string | null;
}

export interface RevisionSummary {
  revision: string | null;
  terminations: number;
  outcomes: OutcomeCounts;
  errors5xx: number | null;
  firstAt: string | null;
  lastAt: string | null;
}

export interface WorkloadDetail extends WorkloadSummary {
  /** By lastAt descending. */
  revisions: RevisionSummary[];
  recommendations: Recommendation[];
}

export interface WorkloadTrend extends WorkloadKey {
  /** Terminations per bucket, oldest bucket first. */
  terminations: number[];
  /** sigkill + oom + error per bucket. */
  failed: number[];
}

export interface WorkloadTrends {
  since: string;
  until: string;
  bucketSeconds: number;
  items: WorkloadTrend[];
}

// ---- JSON the statements return -------------------------------------------------------------

const outcomeCountsSchema = z.object(Object.fromEntries(OUTCOMES.map((o) => [o, z.number().int()])) as Record<Outcome, z.ZodNumber>);
const causeCountsSchema = z.partialRecord(causeSchema, z.number().int());
const time = z.string().nullable();

const summarySchema = z.object({
  cluster: z.string(),
  namespace: z.string(),
  kind: z.string(),
  name: z.string(),
  terminations: z.number().int(),
  outcomes: outcomeCountsSchema,
  causes: causeCountsSchema,
  drainSeconds: z.object({ p50: z.number(), p95: z.number(), max: z.number() }).nullable(),
  gracePeriodSeconds: z.number().int().nullable(),
  endpointLagSeconds: z.object({ p50: z.number(), p95: z.number() }).nullable(),
  requests: z.number().nullable(),
  errors5xx: z.number().nullable(),
  lastTerminationAt: time,
});

const revisionSchema = z.object({
  revision: z.string().nullable(),
  terminations: z.number().int(),
  outcomes: outcomeCountsSchema,
  errors5xx: z.number().nullable(),
  firstAt: time,
  lastAt: time,
});

const jsonRows = <T extends z.ZodType>(schema: T, rows: readonly { j: string }[]): z.infer<T>[] =>
  rows.map((r) => schema.parse(JSON.parse(r.j)));

// ---- SQL pieces -------------------------------------------------------------------------------

const outcomeCountsSql = (col = "t.outcome") =>
  `json_build_object(${OUTCOMES.map((o) => `'${o}', count(*) FILTER (WHERE ${col} = '${o}')`).join(", ")})`;
const causeCountsSql = `json_strip_nulls(json_build_object(${CAUSES.map((c) => `'${c}', NULLIF(count(*) FILTER (WHERE t.cause = '${c}'), 0)`).join(", ")}))`;
const sumTraffic = (field: string) => `sum((t.traffic->>'${field}')::bigint)::float8`;

/** The summary's aggregates over `t` (one group), without the workload key. */
const SUMMARY_AGGREGATES = `
  'terminations', count(*),
  'outcomes', ${outcomeCountsSql()},
  'causes', ${causeCountsSql},
  'drainSeconds', CASE WHEN count(t.drain_seconds) = 0 THEN NULL ELSE json_build_object(
    'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY t.drain_seconds),
    'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY t.drain_seconds),
    'max', max(t.drain_seconds)) END,
  'endpointLagSeconds', CASE WHEN count(t.endpoint_lag_seconds) = 0 THEN NULL ELSE json_build_object(
    'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds),
    'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds)) END,
  'requests', ${sumTraffic("requests")},
  'errors5xx', ${sumTraffic("errors5xx")},
  'lastTerminationAt', ${ts("max(t.delete_requested_at)")}`;

const FAILED = `t.outcome IN ('sigkill', 'oom', 'error')`;

/**
 * The grace period of a workload's newest termination in list order (request time descending,
 * unknown last, then pod, podUid): two index-ordered probes instead of sorting its terminations.
 * `clauses` restrict `t` as the summary's own rows are restricted.
 */
function newestGraceSql(workloadId: string, clauses: readonly string[]): string {
  const scope = [`t.workload_id = ${workloadId}`, ...clauses];
  return `(SELECT g FROM (
      (SELECT 0 AS k, t.grace_period_seconds AS g FROM terminations t ${where([...scope, "t.delete_requested_at IS NOT NULL"])}
       ORDER BY t.delete_requested_at DESC, t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id LIMIT 1)
      UNION ALL
      (SELECT 1, t.grace_period_seconds FROM terminations t ${where([...scope, "t.delete_requested_at IS NULL"])}
       ORDER BY t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id LIMIT 1)) x ORDER BY k LIMIT 1)`;
}

/** One workload's terminations in range. Parameters are added first, one per clause. */
export function workloadClauses(id: number, range: TimeRange, p: Params): string[] {
  return [`t.workload_id = ${p.add(id)}`, ...whereClauses({ since: range.since, until: range.until }, p)];
}

function filterClauses(filter: WorkloadFilter, p: Params): string[] {
  // The outcome filter selects workloads (HAVING), not records.
  return whereClauses({ cluster: filter.cluster, namespace: filter.namespace, since: filter.since, until: filter.until }, p);
}

const ORDER_SUMMARIES = (s: string) =>
  `(${s}->>'terminations')::int DESC, ${s}->>'lastTerminationAt' DESC NULLS LAST, ${s}->>'cluster', ${s}->>'namespace', ${s}->>'kind', ${s}->>'name'`;

/**
 * One summary per workload with terminations in range: most terminations first, then
 * lastTerminationAt descending. No default range here: the API's 7 days live in lib/api.
 */
export async function findWorkloadSummaries(filter: WorkloadFilter = {}, store?: Store): Promise<WorkloadSummary[]> {
  const p = new Params();
  const clauses = filterClauses(filter, p);
  const having = filter.outcome === undefined ? "" : `HAVING count(*) FILTER (WHERE t.outcome = ANY(${p.add(asList(filter.outcome))}::text[])) > 0`;
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `WITH s AS (
       SELECT t.workload_id, json_build_object(${SUMMARY_AGGREGATES})::jsonb AS a
       FROM terminations t ${where(clauses)} GROUP BY t.workload_id ${having})
     SELECT j::text AS j FROM (
       SELECT jsonb_build_object('cluster', c.name, 'namespace', w.namespace, 'kind', w.kind, 'name', w.name,
         'gracePeriodSeconds', ${newestGraceSql("s.workload_id", clauses)}) || s.a AS j
       FROM s JOIN workloads w ON w.id = s.workload_id JOIN clusters c ON c.id = w.cluster_id) x
     ORDER BY ${ORDER_SUMMARIES("j")}`,
    ...p.values,
  );
  return jsonRows(summarySchema, rows);
}

/**
 * Per workload with terminations in [since, until]: terminations and failed shutdowns
 * (sigkill + oom + error) in `buckets` equal buckets (the overview's sparklines).
 */
export async function findWorkloadTrends(
  filter: WorkloadFilter & { since: Date; until: Date },
  buckets = 24,
  store?: Store,
): Promise<WorkloadTrends> {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 500) throw invalid("buckets", "must be an integer from 1 to 500");
  const since = isoDate(filter.since, "since");
  const until = isoDate(filter.until, "until");
  const widthMs = Math.max(1, (filter.until.getTime() - filter.since.getTime()) / buckets);
  const p = new Params();
  const clauses = filterClauses(filter, p);
  const having = filter.outcome === undefined ? "" : `HAVING count(*) FILTER (WHERE t.outcome = ANY(${p.add(asList(filter.outcome))}::text[])) > 0`;
  const s = p.add(since);
  const w = p.add(widthMs);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `WITH b AS (
       SELECT t.workload_id,
         LEAST(floor(extract(epoch FROM t.delete_requested_at - ${s}::timestamptz) * 1000 / ${w}::float8)::int, ${buckets - 1}) AS i,
         count(*)::int AS n, count(*) FILTER (WHERE ${FAILED})::int AS f
       FROM terminations t ${where(clauses)} GROUP BY 1, 2),
     k AS (SELECT workload_id FROM terminations t ${where(clauses)} GROUP BY 1 ${having})
     SELECT json_build_object('cluster', c.name, 'namespace', wl.namespace, 'kind', wl.kind, 'name', wl.name,
       'b', json_agg(json_build_array(b.i, b.n, b.f)))::text AS j
     FROM b JOIN k USING (workload_id) JOIN workloads wl ON wl.id = b.workload_id JOIN clusters c ON c.id = wl.cluster_id
     GROUP BY c.name, wl.namespace, wl.kind, wl.name
     ORDER BY c.name, wl.namespace, wl.kind, wl.name`,
    ...p.values,
  );
  const rowSchema = z.object({
    cluster: z.string(),
    namespace: z.string(),
    kind: z.string(),
    name: z.string(),
    b: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int()])),
  });
  const items = jsonRows(rowSchema, rows).map(({ b, ...key }): WorkloadTrend => {
    const terminations = new Array<number>(buckets).fill(0);
    const failed = new Array<number>(buckets).fill(0);
    for (const [i, n, f] of b) {
      terminations[i] = n;
      failed[i] = f;
    }
    return { ...key, terminations, failed };
  });
  return { since, until, bucketSeconds: widthMs / 1000, items };
}

export async function workloadId(key: WorkloadKey, db: Store): Promise<number | null> {
  const rows = await db.prisma.$queryRawUnsafe<{ id: number }[]>(
    `SELECT w.id FROM workloads w JOIN clusters c ON c.id = w.cluster_id
     WHERE c.name = $1 AND w.namespace = $2 AND w.kind = $3 AND w.name = $4`,
    key.cluster, key.namespace, key.kind, key.name,
  );
  const id = rows[0]?.id;
  return id === undefined ? null : z.coerce.number().int().parse(id);
}

/** How many of the newest terminations recommendations look at. */
export const RECOMMENDATION_SAMPLE = 500;

/**
 * One workload over a range (default all time): its summary, revisions (by lastAt descending)
 * and recommendations; null when it has no terminations in range.
 */
export async function getWorkload(key: WorkloadKey, range: TimeRange = {}, store?: Store): Promise<WorkloadDetail | null> {
  const db = await getStore(store);
  const id = await workloadId(key, db);
  if (id === null) return null;
  const p = new Params();
  const clauses = workloadClauses(id, range, p);
  const keyJson = `'cluster', ${p.add(key.cluster)}::text, 'namespace', ${p.add(key.namespace)}::text, 'kind', ${p.add(key.kind)}::text, 'name', ${p.add(key.name)}::text`;
  const [summaryRows, revisionRows] = await Promise.all([
    db.prisma.$queryRawUnsafe<{ j: string }[]>(
      `SELECT json_build_object(${keyJson}, 'gracePeriodSeconds', ${newestGraceSql(String(id), clauses.slice(1))}, ${SUMMARY_AGGREGATES})::text AS j
       FROM terminations t ${where(clauses)} HAVING count(*) > 0`,
      ...p.values,
    ),
    db.prisma.$queryRawUnsafe<{ j: string }[]>(
      `SELECT json_build_object('revision', r.revision, 'terminations', count(*), 'outcomes', ${outcomeCountsSql()},
         'errors5xx', ${sumTraffic("errors5xx")},
         'firstAt', ${ts("min(t.delete_requested_at)")}, 'lastAt', ${ts("max(t.delete_requested_at)")})::text AS j
       FROM terminations t LEFT JOIN revisions r ON r.id = t.revision_id ${where(clauses)}
       GROUP BY r.revision ORDER BY max(t.delete_requested_at) DESC NULLS LAST, r.revision`,
      ...p.values.slice(0, clauses.length),
    ),
  ]);
  const summary = jsonRows(summarySchema, summaryRows)[0];
  if (!summary) return null;
  const recent = await findTerminations(
    { cluster: key.cluster, namespace: key.namespace, kind: key.kind, workload: key.name, since: range.since, until: range.until, limit: RECOMMENDATION_SAMPLE },
    db,
  );
  return {
    ...summary,
    revisions: jsonRows(revisionSchema, revisionRows),
    recommendations: recommend({ records: recent.items }),
  };
}
