// workload_days (the per workload and UTC day rollup kept by triggers) against the same
// aggregates computed from terminations, through inserts, content-hash rewrites, retention-style
// deletes, a deleted workload and TRUNCATE; and the overview queries that read it (summaries over
// ranges with partial days, trends) against a reference computed from terminations alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findWorkloadCounts,
  findWorkloadSummaries,
  findWorkloadTails,
  findWorkloadTrends,
  getWorkload,
  recordTerminations,
  type Store,
  type WorkloadSummary,
} from "../../lib/store/index";
import { causeColumn, splitDays, splitHours } from "../../lib/store/rollup";
import { bucketStarts } from "../../lib/store/workloads";
import { CAUSES, OUTCOMES, type TerminationRecord } from "../../lib/tracker/record";
import { migratedStore, sql } from "../helpers/db";
import { cleanRecord, sigkillRecord } from "./fixtures";

const DAY = 86_400_000;
const T0 = Date.parse("2026-03-10T00:00:00.000Z");

// Deterministic pseudo-random numbers (mulberry32).
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records over 6 days and 5 workloads in 2 clusters: some without request time, drain, lag or traffic. */
function records(n: number, seed: number, prefix = "r"): TerminationRecord[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const w = Math.floor(r() * 5);
    const at = r() < 0.05 ? null : new Date(T0 + Math.floor(r() * 6 * DAY)).toISOString();
    const base = sigkillRecord();
    return cleanRecord({
      podUid: `${prefix}-${i}`,
      pod: `svc-${w}-${i}`,
      cluster: w < 3 ? "a" : "b",
      namespace: w % 2 ? "ns1" : "ns2",
      workload: { kind: "Deployment", name: `svc-${w}` },
      outcome: pick(OUTCOMES),
      cause: pick(["rollout", "scale-down", "eviction", "delete"] as const),
      deleteRequestedAt: at,
      gracePeriodSeconds: pick([30, 60, null]),
      // Ties on purpose (whole seconds), so percentiles interpolate between equal and distinct values.
      drainSeconds: r() < 0.1 ? null : Math.floor(r() * 40) / 2,
      endpointLagSeconds: r() < 0.2 ? null : Math.round(r() * 3000) / 1000,
      traffic: r() < 0.5 ? null : { ...base.traffic!, source: "istio", requests: Math.floor(r() * 1000), errors5xx: Math.floor(r() * 9) },
    });
  });
}

/** workload_days as the triggers keep it, and the same aggregates computed from terminations. */
async function rollupVsBase(url: string) {
  const causes = CAUSES.map(causeColumn);
  const cols = `workload_id, day::text AS day, terminations, ${[...OUTCOMES, ...causes].join(", ")}, with_traffic, requests::text, errors5xx::text, drained, lagged`;
  const kept = await sql(url, `SELECT ${cols} FROM workload_days ORDER BY 1, 2`);
  const base = await sql(
    url,
    `SELECT ${cols} FROM (
       SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AS day,
         count(*)::int AS terminations, ${OUTCOMES.map((o) => `count(*) FILTER (WHERE outcome = '${o}')::int AS ${o}`).join(", ")},
         ${CAUSES.map((k) => `count(*) FILTER (WHERE cause = '${k}')::int AS ${causeColumn(k)}`).join(", ")},
         count(traffic)::int AS with_traffic, COALESCE(sum((traffic->>'requests')::bigint), 0) AS requests,
         COALESCE(sum((traffic->>'errors5xx')::bigint), 0) AS errors5xx,
         count(drain_seconds)::int AS drained, count(endpoint_lag_seconds)::int AS lagged
       FROM terminations GROUP BY 1, 2) x ORDER BY 1, 2`,
  );
  const hourCols = `workload_id, hour, ${OUTCOMES.join(", ")}`;
  const keptHours = await sql(url, `SELECT ${hourCols} FROM workload_hours ORDER BY 1, 2`);
  const baseHours = await sql(
    url,
    `SELECT workload_id, (extract(epoch FROM date_trunc('hour', delete_requested_at AT TIME ZONE 'UTC')) / 3600)::int AS hour,
       ${OUTCOMES.map((o) => `count(*) FILTER (WHERE outcome = '${o}')::int AS ${o}`).join(", ")}
     FROM terminations WHERE delete_requested_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return { kept: { days: kept, hours: keptHours }, base: { days: base, hours: baseHours } };
}

describe("splitDays", () => {
  const d = (s: string) => new Date(s);
  it("reads whole UTC days from the rollup and the partial days at the ends from terminations", () => {
    expect(splitDays({ since: d("2026-03-10T06:00:00.000Z"), until: d("2026-03-13T12:30:00.000Z") })).toEqual({
      days: { from: "2026-03-11", to: "2026-03-13" },
      unknown: false,
      edges: [
        { from: "2026-03-10T06:00:00.000Z", to: "2026-03-11T00:00:00.000Z", inclusive: false },
        { from: "2026-03-13T00:00:00.000Z", to: "2026-03-13T12:30:00.000Z", inclusive: true },
      ],
    });
  });
  it("takes a day whose bounds are the range's own (midnight to 23:59:59.999) as whole", () => {
    expect(splitDays({ since: d("2026-03-10T00:00:00.000Z"), until: d("2026-03-10T23:59:59.999Z") })).toEqual({
      days: { from: "2026-03-10", to: "2026-03-11" },
      unknown: false,
      edges: [],
    });
  });
  it("reads a range within one day from terminations only", () => {
    expect(splitDays({ since: d("2026-03-10T01:00:00.000Z"), until: d("2026-03-10T02:00:00.000Z") })).toEqual({
      days: null,
      unknown: false,
      edges: [{ from: "2026-03-10T01:00:00.000Z", to: "2026-03-10T02:00:00.000Z", inclusive: true }],
    });
  });
  it("counts terminations without a request time only when the range is unbounded", () => {
    expect(splitDays({})).toEqual({ days: { from: null, to: null }, unknown: true, edges: [] });
    expect(splitDays({ until: d("2026-03-10T12:00:00.000Z") })).toEqual({
      days: { from: null, to: "2026-03-10" },
      unknown: false,
      edges: [{ from: "2026-03-10T00:00:00.000Z", to: "2026-03-10T12:00:00.000Z", inclusive: true }],
    });
    expect(splitDays({ since: d("2026-03-10T12:00:00.000Z") }).days).toEqual({ from: "2026-03-11", to: null });
  });
});

describe("splitHours", () => {
  const H = 3_600_000;
  it("reads whole hours inside one bucket from the rollup, the ends and the hours a bucket start cuts from terminations", () => {
    const since = T0 + 30 * 60_000; // 00:30
    const until = T0 + 10 * H + 59_999; // 10:00:59.999
    expect(splitHours(since, until, [T0 + 3 * H, T0 + 6 * H + 1])).toEqual({
      hours: { from: T0 / H + 1, to: T0 / H + 10, except: [T0 / H + 6] },
      raw: [
        { from: since, to: T0 + H },
        { from: T0 + 6 * H, to: T0 + 7 * H },
        { from: T0 + 10 * H, to: until + 1 },
      ],
    });
  });
  it("reads a range without a whole hour from terminations only", () => {
    expect(splitHours(T0 + 1000, T0 + H - 1, [])).toEqual({ hours: null, raw: [{ from: T0 + 1000, to: T0 + H }] });
  });
  it("needs no partial hours when the range is whole hours", () => {
    expect(splitHours(T0, T0 + 5 * H - 1, [T0 + 2 * H])).toEqual({ hours: { from: T0 / H, to: T0 / H + 5, except: [] }, raw: [] });
  });
});

describe("bucketStarts", () => {
  it("puts every whole-ms offset in the bucket floor(offset / width) gives, capped at the last", () => {
    const r = rng(7);
    for (let c = 0; c < 200; c++) {
      const since = T0 + Math.floor(r() * DAY);
      const span = 1 + Math.floor(r() * 40 * DAY);
      const buckets = 1 + Math.floor(r() * 60);
      const width = Math.max(1, span / buckets);
      const starts = bucketStarts(since, width, buckets).map((s) => Date.parse(s) - since);
      for (let k = 0; k < 300; k++) {
        // Offsets near bucket boundaries, where float division decides.
        const b = Math.floor(r() * buckets);
        const off = Math.min(span, Math.max(0, Math.round(b * width) + Math.floor(r() * 5) - 2));
        const expected = Math.min(Math.floor(off / width), buckets - 1);
        expect(starts.filter((s) => s <= off).length, `since ${since} width ${width} offset ${off}`).toBe(expected);
      }
    }
  });
});

describe("workload_days on Postgres", () => {
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, url, cleanup } = await migratedStore());
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it("equals the aggregates of terminations after inserts, rewrites, deletes, a deleted workload and TRUNCATE", async () => {
    const first = records(600, 1);
    await recordTerminations(store, first);
    let { kept, base } = await rollupVsBase(url);
    expect(kept.days.length).toBeGreaterThan(30);
    expect(kept.hours.length).toBeGreaterThan(300);
    expect(kept).toEqual(base);

    // Rewrites (content hash changed): traffic joined later, outcome and cause corrected, a record
    // moved to another day, one losing its request time; plus new records in the same batch.
    const rewritten = first.slice(0, 200).map((x, i) => ({
      ...x,
      traffic: i % 3 === 0 ? { ...sigkillRecord().traffic!, source: "istio" as const, requests: 5000 + i, errors5xx: i % 7 } : x.traffic,
      outcome: i % 4 === 0 ? ("sigkill" as const) : x.outcome,
      cause: i % 5 === 0 ? ("eviction" as const) : x.cause,
      deleteRequestedAt: i % 11 === 0 ? new Date(T0 + 5 * DAY + i * 1000).toISOString() : i % 13 === 0 ? null : x.deleteRequestedAt,
      // The drain alone rewritten: from one value to another no counted column changes (its +1 and
      // -1 cancel out); from none to one, drained moves.
      drainSeconds: i % 17 === 0 ? 99 : x.drainSeconds,
      endpointLagSeconds: i % 19 === 0 ? null : x.endpointLagSeconds,
    }));
    const result = await recordTerminations(store, [...rewritten, ...records(100, 2, "n")]);
    expect(result.inserted).toHaveLength(100);
    ({ kept, base } = await rollupVsBase(url));
    expect(kept).toEqual(base);

    // Rewriting identical records changes nothing.
    expect((await recordTerminations(store, rewritten)).written).toBe(0);
    expect((await rollupVsBase(url)).kept).toEqual(base);

    // Retention: old terminations deleted in batches; days emptied leave the rollup.
    for (let i = 0; i < 3; i++) {
      await sql(url, `DELETE FROM terminations WHERE id IN (SELECT id FROM terminations WHERE delete_requested_at < $1 ORDER BY id LIMIT 40)`, [
        new Date(T0 + 2 * DAY).toISOString(),
      ]);
    }
    await sql(url, `DELETE FROM terminations WHERE delete_requested_at < $1`, [new Date(T0 + DAY).toISOString()]);
    ({ kept, base } = await rollupVsBase(url));
    expect(kept).toEqual(base);
    expect(kept.days.some((k) => k.day === "2026-03-10")).toBe(false);

    // A workload deleted: its terminations go by cascade, and its rollup rows with them.
    await sql(url, `DELETE FROM workloads WHERE name = 'svc-1'`);
    ({ kept, base } = await rollupVsBase(url));
    expect(kept).toEqual(base);

    await sql(url, `TRUNCATE terminations CASCADE`);
    expect(await rollupVsBase(url)).toEqual({ kept: { days: [], hours: [] }, base: { days: [], hours: [] } });

    // Emptying every table in one statement (what an operator, or the store benchmark, does).
    await recordTerminations(store, records(20, 3, "again"));
    await sql(url, `TRUNCATE terminations, workload_days, workload_hours, termination_containers, termination_events CASCADE`);
    expect(await rollupVsBase(url)).toEqual({ kept: { days: [], hours: [] }, base: { days: [], hours: [] } });
  });
});

describe("overview queries on the rollup", () => {
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, url, cleanup } = await migratedStore());
    await recordTerminations(store, records(800, 3));
    // Rewritten and deleted rows too, so the rollup has been through its triggers' every path.
    await recordTerminations(store, records(300, 3).map((x) => ({ ...x, outcome: "oom" as const })));
    await sql(url, `DELETE FROM terminations WHERE pod_uid LIKE 'r-1%'`);
    // Percentile edge cases, on a day every range below includes: one value, two values, only
    // nulls, and ties.
    const at = (i: number) => new Date(T0 + 2 * DAY + 3_600_000 + i * 60_000).toISOString();
    const edge = (name: string, values: [number | null, number | null][]) =>
      values.map(([drain, lag], i) =>
        cleanRecord({ podUid: `${name}-${i}`, pod: `${name}-${i}`, cluster: "b", namespace: "edge", workload: { kind: "Deployment", name }, deleteRequestedAt: at(i), drainSeconds: drain, endpointLagSeconds: lag }),
      );
    await recordTerminations(store, [
      ...edge("one-value", [[4.25, 0.5]]),
      ...edge("two-values", [[1, 0.001], [3.5, 2]]),
      ...edge("only-nulls", [[null, null], [null, null]]),
      ...edge("ties", [[2, 1], [2, 1], [2, 1], [7, null], [2, 1]]),
    ]);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  /** Summaries as the pre-rollup statement computed them: every aggregate over terminations. */
  async function reference(range: { since?: Date; until?: Date; cluster?: string }): Promise<WorkloadSummary[]> {
    const cs: string[] = [];
    const v: unknown[] = [];
    if (range.since) cs.push(`t.delete_requested_at >= $${v.push(range.since.toISOString())}`);
    if (range.until) cs.push(`t.delete_requested_at <= $${v.push(range.until.toISOString())}`);
    if (range.cluster) cs.push(`c.name = $${v.push(range.cluster)}`);
    const rows = await sql<{ j: WorkloadSummary }>(
      url,
      `SELECT json_build_object('cluster', c.name, 'namespace', w.namespace, 'kind', w.kind, 'name', w.name,
         'gracePeriodSeconds', (array_agg(t.grace_period_seconds ORDER BY t.delete_requested_at DESC NULLS LAST, t.pod COLLATE "C", t.pod_uid COLLATE "C"))[1],
         'terminations', count(*),
         'outcomes', json_build_object(${OUTCOMES.map((o) => `'${o}', count(*) FILTER (WHERE t.outcome = '${o}')`).join(", ")}),
         'causes', json_strip_nulls(json_build_object(${CAUSES.map((k) => `'${k}', NULLIF(count(*) FILTER (WHERE t.cause = '${k}'), 0)`).join(", ")})),
         'drainSeconds', CASE WHEN count(t.drain_seconds) = 0 THEN NULL ELSE json_build_object(
           'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY t.drain_seconds), 'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY t.drain_seconds),
           'max', max(t.drain_seconds)) END,
         'endpointLagSeconds', CASE WHEN count(t.endpoint_lag_seconds) = 0 THEN NULL ELSE json_build_object(
           'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds), 'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY t.endpoint_lag_seconds)) END,
         'requests', sum((t.traffic->>'requests')::bigint)::float8, 'errors5xx', sum((t.traffic->>'errors5xx')::bigint)::float8,
         'lastTerminationAt', to_char(max(t.delete_requested_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS j
       FROM terminations t JOIN workloads w ON w.id = t.workload_id JOIN clusters c ON c.id = w.cluster_id
       ${cs.length ? `WHERE ${cs.join(" AND ")}` : ""}
       GROUP BY c.name, w.namespace, w.kind, w.name
       ORDER BY count(*) DESC, max(t.delete_requested_at) DESC NULLS LAST, c.name, w.namespace, w.kind, w.name`,
      v,
    );
    return rows.map((r) => r.j);
  }

  const at = (ms: number) => new Date(ms);
  const ranges: [string, { since?: Date; until?: Date }][] = [
    ["all time (terminations without a request time included)", {}],
    ["partial days at both ends", { since: at(T0 + DAY + 3_600_123), until: at(T0 + 4 * DAY + 7_777) }],
    ["whole days exactly", { since: at(T0 + DAY), until: at(T0 + 3 * DAY - 1) }],
    ["within one day", { since: at(T0 + 2 * DAY + 1000), until: at(T0 + 2 * DAY + 40_000_000) }],
    ["since only", { since: at(T0 + 2 * DAY + 5) }],
    ["until only", { until: at(T0 + 3 * DAY + 12_345) }],
  ];
  for (const [name, range] of ranges) {
    it(`summaries equal the aggregates over terminations: ${name}`, async () => {
      const expected = await reference(range);
      expect(expected.length).toBeGreaterThan(0);
      expect(await findWorkloadSummaries(range, store)).toEqual(expected);
      expect(await findWorkloadSummaries({ ...range, cluster: "b" }, store)).toEqual(await reference({ ...range, cluster: "b" }));
      for (const name of ["one-value", "two-values", "only-nulls", "ties"]) expect(expected.map((x) => x.name)).toContain(name);
      const one = expected[expected.length - 1]!;
      const detail = await getWorkload(one, range, store);
      expect(detail && { ...detail, revisions: undefined, recommendations: undefined }).toEqual({ ...one, revisions: undefined, recommendations: undefined });
    });
  }

  for (const [name, range] of ranges) {
    it(`counts and a page of summaries equal the aggregates over terminations: ${name}`, async () => {
      const expected = await reference(range);
      const counts = expected.map(({ drainSeconds: _d, endpointLagSeconds: _l, gracePeriodSeconds: _g, ...c }) => c);
      expect(await findWorkloadCounts(range, store)).toEqual(counts);
      // A page: every other workload, given in another order; the answer keeps the summaries' order.
      const page = expected.filter((_, i) => i % 2 === 1);
      expect(page.length).toBeGreaterThan(2);
      expect(await findWorkloadSummaries({ ...range, workloads: [...page].reverse() }, store)).toEqual(page);
      const inB = (await reference({ ...range, cluster: "b" })).filter((x) => page.some((y) => y.name === x.name && y.cluster === x.cluster));
      expect(await findWorkloadSummaries({ ...range, cluster: "b", workloads: page }, store)).toEqual(inB);
      expect(await findWorkloadSummaries({ ...range, workloads: [] }, store)).toEqual([]);
    });
  }

  /** A summary as findWorkloadTails answers it: p95 and max drain, p95 lag. */
  const tailOf = ({ drainSeconds: d, endpointLagSeconds: l, ...rest }: WorkloadSummary) => ({
    ...rest,
    drainSeconds: d && { p95: d.p95, max: d.max },
    endpointLagSeconds: l && { p95: l.p95 },
  });

  for (const [name, range] of ranges) {
    it(`tails by rank are percentile_cont's, exactly: ${name}`, async () => {
      const expected = (await reference(range)).map(tailOf);
      expect(expected.some((x) => x.drainSeconds && x.drainSeconds.p95 !== x.drainSeconds.max)).toBe(true);
      expect(await findWorkloadTails(range, store)).toEqual(expected);
      const page = expected.filter((_, i) => i % 2 === 0);
      expect(await findWorkloadTails({ ...range, workloads: [...page].reverse() }, store)).toEqual(page);
      expect(await findWorkloadTails({ ...range, cluster: "b" }, store)).toEqual((await reference({ ...range, cluster: "b" })).map(tailOf));
    });
  }

  it("trends of a page of workloads (whole hours from workload_hours) equal the trends from terminations", async () => {
    const all = await findWorkloadSummaries({}, store);
    const page = all.filter((_, i) => i % 2 === 0);
    for (const [since, until] of [
      [at(T0 + 1234), at(T0 + 6 * DAY - 77)],
      [at(T0 + DAY + 3_600_000), at(T0 + 3 * DAY + 3_599_999)],
      [at(T0 + 2 * DAY + 17), at(T0 + 2 * DAY + 9 * 3_600_000 + 5)],
    ] as const) {
      for (const buckets of [1, 3, 7, 24]) {
        for (const outcome of [undefined, ["oom", "sigkill"] as const]) {
          const fromTerminations = await findWorkloadTrends({ since, until, outcome }, buckets, store);
          const keys = new Set(page.map((w) => `${w.cluster}/${w.name}`));
          const expected = { ...fromTerminations, items: fromTerminations.items.filter((x) => keys.has(`${x.cluster}/${x.name}`)) };
          expect(expected.items.length).toBeGreaterThan(0);
          expect(await findWorkloadTrends({ since, until, outcome, workloads: page }, buckets, store), `${since.toISOString()} ${buckets}`).toEqual(expected);
        }
      }
    }
  });

  it("trends put each termination in the bucket the elapsed-time formula gives", async () => {
    const since = at(T0 + 1234);
    const until = at(T0 + 6 * DAY - 77);
    for (const buckets of [1, 7, 28, 500]) {
      const trends = await findWorkloadTrends({ since, until }, buckets, store);
      const width = Math.max(1, (until.getTime() - since.getTime()) / buckets);
      const rows = await sql<{ workload: string; i: number; n: number; f: number }>(
        url,
        `SELECT w.name AS workload, LEAST(floor(extract(epoch FROM t.delete_requested_at - $1::timestamptz) * 1000 / $3::float8)::int, $4::int - 1) AS i,
           count(*)::int AS n, count(*) FILTER (WHERE t.outcome IN ('sigkill', 'oom', 'error'))::int AS f
         FROM terminations t JOIN workloads w ON w.id = t.workload_id
         WHERE t.delete_requested_at >= $1 AND t.delete_requested_at <= $2 GROUP BY 1, 2`,
        [since.toISOString(), until.toISOString(), width, buckets],
      );
      const got = new Map(trends.items.map((x) => [`${x.cluster}/${x.name}`, x]));
      let total = 0;
      for (const row of rows) {
        const item = [...got.values()].find((x) => x.name === row.workload)!;
        expect(item.terminations[row.i]).toBe(row.n);
        expect(item.failed[row.i]).toBe(row.f);
        total += row.n;
      }
      expect(trends.items.reduce((a, x) => a + x.terminations.reduce((b, n) => b + n, 0), 0)).toBe(total);
    }
  });
});
