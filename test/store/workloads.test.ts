// Workload summaries, trends, the workload page's data and the filter lists, on a real Postgres;
// percentiles checked against hand-computed percentile_cont values and a reference implementation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findClusters,
  findNamespaces,
  findSiblingTerminations,
  findTerminations,
  findWorkloadSummaries,
  findWorkloadTrends,
  getWorkload,
  getWorkloadCharts,
  recordTerminations,
  type Store,
  type WorkloadSummary,
} from "../../lib/store/index";
import { OUTCOMES, type TerminationRecord } from "../../lib/tracker/record";
import { migratedStore } from "../helpers/db";
import { cleanRecord, sigkillRecord } from "./fixtures";

let store: Store;
let cleanup: () => Promise<void>;

const T0 = Date.parse("2026-03-10T00:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** The independent reference: percentile_cont as the Postgres docs define it. */
function refPercentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const rn = 1 + p * (v.length - 1);
  const lo = Math.floor(rn), hi = Math.ceil(rn);
  return v[lo - 1]! + (rn - lo) * (v[hi - 1]! - v[lo - 1]!);
}

// checkout (default/shop): 5 records with hand-picked drains and lags.
const checkoutDrains = [2, 4, 7, 11, 30];
const checkoutLags = [0.1, 0.5, null, 0.9, 2.0];
const checkout = checkoutDrains.map((d, i) =>
  sigkillRecord({
    podUid: `co-${i}`,
    pod: `checkout-${String.fromCharCode(101 - i)}`, // e, d, c, b, a
    outcome: (["clean", "clean", "sigterm", "error", "sigkill"] as const)[i],
    cause: i < 4 ? "rollout" : "eviction",
    revision: i < 2 ? "11" : "12",
    gracePeriodSeconds: i === 4 ? 30 : 45 + i, // newest (i = 4, at 400 s) has 30
    deleteRequestedAt: at(i * 100),
    drainSeconds: d,
    endpointLagSeconds: checkoutLags[i] ?? null,
    preStop: { defined: true, action: "sleep", failed: false },
    preStopSleepSeconds: 1,
    traffic: i % 2 ? null : { ...sigkillRecord().traffic!, requests: 100 * (i + 1), errors5xx: i },
  }),
);
// Tie for the newest request time in ledger: grace comes from the first in list order (pod "ledger-0").
const ledger = [
  cleanRecord({ podUid: "lg-1", pod: "ledger-1", deleteRequestedAt: at(50), gracePeriodSeconds: 90 }),
  cleanRecord({ podUid: "lg-0", pod: "ledger-0", deleteRequestedAt: at(50), gracePeriodSeconds: 60 }),
  cleanRecord({ podUid: "lg-2", pod: "ledger-2", deleteRequestedAt: at(10), gracePeriodSeconds: 60, drainSeconds: null, endpointLagSeconds: null }),
];
// Another cluster, same names, no drains at all, traffic nowhere.
const eu = [0, 1].map((i) =>
  cleanRecord({ podUid: `eu-${i}`, cluster: "eu-west", namespace: "shop", pod: `checkout-eu-${i}`, workload: { kind: "Deployment", name: "checkout" }, deleteRequestedAt: at(1000 + i), drainSeconds: null, endpointLagSeconds: null, outcome: "unknown" }),
);
const all = [...checkout, ...ledger, ...eu];

beforeAll(async () => {
  ({ store, cleanup } = await migratedStore());
  expect((await recordTerminations(store, all)).written).toBe(all.length);
});
afterAll(async () => {
  await cleanup?.();
});

const keyOf = (s: Pick<WorkloadSummary, "cluster" | "namespace" | "kind" | "name">) => `${s.cluster}/${s.namespace}/${s.kind}/${s.name}`;

describe("findWorkloadSummaries", () => {
  it("summarizes each workload as contract section 4 says, percentiles as percentile_cont", async () => {
    const items = await findWorkloadSummaries({}, store);
    expect(items.map(keyOf)).toEqual([
      "default/shop/Deployment/checkout", // 5 terminations
      "default/payments/StatefulSet/ledger", // 3
      "eu-west/shop/Deployment/checkout", // 2
    ]);
    const co = items[0]!;
    expect(co).toEqual({
      cluster: "default",
      namespace: "shop",
      kind: "Deployment",
      name: "checkout",
      terminations: 5,
      outcomes: { clean: 2, sigterm: 1, sigkill: 1, oom: 0, error: 1, unknown: 0 },
      causes: { rollout: 4, eviction: 1 },
      // drains 2, 4, 7, 11, 30: p50 = 7; p95: rank 1 + 0.95 × 4 = 4.8 → 11 + 0.8 × 19 = 26.2
      drainSeconds: { p50: 7, p95: expect.closeTo(26.2, 12), max: 30 },
      gracePeriodSeconds: 30,
      // lags 0.1, 0.5, 0.9, 2.0 (one null): p50 = 0.7; p95: rank 3.85 → 0.9 + 0.85 × 1.1 = 1.835
      endpointLagSeconds: { p50: expect.closeTo(0.7, 12), p95: expect.closeTo(1.835, 12) },
      requests: 100 + 300 + 500,
      errors5xx: 0 + 2 + 4,
      lastTerminationAt: at(400),
    });
    expect(co.drainSeconds?.p95).toBeCloseTo(refPercentile(checkoutDrains, 0.95)!, 12);
    const ledgerSummary = items[1]!;
    expect(ledgerSummary).toMatchObject({ gracePeriodSeconds: 60, requests: null, errors5xx: null, causes: { "scale-down": 3 }, lastTerminationAt: at(50) });
    expect(Object.keys(ledgerSummary.outcomes)).toEqual([...OUTCOMES]);
    expect(items[2]).toMatchObject({ drainSeconds: null, endpointLagSeconds: null, outcomes: { unknown: 2, clean: 0 } });
  });

  it("matches the reference percentile over many values", async () => {
    const { store: s, cleanup: done } = await migratedStore();
    try {
      const drains = Array.from({ length: 97 }, (_, i) => ((i * 7919) % 1000) / 13);
      await recordTerminations(s, drains.map((d, i) => cleanRecord({ podUid: `p-${i}`, pod: `p-${i}`, drainSeconds: d, endpointLagSeconds: d / 100 })));
      const [w] = await findWorkloadSummaries({}, s);
      expect(w!.drainSeconds!.p50).toBeCloseTo(refPercentile(drains, 0.5)!, 9);
      expect(w!.drainSeconds!.p95).toBeCloseTo(refPercentile(drains, 0.95)!, 9);
      expect(w!.drainSeconds!.max).toBe(Math.max(...drains));
      expect(w!.endpointLagSeconds!.p95).toBeCloseTo(refPercentile(drains.map((d) => d / 100), 0.95)!, 9);
    } finally {
      await done();
    }
  });

  it("filters: cluster, namespace, since/until (inclusive), outcome selects workloads; ties ordered by last termination", async () => {
    const keys = async (f: Parameters<typeof findWorkloadSummaries>[0]) => (await findWorkloadSummaries(f, store)).map(keyOf);
    expect(await keys({ cluster: "eu-west" })).toEqual(["eu-west/shop/Deployment/checkout"]);
    expect(await keys({ namespace: "payments" })).toEqual(["default/payments/StatefulSet/ledger"]);
    expect(await keys({ cluster: "nowhere" })).toEqual([]);
    // [50 s, 100 s]: checkout has 1 (at 100), ledger 2 (both at 50): ledger first.
    const inRange = await findWorkloadSummaries({ since: new Date(at(50)), until: new Date(at(100)) }, store);
    expect(inRange.map((s) => [keyOf(s), s.terminations])).toEqual([
      ["default/payments/StatefulSet/ledger", 2],
      ["default/shop/Deployment/checkout", 1],
    ]);
    // Equal counts: the newer lastTerminationAt first.
    const tied = await findWorkloadSummaries({ since: new Date(at(100)), until: new Date(at(1001)) }, store);
    expect(tied.map((s) => [keyOf(s), s.terminations])).toEqual([
      ["default/shop/Deployment/checkout", 4],
      ["eu-west/shop/Deployment/checkout", 2],
    ]);
    // outcome picks workloads having one; their summaries still count everything.
    const killed = await findWorkloadSummaries({ outcome: ["sigkill"] }, store);
    expect(killed.map((s) => [keyOf(s), s.terminations])).toEqual([["default/shop/Deployment/checkout", 5]]);
    await expect(findWorkloadSummaries({ since: new Date(at(10)), until: new Date(at(0)) }, store)).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringContaining('"until"'),
    });
  });
});

describe("findWorkloadTrends", () => {
  it("counts terminations and failed shutdowns per equal bucket, the until instant in the last", async () => {
    const t = await findWorkloadTrends({ since: new Date(at(0)), until: new Date(at(400)), cluster: "default" }, 4, store);
    expect(t.bucketSeconds).toBe(100);
    expect(t.items.map((i) => [keyOf(i), i.terminations, i.failed])).toEqual([
      ["default/payments/StatefulSet/ledger", [3, 0, 0, 0], [0, 0, 0, 0]],
      // at 0, 100, 200, 300, 400 (400 = until: last bucket); failed = error (300) + sigkill (400)
      ["default/shop/Deployment/checkout", [1, 1, 1, 2], [0, 0, 0, 2]],
    ]);
  });

  it("restricted to a page of workloads, gives exactly their rows of the unrestricted answer", async () => {
    const range = { since: new Date(at(0)), until: new Date(at(400)), cluster: "default" };
    const all = await findWorkloadTrends(range, 4, store);
    const page = await findWorkloadTrends({ ...range, workloads: [{ cluster: "default", namespace: "shop", kind: "Deployment", name: "checkout" }] }, 4, store);
    expect(page.items).toEqual(all.items.filter((i) => i.name === "checkout"));
    expect((await findWorkloadTrends({ ...range, workloads: [] }, 4, store)).items).toEqual([]);
  });
});

describe("getWorkload", () => {
  const key = { cluster: "default", namespace: "shop", kind: "Deployment", name: "checkout" };

  it("summary, revisions by lastAt and recommendations; null for an unknown workload or an empty range", async () => {
    const w = await getWorkload(key, {}, store);
    const [summary] = await findWorkloadSummaries({ cluster: "default", namespace: "shop" }, store);
    expect(w).toMatchObject(summary!);
    expect(w!.revisions).toEqual([
      { revision: "12", terminations: 3, outcomes: { clean: 0, sigterm: 1, sigkill: 1, oom: 0, error: 1, unknown: 0 }, errors5xx: 6, firstAt: at(200), lastAt: at(400) },
      { revision: "11", terminations: 2, outcomes: { clean: 2, sigterm: 0, sigkill: 0, oom: 0, error: 0, unknown: 0 }, errors5xx: 0, firstAt: at(0), lastAt: at(100) },
    ]);
    expect(w!.recommendations.map((r) => r.id)).toContain("grace-too-short");
    const oneRev = await getWorkload(key, { since: new Date(at(0)), until: new Date(at(100)) }, store);
    expect(oneRev!.revisions.map((r) => [r.revision, r.errors5xx])).toEqual([["11", 0]]);
    const noTraffic = await getWorkload(key, { since: new Date(at(100)), until: new Date(at(100)) }, store);
    expect(noTraffic!.revisions).toMatchObject([{ revision: "11", errors5xx: null, terminations: 1 }]);
    expect(await getWorkload({ ...key, name: "nope" }, {}, store)).toBeNull();
    expect(await getWorkload(key, { since: new Date(at(5000)) }, store)).toBeNull();
  });

  it("charts: drain histogram with the grace periods, outcomes over time with rollouts, 5xx, endpoint lag", async () => {
    const c = await getWorkloadCharts(key, {}, store);
    expect(c).not.toBeNull();
    const { drain, outcomesOverTime, errorsOverTime, endpointLag } = c!;
    // Up to the longest of drain (30 s) and grace (48 s) in at most 40 buckets → 2 s wide, 24 of them.
    expect(drain.bucketSeconds).toBe(2);
    expect(drain.buckets).toHaveLength(24);
    expect(drain.buckets[23]).toMatchObject({ from: 46, to: 48 });
    expect(drain.buckets.filter((b) => b.count > 0).map((b) => [b.from, b.count])).toEqual([[2, 1], [4, 1], [6, 1], [10, 1], [30, 1]]);
    expect(drain.buckets[15]!.outcomes.sigkill).toBe(1);
    expect(drain.gracePeriods).toEqual([{ seconds: 30, terminations: 1 }, { seconds: 45, terminations: 1 }, { seconds: 46, terminations: 1 }, { seconds: 47, terminations: 1 }, { seconds: 48, terminations: 1 }]);
    expect(drain.withoutDrain).toBe(0);
    // 0..400 s: 60 s buckets aligned to the epoch.
    expect(outcomesOverTime.bucketSeconds).toBe(60);
    const total = outcomesOverTime.buckets.reduce((n, b) => n + Object.values(b.outcomes).reduce((a, x) => a + x, 0), 0);
    expect(total).toBe(5);
    expect(outcomesOverTime.buckets[0]!.start).toBe(at(0));
    expect(outcomesOverTime.rollouts).toEqual([
      { at: at(0), fromRevision: "11", toRevision: "12" },
      { at: at(200), fromRevision: "12", toRevision: null },
    ]);
    expect(errorsOverTime.buckets.reduce((n, b) => n + b.errors5xx, 0)).toBe(6);
    expect(errorsOverTime.buckets.reduce((n, b) => n + b.withTraffic, 0)).toBe(3);
    expect(endpointLag.map((p) => [p.podUid, p.endpointLagSeconds, p.preStopSleepSeconds])).toEqual([
      ["co-4", 2, 1],
      ["co-3", 0.9, 1],
      ["co-1", 0.5, 1],
      ["co-0", 0.1, 1],
    ]);
    expect(await getWorkloadCharts({ ...key, kind: "StatefulSet" }, {}, store)).toBeNull();
  });
});

describe("siblings, kind filter, clusters and namespaces", () => {
  it("siblings: same workload, revision and cause, within an hour, itself excluded", async () => {
    const sib = await findSiblingTerminations(checkout[2]!, store);
    expect(sib.map((r) => r.podUid)).toEqual(["co-3"]);
    expect((await findSiblingTerminations(checkout[4]!, store)).map((r) => r.podUid)).toEqual([]);
  });

  it("findTerminations filters by workload kind and name", async () => {
    const page = await findTerminations({ kind: "StatefulSet" }, store);
    expect(page.items.map((r) => r.podUid)).toEqual(["lg-0", "lg-1", "lg-2"]); // tie at 50 s: by pod
    expect((await findTerminations({ kind: "Deployment", workload: "checkout", cluster: "eu-west" }, store)).items).toHaveLength(2);
    expect((await findTerminations({ kind: "StatefulSet", workload: "checkout" }, store)).items).toHaveLength(0);
  });

  it("lists clusters and namespaces", async () => {
    expect(await findClusters(store)).toEqual(["default", "eu-west"]);
    expect(await findNamespaces(undefined, store)).toEqual(["payments", "shop"]);
    expect(await findNamespaces("eu-west", store)).toEqual(["shop"]);
    expect(await findNamespaces("nowhere", store)).toEqual([]);
  });
});

describe("pagination while records arrive", () => {
  it("every record that matched when the walk began, exactly once; new ones at most once", async () => {
    const { store: s, cleanup: done } = await migratedStore();
    try {
      const base = Date.parse("2026-04-01T00:00:00.000Z");
      const mk = (tag: string, i: number, second: number): TerminationRecord =>
        cleanRecord({ podUid: `${tag}-${i}`, pod: `${tag}-${String(i).padStart(4, "0")}`, deleteRequestedAt: new Date(base + second * 1000).toISOString() });
      // 600 records, 3 per second (ties broken by pod).
      const initial = Array.from({ length: 600 }, (_, i) => mk("a", i, Math.floor(i / 3)));
      await recordTerminations(s, initial);
      const seen: string[] = [];
      let cursor: string | undefined;
      let inserted = 0;
      const writes: Promise<unknown>[] = [];
      for (let page = 0; page < 100; page++) {
        const p = await findTerminations({ limit: 37, cursor, namespace: "payments" }, s);
        seen.push(...p.items.map((r) => r.podUid));
        // Between pages, a concurrent writer adds records newer, older and tied with what was read.
        const batch = [0, 1, 2].map((k) => mk(`n${page}`, k, [-10, 100, Math.floor(Math.random() * 200)][k]!));
        writes.push(recordTerminations(s, batch));
        inserted += batch.length;
        if (p.nextCursor === null) break;
        cursor = p.nextCursor;
      }
      await Promise.all(writes);
      expect(new Set(seen).size).toBe(seen.length); // nothing twice
      for (const r of initial) expect(seen).toContain(r.podUid); // nothing that was there missed
      // Records older than every page read were written before the walk reached them: seen.
      expect(seen.filter((u) => /^n\d+-0$/.test(u)).length).toBeGreaterThan(0);
      expect(inserted).toBeGreaterThan(0);
    } finally {
      await done();
    }
  }, 60_000);
});
