// What the workload page's charts draw, aggregated in Postgres: a drain-time histogram beside the
// grace periods seen, outcomes over time with rollout markers, 5xx in termination windows over
// time, and endpoint lag against the preStop sleep per termination.
import { z } from "zod";
import { OUTCOMES, type Outcome } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import { Params, ts, where } from "./sql.ts";
import type { Store } from "./types.ts";
import { workloadClauses, workloadId, type OutcomeCounts, type TimeRange, type WorkloadKey } from "./workloads.ts";

export interface DrainHistogram {
  /** Bucket width; buckets are [from, to) seconds, from 0 up to the longest drain or grace. */
  bucketSeconds: number;
  buckets: { from: number; to: number; count: number; outcomes: OutcomeCounts }[];
  /** Each grace period seen (ascending) and how many terminations had it: the histogram's ruler. */
  gracePeriods: { seconds: number; terminations: number }[];
  /** Terminations without a drain time (not in any bucket). */
  withoutDrain: number;
}

export interface TimeBucket {
  /** Bucket start (RFC 3339); buckets are aligned to multiples of bucketSeconds since the epoch. */
  start: string;
}

export interface OutcomesOverTime {
  bucketSeconds: number;
  buckets: (TimeBucket & { outcomes: OutcomeCounts })[];
  /** A rollout away from `fromRevision` began (its first `rollout` termination). */
  rollouts: { at: string; fromRevision: string; toRevision: string | null }[];
}

export interface ErrorsOverTime {
  bucketSeconds: number;
  /** Sums over the terminations of the bucket that have traffic (`withTraffic` of them). */
  buckets: (TimeBucket & {
    withTraffic: number;
    requests: number;
    errors5xx: number;
    baselineRequests: number;
    baselineErrors5xx: number;
  })[];
}

export interface EndpointLagPoint {
  cluster: string;
  podUid: string;
  pod: string;
  at: string;
  endpointLagSeconds: number;
  preStopAction: string | null;
  preStopSleepSeconds: number | null;
  outcome: Outcome;
}

export interface WorkloadCharts {
  /** The range drawn: the one asked for, or the first to the last termination. */
  since: string | null;
  until: string | null;
  drain: DrainHistogram;
  outcomesOverTime: OutcomesOverTime;
  errorsOverTime: ErrorsOverTime;
  /** The newest terminations with an endpoint lag (at most ENDPOINT_LAG_POINTS), newest first. */
  endpointLag: EndpointLagPoint[];
}

export const ENDPOINT_LAG_POINTS = 500;
const MAX_DRAIN_BUCKETS = 40;
const MAX_TIME_BUCKETS = 60;
const DRAIN_WIDTHS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
const TIME_WIDTHS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 30 * 86400];

/** The smallest "nice" width that covers `span` in at most `max` buckets. */
export function niceWidth(span: number, max: number, widths: readonly number[]): number {
  for (const w of widths) if (Math.ceil(span / w) <= max) return w;
  const last = widths[widths.length - 1] ?? 1;
  return last * Math.ceil(span / (last * max));
}

const outcomeCounts = z.object(Object.fromEntries(OUTCOMES.map((o) => [o, z.number().int()])) as Record<Outcome, z.ZodNumber>);
const zeroOutcomes = (): OutcomeCounts => ({ clean: 0, sigterm: 0, sigkill: 0, oom: 0, error: 0, unknown: 0 });
const outcomeCountsSql = `json_build_object(${OUTCOMES.map((o) => `'${o}', count(*) FILTER (WHERE t.outcome = '${o}')`).join(", ")})`;

const boundsSchema = z.object({
  first: z.string().nullable(),
  last: z.string().nullable(),
  maxDrain: z.number().nullable(),
  withoutDrain: z.number().int(),
  graces: z.array(z.tuple([z.number().int(), z.number().int()])).nullable(),
  rollouts: z.array(z.tuple([z.string(), z.string()])).nullable(),
});

/** Chart data for one workload; null when it has no terminations in range. */
export async function getWorkloadCharts(key: WorkloadKey, range: TimeRange = {}, store?: Store): Promise<WorkloadCharts | null> {
  const db = await getStore(store);
  const id = await workloadId(key, db);
  if (id === null) return null;
  const q = async <T extends z.ZodType>(schema: T, sql: (clauses: string[], p: Params) => string): Promise<z.infer<T>[]> => {
    const p = new Params();
    const clauses = workloadClauses(id, range, p);
    const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(sql(clauses, p), ...p.values);
    return rows.map((r) => schema.parse(JSON.parse(r.j)));
  };

  const [bounds] = await q(
    boundsSchema,
    (c) => `SELECT json_build_object(
      'first', ${ts("min(t.delete_requested_at)")}, 'last', ${ts("max(t.delete_requested_at)")},
      'maxDrain', max(t.drain_seconds), 'withoutDrain', count(*) FILTER (WHERE t.drain_seconds IS NULL),
      'graces', (SELECT json_agg(json_build_array(g, n) ORDER BY g) FROM (
        SELECT t.grace_period_seconds AS g, count(*) AS n FROM terminations t ${where(c)} AND t.grace_period_seconds IS NOT NULL GROUP BY 1) x),
      'rollouts', (SELECT json_agg(json_build_array(${ts("at")}, revision) ORDER BY at) FROM (
        SELECT r.revision, min(t.delete_requested_at) AS at FROM terminations t JOIN revisions r ON r.id = t.revision_id
        ${where(c)} AND t.cause = 'rollout' AND t.delete_requested_at IS NOT NULL GROUP BY r.revision) x)
    )::text AS j FROM terminations t ${where(c)} HAVING count(*) > 0`,
  );
  if (!bounds) return null;

  // Drain histogram: wide enough for the longest drain and the longest grace (the ruler).
  const graces = bounds.graces ?? [];
  const drainSpan = Math.max(bounds.maxDrain ?? 0, graces[graces.length - 1]?.[0] ?? 0, 1);
  const drainWidth = niceWidth(drainSpan * 1.0001, MAX_DRAIN_BUCKETS, DRAIN_WIDTHS);
  // The histogram, the time buckets and the lag points are independent: read at once.
  const drainRead = q(
    z.tuple([z.number().int(), outcomeCounts]),
    (c, p) => `SELECT json_build_array(i, ${outcomeCountsSql})::text AS j FROM (
        SELECT GREATEST(floor(t.drain_seconds / ${p.add(drainWidth)}::float8), 0)::int AS i, t.outcome
        FROM terminations t ${where(c)} AND t.drain_seconds IS NOT NULL) t GROUP BY i`,
  );
  const endpointLagRead = q(
    z.object({
      cluster: z.string(),
      podUid: z.string(),
      pod: z.string(),
      at: z.string(),
      endpointLagSeconds: z.number(),
      preStopAction: z.string().nullable(),
      preStopSleepSeconds: z.number().nullable(),
      outcome: z.enum(OUTCOMES),
    }),
    (c, p) => `SELECT json_build_object('cluster', ${p.add(key.cluster)}::text, 'podUid', t.pod_uid, 'pod', t.pod, 'at', ${ts("t.delete_requested_at")},
        'endpointLagSeconds', t.endpoint_lag_seconds, 'preStopAction', t.prestop_action,
        'preStopSleepSeconds', t.prestop_sleep_seconds, 'outcome', t.outcome)::text AS j
      FROM terminations t ${where(c)} AND t.endpoint_lag_seconds IS NOT NULL AND t.delete_requested_at IS NOT NULL
      ORDER BY t.delete_requested_at DESC, t.pod COLLATE "C", t.pod_uid COLLATE "C", t.id LIMIT ${ENDPOINT_LAG_POINTS}`,
  );
  // Time buckets over the range asked for, or the data's own span.
  const since = range.since?.toISOString() ?? bounds.first;
  const until = range.until?.toISOString() ?? bounds.last;
  const span = since === null || until === null ? null : (() => {
    const from = Date.parse(since);
    const to = Date.parse(until);
    const width = niceWidth(Math.max(1, (to - from) / 1000 + 1), MAX_TIME_BUCKETS, TIME_WIDTHS);
    const start0 = Math.floor(from / 1000 / width) * width;
    const n = Math.floor(to / 1000 / width) - start0 / width + 1;
    return { width, start0, starts: Array.from({ length: n }, (_, i) => new Date((start0 + i * width) * 1000).toISOString()) };
  })();
  const bucketRead = span === null ? Promise.resolve([]) : q(
    z.tuple([z.number().int(), outcomeCounts, z.number().int(), z.number(), z.number(), z.number(), z.number()]),
    (c, p) => `SELECT json_build_array(i, ${outcomeCountsSql}, count(t.traffic),
        COALESCE(sum((t.traffic->>'requests')::bigint), 0)::float8, COALESCE(sum((t.traffic->>'errors5xx')::bigint), 0)::float8,
        COALESCE(sum((t.traffic->>'baselineRequests')::bigint), 0)::float8, COALESCE(sum((t.traffic->>'baselineErrors5xx')::bigint), 0)::float8
      )::text AS j FROM (
        SELECT (floor(extract(epoch FROM t.delete_requested_at) / ${p.add(span.width)}::float8) - ${p.add(span.start0 / span.width)}::float8)::int AS i,
          t.outcome, t.traffic
        FROM terminations t ${where(c)} AND t.delete_requested_at IS NOT NULL) t GROUP BY i`,
  );
  const [drainRows, bucketRows, endpointLag] = await Promise.all([drainRead, bucketRead, endpointLagRead]);

  const drainBuckets = Array.from({ length: Math.ceil(drainSpan / drainWidth) }, (_, i) => ({
    from: round(i * drainWidth),
    to: round((i + 1) * drainWidth),
    count: 0,
    outcomes: zeroOutcomes(),
  }));
  for (const [i, outcomes] of drainRows) {
    while (drainBuckets.length <= i) {
      const n = drainBuckets.length;
      drainBuckets.push({ from: round(n * drainWidth), to: round((n + 1) * drainWidth), count: 0, outcomes: zeroOutcomes() });
    }
    const b = drainBuckets[i];
    if (b) {
      b.outcomes = outcomes;
      b.count = Object.values(outcomes).reduce((a, n) => a + n, 0);
    }
  }

  let outcomesOverTime: OutcomesOverTime = { bucketSeconds: 0, buckets: [], rollouts: [] };
  let errorsOverTime: ErrorsOverTime = { bucketSeconds: 0, buckets: [] };
  if (span !== null) {
    const { width, starts } = span;
    const outcomeBuckets = starts.map((start) => ({ start, outcomes: zeroOutcomes() }));
    const errorBuckets = starts.map((start) => ({ start, withTraffic: 0, requests: 0, errors5xx: 0, baselineRequests: 0, baselineErrors5xx: 0 }));
    for (const [i, outcomes, withTraffic, requests, errors5xx, baselineRequests, baselineErrors5xx] of bucketRows) {
      const ob = outcomeBuckets[i];
      const eb = errorBuckets[i];
      if (ob) ob.outcomes = outcomes;
      if (eb) Object.assign(eb, { withTraffic, requests, errors5xx, baselineRequests, baselineErrors5xx });
    }
    const rollouts = bounds.rollouts ?? [];
    // A rollout away from a revision replaces it with the revision whose own rollout comes next.
    outcomesOverTime = {
      bucketSeconds: width,
      buckets: outcomeBuckets,
      rollouts: rollouts.map(([at, fromRevision], i) => ({ at, fromRevision, toRevision: rollouts[i + 1]?.[1] ?? null })),
    };
    errorsOverTime = { bucketSeconds: width, buckets: errorBuckets };
  }

  return {
    since,
    until,
    drain: {
      bucketSeconds: drainWidth,
      buckets: drainBuckets,
      gracePeriods: graces.map(([seconds, terminations]) => ({ seconds, terminations })),
      withoutDrain: bounds.withoutDrain,
    },
    outcomesOverTime,
    errorsOverTime,
    endpointLag,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
