// Per-workload aggregates (contract section 4 summaries) and what the overview and workload pages
// draw: trends, revisions, drain histogram, outcomes over time, 5xx over time, endpoint lag.
// Aggregation happens in Postgres (percentiles are its own percentile_cont, which the contract
// names); each statement returns JSON that is parsed here with zod, never cast.
import { z } from "zod";
import { recommend, type Recommendation } from "../recommend/index.ts";
import { CAUSES, OUTCOMES, causeSchema, type Cause, type Outcome } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import { findTerminations, whereClauses } from "./read.ts";
import { causeColumn, countsSql, splitDays, splitHours } from "./rollup.ts";
import { tailMaxSql, tailPercentileSql } from "./tails.ts";
import { Params, asList, checkRange, invalid, isoDate, ts, where } from "./sql.ts";
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

/** A summary without what needs a workload's every value (percentiles, max drain) or the newest grace. */
export interface WorkloadCounts extends WorkloadKey {
  terminations: number;
  outcomes: OutcomeCounts;
  /** Only causes seen. */
  causes: CauseCounts;
  /** Sums over records with traffic; null when none has. */
  requests: number | null;
  errors5xx: number | null;
  /** The newest deleteRequestedAt; null only when no termination in range has one (all-time ranges). */
  lastTerminationAt: string | null;
}

export interface WorkloadSummary extends WorkloadCounts {
  drainSeconds: { p50: number; p95: number; max: number } | null;
  /** Of the newest termination (the first in list order). */
  gracePeriodSeconds: number | null;
  endpointLagSeconds: { p50: number; p95: number } | null;
}

/**
 * A summary whose drain and endpoint lag carry only their tails (p95, max drain): what the overview
 * shows, read by rank (lib/store/tails.ts) instead of sorting every value.
 */
export interface WorkloadTail extends WorkloadCounts {
  drainSeconds: { p95: number; max: number } | null;
  gracePeriodSeconds: number | null;
  endpointLagSeconds: { p95: number } | null;
}

/** Only these workloads (a page of the overview); the others are not read. */
export interface WorkloadPage {
  workloads?: readonly WorkloadKey[];
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

const countsSchema = summarySchema.omit({ drainSeconds: true, gracePeriodSeconds: true, endpointLagSeconds: true });

const tailSchema = countsSchema.extend({
  drainSeconds: z.object({ p95: z.number(), max: z.number() }).nullable(),
  gracePeriodSeconds: z.number().int().nullable(),
  endpointLagSeconds: z.object({ p95: z.number() }).nullable(),
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

/**
 * What a summary reads of each workload's values: "all" percentiles (p50, p95, max: every value in
 * range, sorted by percentile_cont), only the "tails" (p95 and max by rank, lib/store/tails.ts), or
 * "none" (counts and the newest time).
 */
type Percentiles = "all" | "tails" | "none";

/**
 * The summary's aggregates for the workloads `scope` admits (a condition on `workload_id`, "" for
 * all) over `range`: a statement part defining CTEs `cnt` (count rows by workload, see rollup.ts)
 * and `agg` (per workload: n, outcomes, causes, rq, e5, dn and ln: how many have a drain time and an
 * endpoint lag), and the lateral that adds, per `agg` row `a`, the newest request time (one index
 * probe) and the `percentiles` asked for: "all" from the workload's terminations in range
 * (index-only through terminations_workload_time_covering_idx, every value), "tails" by rank.
 */
function summaryParts(range: TimeRange, scope: string, p: Params, having = "", percentiles: Percentiles = "all"): { ctes: string; lateral: string; fields: string } {
  const split = splitDays(range);
  const ctes = `cnt AS (${countsSql(split, scope, p)}),
    agg AS (
      SELECT c.workload_id, sum(c.n)::int AS n,
        json_build_object(${OUTCOMES.map((o) => `'${o}', sum(c.${o})`).join(", ")}) AS outcomes,
        json_strip_nulls(json_build_object(${CAUSES.map((k) => `'${k}', NULLIF(sum(c.${causeColumn(k)}), 0)`).join(", ")})) AS causes,
        CASE WHEN sum(c.wt) = 0 THEN NULL ELSE sum(c.rq)::float8 END AS rq,
        CASE WHEN sum(c.wt) = 0 THEN NULL ELSE sum(c.e5)::float8 END AS e5,
        sum(c.dn)::bigint AS dn, sum(c.ln)::bigint AS ln
      FROM cnt c GROUP BY 1 ${having})`;
  const rangeCs = ["t.workload_id = a.workload_id", ...rangeClauses(range, p)];
  const inRange = where(rangeCs);
  const lateral =
    percentiles === "all"
      ? `CROSS JOIN LATERAL (
      SELECT count(t.drain_seconds) AS dn,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY t.drain_seconds) AS d50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY t.drain_seconds) AS d95, max(t.drain_seconds) AS dmax,
        count(t.endpoint_lag_seconds) AS ln,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds) AS l50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds) AS l95,
        max(t.delete_requested_at) AS last
      FROM terminations t ${inRange}) pc`
      : percentiles === "tails"
        ? `CROSS JOIN LATERAL (SELECT
        ${tailPercentileSql("drain_seconds", 0.95, "a.dn", rangeCs)} AS d95, ${tailMaxSql("drain_seconds", rangeCs)} AS dmax,
        ${tailPercentileSql("endpoint_lag_seconds", 0.95, "a.ln", rangeCs)} AS l95,
        (SELECT max(t.delete_requested_at) FROM terminations t ${inRange}) AS last) pc`
        : `CROSS JOIN LATERAL (SELECT max(t.delete_requested_at) AS last FROM terminations t ${inRange}) pc`;
  const fields = `
    'terminations', a.n,
    'outcomes', a.outcomes,
    'causes', a.causes,${
      percentiles === "all"
        ? `
    'drainSeconds', CASE WHEN pc.dn = 0 THEN NULL ELSE json_build_object('p50', pc.d50, 'p95', pc.d95, 'max', pc.dmax) END,
    'endpointLagSeconds', CASE WHEN pc.ln = 0 THEN NULL ELSE json_build_object('p50', pc.l50, 'p95', pc.l95) END,`
        : percentiles === "tails"
          ? `
    'drainSeconds', CASE WHEN a.dn = 0 THEN NULL ELSE json_build_object('p95', pc.d95, 'max', pc.dmax) END,
    'endpointLagSeconds', CASE WHEN a.ln = 0 THEN NULL ELSE json_build_object('p95', pc.l95) END,`
          : ""
    }
    'requests', a.rq,
    'errors5xx', a.e5,
    'lastTerminationAt', ${ts("pc.last")}`;
  return { ctes, lateral, fields };
}

/** Request time within the range (both ends inclusive); nothing for an open end. */
function rangeClauses(range: TimeRange, p: Params): string[] {
  return whereClauses({ since: range.since, until: range.until }, p);
}

/** Only workloads with a termination of these outcomes in range (a HAVING over `cnt` rows `c`). */
function outcomeHaving(outcome: WorkloadFilter["outcome"]): string {
  if (outcome === undefined) return "";
  const wanted = OUTCOMES.filter((o) => asList(outcome).includes(o));
  return wanted.length ? `HAVING ${wanted.map((o) => `sum(c.${o})`).join(" + ")} > 0` : "HAVING false";
}

/**
 * The workloads of a cluster / namespace filter and of a page of workloads, as a condition on
 * `workload_id` ("" for all).
 */
function workloadScope(filter: Pick<WorkloadFilter, "cluster" | "namespace"> & WorkloadPage, p: Params): string {
  const cs: string[] = [];
  if (filter.cluster !== undefined) cs.push(`w.cluster_id = (SELECT id FROM clusters WHERE name = ${p.add(filter.cluster)})`);
  if (filter.namespace !== undefined) cs.push(`w.namespace = ${p.add(filter.namespace)}`);
  if (filter.workloads !== undefined) {
    const keys = p.add(JSON.stringify(filter.workloads.map((k) => ({ c: k.cluster, n: k.namespace, k: k.kind, w: k.name }))));
    cs.push(`w.id IN (SELECT kw.id FROM workloads kw JOIN clusters kc ON kc.id = kw.cluster_id
      JOIN json_to_recordset(${keys}::json) AS x(c text, n text, k text, w text) ON kc.name = x.c AND kw.namespace = x.n AND kw.kind = x.k AND kw.name = x.w)`);
  }
  return cs.length ? `workload_id IN (SELECT w.id FROM workloads w WHERE ${cs.join(" AND ")})` : "";
}

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

/**
 * One summary per workload with terminations in range: most terminations first, then
 * lastTerminationAt descending. No default range here: the API's 7 days live in lib/api.
 * `workloads` restricts it to a page of workloads (the overview's shown rows): only their
 * terminations are read for the percentiles, which is what bounds a long range.
 */
export function findWorkloadSummaries(filter: WorkloadFilter & WorkloadPage = {}, store?: Store): Promise<WorkloadSummary[]> {
  return summaries(filter, "all", summarySchema, store);
}

/** Summaries with the newest grace and the `percentiles` asked for, in the contract's order. */
async function summaries<T extends z.ZodType>(filter: WorkloadFilter & WorkloadPage, percentiles: Exclude<Percentiles, "none">, schema: T, store?: Store): Promise<z.infer<T>[]> {
  const p = new Params();
  checkRange(filter);
  // A termination's cluster and namespace are its workload's: the filter selects workloads.
  const scope = workloadScope(filter, p);
  const { ctes, lateral, fields } = summaryParts(filter, scope, p, outcomeHaving(filter.outcome), percentiles);
  const graceClauses = rangeClauses(filter, p);
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `WITH ${ctes}
     SELECT (jsonb_build_object('cluster', c.name, 'namespace', w.namespace, 'kind', w.kind, 'name', w.name,
         'gracePeriodSeconds', ${newestGraceSql("a.workload_id", graceClauses)}) || json_build_object(${fields})::jsonb)::text AS j
     FROM agg a ${lateral} JOIN workloads w ON w.id = a.workload_id JOIN clusters c ON c.id = w.cluster_id
     -- Contract order, on the columns (an order on the built JSON would build it once per key):
     -- lastTerminationAt as text orders as the time does (fixed-width UTC, ms).
     ORDER BY a.n DESC, pc.last DESC NULLS LAST, c.name, w.namespace, w.kind, w.name`,
    ...p.values,
  );
  return jsonRows(schema, rows);
}

/**
 * The summaries' counts, sums and newest time for every workload with terminations in range, in
 * the same order, without percentiles, max drain or grace: from the rollup plus the partial days
 * and one index probe per workload, never every value. What the overview orders its rows and sums
 * its tiles by before it asks findWorkloadSummaries for the rows it shows.
 */
export async function findWorkloadCounts(filter: WorkloadFilter = {}, store?: Store): Promise<WorkloadCounts[]> {
  const p = new Params();
  checkRange(filter);
  const { ctes, lateral, fields } = summaryParts(filter, workloadScope(filter, p), p, outcomeHaving(filter.outcome), "none");
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `WITH ${ctes}
     SELECT json_build_object('cluster', c.name, 'namespace', w.namespace, 'kind', w.kind, 'name', w.name, ${fields})::text AS j
     FROM agg a ${lateral} JOIN workloads w ON w.id = a.workload_id JOIN clusters c ON c.id = w.cluster_id
     ORDER BY a.n DESC, pc.last DESC NULLS LAST, c.name, w.namespace, w.kind, w.name`,
    ...p.values,
  );
  return jsonRows(countsSchema, rows);
}

/**
 * findWorkloadCounts plus each workload's tails (p95 and max drain, p95 endpoint lag) and newest
 * grace, in the same order: what the overview shows of a page of workloads, and what it orders every
 * workload by when sorting by a percentile. The tails are percentile_cont's numbers, read by rank
 * (lib/store/tails.ts), so a long range costs a twentieth of its values, not a sort of all of them.
 */
export function findWorkloadTails(filter: WorkloadFilter & WorkloadPage = {}, store?: Store): Promise<WorkloadTail[]> {
  return summaries(filter, "tails", tailSchema, store);
}

/**
 * Per workload with terminations in [since, until]: terminations and failed shutdowns
 * (sigkill + oom + error) in `buckets` equal buckets (the overview's sparklines).
 */
export async function findWorkloadTrends(
  filter: WorkloadFilter & WorkloadPage & { since: Date; until: Date },
  buckets = 24,
  store?: Store,
): Promise<WorkloadTrends> {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 500) throw invalid("buckets", "must be an integer from 1 to 500");
  const since = isoDate(filter.since, "since");
  const until = isoDate(filter.until, "until");
  const widthMs = Math.max(1, (filter.until.getTime() - filter.since.getTime()) / buckets);
  const p = new Params();
  // A page of workloads: each one's range through the (workload, time) index, not the whole range.
  const scope = workloadScope(filter, p);
  const startsIso = bucketStarts(filter.since.getTime(), widthMs, buckets);
  const starts = buckets === 1 ? null : p.add(startsIso);
  const bucketOf = (time: string) => (starts === null ? "0" : `width_bucket(${time}, ${starts}::timestamptz[])`);
  const outcome = filter.outcome;
  const wanted = outcome === undefined ? null : OUTCOMES.filter((o) => asList(outcome).includes(o));
  const selected = wanted === null ? null : p.add(wanted);
  const raw = (clauses: string[]) => `SELECT t.workload_id, ${bucketOf("t.delete_requested_at")} AS i, 1 AS n, (${FAILED})::int AS f,
        ${selected === null ? "0" : `(t.outcome = ANY(${selected}::text[]))::int`} AS s
      FROM terminations t ${where(scope ? [...clauses, `t.${scope}`] : clauses)}`;
  // A page of workloads whose buckets span hours: whole hours from workload_hours (by the PK), the
  // hours at the ends and those a bucket start cuts from terminations. Otherwise one index-only scan
  // (terminations_time_covering_idx) over the range.
  const split = filter.workloads !== undefined && widthMs >= 2 * 3_600_000 ? splitHours(filter.since.getTime(), filter.until.getTime(), startsIso.map((x) => Date.parse(x))) : null;
  let parts: string;
  if (split?.hours) {
    const h = split.hours;
    const cs = [`h.hour >= ${p.add(h.from)}::int`, `h.hour < ${p.add(h.to)}::int`, `h.hour <> ALL(${p.add(h.except)}::int[])`];
    if (scope) cs.push(`h.${scope}`);
    const intervals = `unnest(${p.add(split.raw.map((r) => new Date(r.from).toISOString()))}::timestamptz[], ${p.add(split.raw.map((r) => new Date(r.to).toISOString()))}::timestamptz[]) AS iv(a, b)`;
    // A whole hour's bucket is that of its start: the number of starts at or before it, which in
    // hour numbers is the number of ceil(start / 1 h) at or below the hour (integer width_bucket).
    const hourBucket = starts === null ? "0" : `width_bucket(h.hour, ${p.add(startsIso.map((x) => Math.ceil(Date.parse(x) / 3_600_000)))}::int[])`;
    parts = `SELECT h.workload_id, ${hourBucket}, ${OUTCOMES.map((o) => `h.${o}`).join(" + ")}, h.sigkill + h.oom + h.error,
        ${wanted === null ? "0" : wanted.length ? wanted.map((o) => `h.${o}`).join(" + ") : "0"}
      FROM workload_hours h ${where(cs)}
      UNION ALL
      SELECT x.* FROM ${intervals} CROSS JOIN LATERAL (${raw(["t.delete_requested_at >= iv.a", "t.delete_requested_at < iv.b"])}) x`;
  } else {
    parts = raw(rangeClauses(filter, p));
  }
  const db = await getStore(store);
  // A workload is kept when it has a termination of the wanted outcomes in range.
  const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(
    `WITH b AS (SELECT x.workload_id, x.i, sum(x.n)::int AS n, sum(x.f)::int AS f, sum(x.s) AS s FROM (${parts}) AS x(workload_id, i, n, f, s) GROUP BY 1, 2)
     SELECT json_build_object('cluster', c.name, 'namespace', wl.namespace, 'kind', wl.kind, 'name', wl.name, 'b', g.b)::text AS j
     FROM (SELECT b.workload_id, json_agg(json_build_array(b.i, b.n, b.f)) AS b FROM b GROUP BY 1 ${selected === null ? "" : "HAVING sum(b.s) > 0"}) g
       JOIN workloads wl ON wl.id = g.workload_id JOIN clusters c ON c.id = wl.cluster_id
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

/**
 * Where buckets 1 … n-1 start, for width_bucket: bucket i holds the request times whose offset from
 * `sinceMs` in ms, divided by `widthMs` as float8, floors to i (the last bucket also takes the end).
 * Each start is the smallest whole ms offset reaching its bucket under that same IEEE division (JS
 * numbers are float8), so times land where `floor(offset / width)` puts them; stored times are whole ms.
 */
export function bucketStarts(sinceMs: number, widthMs: number, buckets: number): string[] {
  const out: string[] = [];
  for (let k = 1; k < buckets; k++) {
    let m = Math.ceil(k * widthMs);
    while (m > 0 && (m - 1) / widthMs >= k) m--;
    while (m / widthMs < k) m++;
    out.push(new Date(sinceMs + m).toISOString());
  }
  return out;
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
  const keyJson = `'cluster', ${p.add(key.cluster)}::text, 'namespace', ${p.add(key.namespace)}::text, 'kind', ${p.add(key.kind)}::text, 'name', ${p.add(key.name)}::text`;
  const { ctes, lateral, fields } = summaryParts(range, `workload_id = ${p.add(id)}::int`, p);
  const grace = newestGraceSql(String(id), rangeClauses(range, p));
  const r = new Params();
  const clauses = workloadClauses(id, range, r);
  // Three independent reads at once: summary, revisions, and the newest terminations the
  // recommendations look at.
  const [summaryRows, revisionRows, recent] = await Promise.all([
    db.prisma.$queryRawUnsafe<{ j: string }[]>(
      `WITH ${ctes} SELECT json_build_object(${keyJson}, 'gracePeriodSeconds', ${grace}, ${fields})::text AS j FROM agg a ${lateral}`,
      ...p.values,
    ),
    db.prisma.$queryRawUnsafe<{ j: string }[]>(
      `SELECT json_build_object('revision', r.revision, 'terminations', count(*), 'outcomes', ${outcomeCountsSql()},
         'errors5xx', sum(t.traffic_errors5xx)::float8,
         'firstAt', ${ts("min(t.delete_requested_at)")}, 'lastAt', ${ts("max(t.delete_requested_at)")})::text AS j
       FROM terminations t LEFT JOIN revisions r ON r.id = t.revision_id ${where(clauses)}
       GROUP BY r.revision ORDER BY max(t.delete_requested_at) DESC NULLS LAST, r.revision`,
      ...r.values,
    ),
    findTerminations(
      { cluster: key.cluster, namespace: key.namespace, kind: key.kind, workload: key.name, since: range.since, until: range.until, limit: RECOMMENDATION_SAMPLE },
      db,
    ),
  ]);
  const summary = jsonRows(summarySchema, summaryRows)[0];
  if (!summary) return null;
  return {
    ...summary,
    revisions: jsonRows(revisionSchema, revisionRows),
    recommendations: recommend({ records: recent.items }),
  };
}
