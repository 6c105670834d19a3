// Coverage gaps in a real Postgres: recording is idempotent on (cluster, resource, from), a range
// finds exactly the gaps overlapping it with both ends inclusive, and the metric helper counts a
// gap's seconds once, when it is first stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noteGap } from "../../lib/ingest/coverage-gaps.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { findGaps, recordGap, type CoverageGap, type Store } from "../../lib/store/index.ts";
import { migratedStore, sql } from "../helpers/db.ts";

let store: Store;
let url: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, url, cleanup } = await migratedStore());
});
afterAll(() => cleanup?.());

const t = (s: string) => new Date(`2026-12-01T${s}Z`);
const gap = (over: Partial<CoverageGap> = {}): CoverageGap => ({
  cluster: "prod",
  resource: "pods",
  from: t("14:02:10.000"),
  to: t("14:02:24.000"),
  reason: "history-expired",
  ...over,
});

async function rows(): Promise<number> {
  return Number((await sql<{ n: string }>(url, "SELECT count(*)::text AS n FROM coverage_gaps"))[0]!.n);
}

describe("recordGap", () => {
  it("stores a gap once: the same (cluster, resource, from) again keeps the first row", async () => {
    await sql(url, "TRUNCATE coverage_gaps");
    expect(await recordGap(gap(), store)).toBe(true);
    expect(await recordGap(gap(), store)).toBe(false);
    expect(await recordGap(gap({ to: t("14:05:00.000"), reason: "watch-expired" }), store)).toBe(false);
    expect(await rows()).toBe(1);
    const { items } = await findGaps({}, store);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ cluster: "prod", resource: "pods", from: t("14:02:10.000"), to: t("14:02:24.000"), reason: "history-expired", seconds: 14 });
    // Another resource, cluster or start is another gap.
    expect(await recordGap(gap({ resource: "events" }), store)).toBe(true);
    expect(await recordGap(gap({ cluster: "staging" }), store)).toBe(true);
    expect(await recordGap(gap({ from: t("14:02:11.000") }), store)).toBe(true);
    expect(await rows()).toBe(4);
  });

  it("refuses a gap that ends before it starts, or an unknown reason, naming the field", async () => {
    await expect(recordGap(gap({ to: t("14:02:09.000") }), store)).rejects.toThrow(/to .* is before from/);
    await expect(recordGap({ ...gap(), reason: "sunspots" as CoverageGap["reason"] }, store)).rejects.toThrow(/reason/);
    await expect(recordGap(gap({ from: new Date(Number.NaN) }), store)).rejects.toThrow(/from/);
    // The table refuses them too (a writer that bypasses recordGap).
    await expect(sql(url, "INSERT INTO coverage_gaps (cluster, resource, from_at, to_at, reason) VALUES ('x','pods', now(), now() - interval '1 s', 'no-checkpoint')")).rejects.toThrow(/coverage_gaps_span_check/);
    await expect(sql(url, "INSERT INTO coverage_gaps (cluster, resource, from_at, to_at, reason) VALUES ('x','pods', now(), now(), 'sunspots')")).rejects.toThrow(/coverage_gaps_reason_check/);
  });

  it("a zero-length gap is kept (a watch that restarted in the same millisecond still lost its history)", async () => {
    await sql(url, "TRUNCATE coverage_gaps");
    expect(await recordGap(gap({ to: t("14:02:10.000") }), store)).toBe(true);
    expect((await findGaps({ since: t("14:02:10.000"), until: t("14:02:10.000") }, store)).items.map((g) => g.seconds)).toEqual([0]);
  });
});

describe("findGaps", () => {
  const A = gap({ from: t("14:00:00.000"), to: t("14:01:00.000"), resource: "pods" });
  const B = gap({ from: t("14:10:00.000"), to: t("14:12:30.500"), resource: "events", reason: "no-checkpoint" });
  const C = gap({ cluster: "staging", from: t("14:20:00.000"), to: t("14:20:05.000"), reason: "checkpoint-unreadable" });

  beforeAll(async () => {
    await sql(url, "TRUNCATE coverage_gaps");
    for (const g of [A, B, C]) await recordGap(g, store);
  });

  const found = async (q: Parameters<typeof findGaps>[0]) => (await findGaps(q, store)).items.map((g) => `${g.cluster}/${g.resource}@${g.from.toISOString().slice(11, 19)}`);

  it("newest first, all clusters without a filter, seconds to the millisecond", async () => {
    expect(await found({})).toEqual(["staging/pods@14:20:00", "prod/events@14:10:00", "prod/pods@14:00:00"]);
    expect((await findGaps({}, store)).items.map((g) => g.seconds)).toEqual([5, 150.5, 60]);
    expect(await found({ cluster: "prod" })).toEqual(["prod/events@14:10:00", "prod/pods@14:00:00"]);
    expect(await found({ cluster: "nowhere" })).toEqual([]);
  });

  it("overlap is inclusive at both edges", async () => {
    // A range ending exactly where a gap starts, or starting exactly where one ends, overlaps it.
    expect(await found({ since: t("13:00:00.000"), until: t("14:00:00.000") })).toEqual(["prod/pods@14:00:00"]);
    expect(await found({ since: t("14:01:00.000"), until: t("14:05:00.000") })).toEqual(["prod/pods@14:00:00"]);
    // One millisecond away on either side does not.
    expect(await found({ since: t("13:00:00.000"), until: t("13:59:59.999") })).toEqual([]);
    expect(await found({ since: t("14:01:00.001"), until: t("14:09:59.999") })).toEqual([]);
    // A range inside a gap, and a range containing several.
    expect(await found({ since: t("14:11:00.000"), until: t("14:11:01.000") })).toEqual(["prod/events@14:10:00"]);
    expect(await found({ since: t("14:00:30.000"), until: t("14:20:00.000") })).toEqual(["staging/pods@14:20:00", "prod/events@14:10:00", "prod/pods@14:00:00"]);
    // Open-ended on either side.
    expect(await found({ since: t("14:12:30.500") })).toEqual(["staging/pods@14:20:00", "prod/events@14:10:00"]);
    expect(await found({ until: t("14:09:59.000") })).toEqual(["prod/pods@14:00:00"]);
  });

  it("a limit keeps the newest and says more overlap", async () => {
    const page = await findGaps({ limit: 2 }, store);
    expect(page.items.map((g) => g.reason)).toEqual(["checkpoint-unreadable", "no-checkpoint"]);
    expect(page.truncated).toBe(true);
    expect((await findGaps({ limit: 3 }, store)).truncated).toBe(false);
  });
});

describe("noteGap", () => {
  it("adds a gap's seconds to drainwatch_coverage_gap_seconds_total once, when it is first stored", async () => {
    await sql(url, "TRUNCATE coverage_gaps");
    const metrics = createMetrics();
    const g = gap({ from: t("15:00:00.000"), to: t("15:00:14.250"), reason: "watch-expired" });
    expect(await noteGap(g, metrics, store)).toBe(true);
    expect(await noteGap(g, metrics, store)).toBe(false);
    expect(await noteGap(gap({ from: t("15:10:00.000"), to: t("15:10:02.000"), reason: "watch-expired" }), metrics, store)).toBe(true);
    expect(await noteGap(gap({ resource: "events", from: t("15:00:00.000"), to: t("15:00:01.000"), reason: "no-checkpoint" }), metrics, store)).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain("# TYPE drainwatch_coverage_gap_seconds_total counter");
    expect(text).toContain('drainwatch_coverage_gap_seconds_total{cluster="prod",resource="pods",reason="watch-expired"} 16.25');
    expect(text).toContain('drainwatch_coverage_gap_seconds_total{cluster="prod",resource="events",reason="no-checkpoint"} 1');
  });

  it("counts nothing when the store refuses the gap", async () => {
    const metrics = createMetrics();
    await expect(noteGap(gap({ to: t("14:00:00.000") }), metrics, store)).rejects.toThrow();
    expect(await metrics.registry.metrics()).not.toMatch(/drainwatch_coverage_gap_seconds_total\{/);
  });
});
