// recordTerminations / findTerminations / getTermination / countTerminations on a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countTerminations,
  findTerminations,
  getTermination,
  recordTerminations,
  type Store,
} from "../../lib/store/index";
import { terminationRecordSchema, type TerminationRecord } from "../../lib/tracker/record";
import { migratedStore, sql } from "../helpers/db";
import { cleanRecord, manyRecords, sigkillRecord, unknownRecord } from "./fixtures";

let store: Store;
let url: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, url, cleanup } = await migratedStore());
});
afterAll(async () => {
  await cleanup?.();
});

async function tableState() {
  const [t, c, e, w, r, k] = await Promise.all([
    sql<{ pod_uid: string; xmin: string; updated_at: Date }>(url, "SELECT pod_uid, xmin::text, updated_at FROM terminations ORDER BY id"),
    sql<{ xmin: string }>(url, "SELECT termination_id, ordinal, xmin::text FROM termination_containers ORDER BY 1, 2"),
    sql<{ xmin: string }>(url, "SELECT termination_id, ordinal, xmin::text FROM termination_events ORDER BY 1, 2"),
    sql(url, "SELECT id, xmin::text FROM workloads ORDER BY id"),
    sql(url, "SELECT id, xmin::text FROM revisions ORDER BY id"),
    sql(url, "SELECT id, xmin::text FROM clusters ORDER BY id"),
  ]);
  return { t, c, e, w, r, k };
}

describe("recordTerminations + getTermination", () => {
  const records = [sigkillRecord(), cleanRecord(), unknownRecord()];

  it("fixtures conform to the contract schema", () => {
    for (const r of records) expect(terminationRecordSchema.parse(r)).toEqual(r);
  });

  it("round-trips records exactly", async () => {
    expect((await recordTerminations(store, records)).written).toBe(3);
    for (const r of records) {
      const back = await getTermination(r.podUid, undefined, store);
      expect(back).toStrictEqual(r);
      expect(await getTermination(r.podUid, r.cluster, store)).toStrictEqual(r);
    }
    expect(await getTermination("no-such-uid", undefined, store)).toBeNull();
    expect(await getTermination(records[0]!.podUid, "other-cluster", store)).toBeNull();
    expect(await countTerminations({}, store)).toBe(3);
    const rows = await sql<{ n: number }>(url, "SELECT (SELECT count(*) FROM termination_containers)::int + (SELECT count(*) FROM termination_events)::int AS n");
    expect(rows[0]?.n).toBe(3 + 3 + 1 + 1 + 1 + 0);
  });

  it("writing the same records again changes no row (not even updated_at)", async () => {
    const before = await tableState();
    expect((await recordTerminations(store, records)).written).toBe(0);
    expect((await recordTerminations(store, structuredClone(records).reverse())).written).toBe(0);
    expect(await tableState()).toEqual(before);
  });

  it("a changed record is updated in place, children included", async () => {
    const before = await tableState();
    const changed = sigkillRecord({
      outcome: "oom",
      containers: [sigkillRecord().containers[0]!, { ...sigkillRecord().containers[1]!, exitCode: 143, outcome: "sigterm" }],
      events: [...sigkillRecord().events, { reason: "FailedPreStopHook", type: "Warning", message: "hook failed", at: "2026-03-02T14:00:02.500Z", count: 2 }],
      traffic: null,
      notes: [],
      revision: "13",
    });
    expect((await recordTerminations(store, [changed, cleanRecord()])).written).toBe(1);
    expect(await getTermination(changed.podUid, undefined, store)).toStrictEqual(changed);
    expect(await getTermination(cleanRecord().podUid, undefined, store)).toStrictEqual(cleanRecord());
    const after = await tableState();
    // Same row (no delete + insert), new version; the untouched record kept its version.
    const b = new Map(before.t.map((x) => [x.pod_uid, x]));
    for (const x of after.t) {
      if (x.pod_uid === changed.podUid) {
        expect(x.xmin).not.toBe(b.get(x.pod_uid)?.xmin);
        expect(x.updated_at.getTime()).toBeGreaterThanOrEqual(b.get(x.pod_uid)!.updated_at.getTime());
      } else {
        expect(x).toEqual(b.get(x.pod_uid));
      }
    }
    expect(after.t.map((x) => x.pod_uid)).toEqual(before.t.map((x) => x.pod_uid));
    expect(after.c.length).toBe(before.c.length - 1);
    expect(after.e.length).toBe(before.e.length + 1);
    expect(await countTerminations({}, store)).toBe(3);

    // And back again.
    expect((await recordTerminations(store, [sigkillRecord()])).written).toBe(1);
    expect(await getTermination(changed.podUid, undefined, store)).toStrictEqual(sigkillRecord());
  });

  it("keeps the same podUid in two clusters apart", async () => {
    const other = sigkillRecord({ cluster: "eu-west", node: "eu-node-9", outcome: "clean" });
    expect((await recordTerminations(store, [other])).written).toBe(1);
    expect(await getTermination(other.podUid, "eu-west", store)).toStrictEqual(other);
    expect(await getTermination(other.podUid, "default", store)).toStrictEqual(sigkillRecord());
    // In several clusters and no cluster named: a 400 naming `cluster` (contract section 4).
    await expect(getTermination(other.podUid, undefined, store)).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringContaining('"cluster"'),
    });
    expect(await countTerminations({}, store)).toBe(4);
    expect(await countTerminations({ cluster: "eu-west" }, store)).toBe(1);
    const page = await findTerminations({ workload: { kind: "Deployment", name: "checkout" } }, store);
    expect(page.items).toHaveLength(2);
    expect(new Set(page.items.map((r) => r.cluster))).toEqual(new Set(["default", "eu-west"]));
  });

  it("within one call, the last record for a key wins", async () => {
    const a = cleanRecord({ podUid: "dup-1", outcome: "error" });
    const b = cleanRecord({ podUid: "dup-1", outcome: "sigterm" });
    expect((await recordTerminations(store, [a, b])).written).toBe(1);
    expect((await getTermination("dup-1", undefined, store))?.outcome).toBe("sigterm");
  });

  it("one call mixing new, changed (children added and removed) and identical records", async () => {
    const base = [cleanRecord({ podUid: "mix-1" }), sigkillRecord({ podUid: "mix-2" }), unknownRecord({ podUid: "mix-3" })];
    expect((await recordTerminations(store, base)).written).toBe(3);
    const before = await tableState();
    const grown = cleanRecord({
      podUid: "mix-1",
      containers: [...cleanRecord().containers, ...sigkillRecord().containers],
      events: [...cleanRecord().events, ...sigkillRecord().events],
    });
    const shrunk = sigkillRecord({ podUid: "mix-2", containers: [], events: sigkillRecord().events.slice(0, 1) });
    const fresh = sigkillRecord({ podUid: "mix-4" });
    const mixed = await recordTerminations(store, [fresh, grown, base[2]!, shrunk]);
    expect(mixed.written).toBe(3);
    // Only the new one is reported as inserted: what /metrics counts (never a changed or stored one).
    expect(mixed.inserted.map((r) => r.podUid)).toEqual([fresh.podUid]);
    for (const r of [grown, shrunk, base[2]!, fresh]) expect(await getTermination(r.podUid, undefined, store)).toStrictEqual(r);
    const after = await tableState();
    const b = new Map(before.t.map((x) => [x.pod_uid, x]));
    expect(after.t.find((x) => x.pod_uid === "mix-3")).toEqual(b.get("mix-3"));
    expect(after.t.find((x) => x.pod_uid === "mix-1")?.xmin).not.toBe(b.get("mix-1")?.xmin);
    // Each (termination, ordinal) once: no stale children.
    const n = (x: TerminationRecord) => x.containers.length + x.events.length;
    expect(after.c.length + after.e.length - (before.c.length + before.e.length)).toBe(
      n(grown) - n(base[0]!) + n(shrunk) - n(base[1]!) + n(fresh),
    );
    expect((await recordTerminations(store, [fresh, grown, base[2]!, shrunk])).written).toBe(0);
    expect(await tableState()).toEqual(after);
  });

  it("normalizes times to RFC 3339 with milliseconds", async () => {
    const r = cleanRecord({ podUid: "tz-1", deleteRequestedAt: "2026-03-02T16:10:00.25+01:00" });
    await recordTerminations(store, [r]);
    expect((await getTermination("tz-1", undefined, store))?.deleteRequestedAt).toBe("2026-03-02T15:10:00.250Z");
  });

  it("quarantines a record with an invalid time and stores the rest of the call", async () => {
    const before = await countTerminations({}, store);
    const bad = cleanRecord({ podUid: "bad-1", killingAt: "yesterday" });
    const result = await recordTerminations(store, [cleanRecord({ podUid: "ok-1" }), bad]);
    expect(result.quarantined.map((q) => [q.record.podUid, q.sqlState])).toEqual([["bad-1", null]]);
    expect(result.quarantined[0]?.error).toMatch(/killingAt is not a time/);
    expect(await countTerminations({}, store)).toBe(before + 1);
    expect(await getTermination("bad-1", undefined, store)).toBeNull();
  });
});

describe("findTerminations", () => {
  let s: Store;
  let done: () => Promise<void>;
  let all: TerminationRecord[];

  beforeAll(async () => {
    const m = await migratedStore();
    s = m.store;
    done = m.cleanup;
    all = [...manyRecords(230, "default"), ...manyRecords(40, "eu-west")];
    expect((await recordTerminations(s, all)).written).toBe(all.length);
  });
  afterAll(async () => {
    await done?.();
  });

  /** The order findTerminations promises: deleteRequestedAt desc (unknown last), then pod, then podUid. */
  function expected(filter: (r: TerminationRecord) => boolean): string[] {
    return all
      .filter(filter)
      .sort((a, b) => {
        const da = a.deleteRequestedAt, db = b.deleteRequestedAt;
        if (da !== db) {
          if (da === null) return 1;
          if (db === null) return -1;
          return da < db ? 1 : -1;
        }
        if (a.pod !== b.pod) return a.pod < b.pod ? -1 : 1;
        if (a.podUid !== b.podUid) return a.podUid < b.podUid ? -1 : 1;
        return 0; // same podUid only across clusters: insertion order, checked separately
      })
      .map((r) => `${r.cluster}/${r.podUid}`);
  }

  async function walk(query: Parameters<typeof findTerminations>[0]): Promise<TerminationRecord[]> {
    const out: TerminationRecord[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await findTerminations({ ...query, cursor }, s);
      out.push(...page.items);
      if (page.nextCursor === null) return out;
      expect(page.items.length).toBe(query?.limit ?? 100);
      cursor = page.nextCursor;
    }
    throw new Error("pagination does not end");
  }

  it("default page: 100 newest first, records exactly as written", async () => {
    const page = await findTerminations({}, s);
    expect(page.items).toHaveLength(100);
    expect(page.nextCursor).toEqual(expect.any(String));
    const byKey = new Map(all.map((r) => [`${r.cluster}/${r.podUid}`, r]));
    for (const r of page.items) expect(r).toStrictEqual(byKey.get(`${r.cluster}/${r.podUid}`));
    expect(page.items.map((r) => `${r.cluster}/${r.podUid}`)).toEqual(expected(() => true).slice(0, 100));
  });

  it("cursor pagination covers every row exactly once, in order", async () => {
    for (const limit of [1, 7, 50, 1000]) {
      const got = await walk({ limit: limit === 1 ? 1 : limit });
      if (limit === 1) {
        expect(got).toHaveLength(all.length);
        continue;
      }
      const keys = got.map((r) => `${r.cluster}/${r.podUid}`);
      expect(new Set(keys).size).toBe(all.length);
      expect(keys).toEqual(expected(() => true));
    }
  }, 120_000);

  it("limit is 1 to 1000", async () => {
    const many = await findTerminations({ limit: 1000 }, s);
    expect(many.items).toHaveLength(all.length);
    expect(many.nextCursor).toBeNull();
    for (const limit of [0, 1001, 2.5, -1]) {
      await expect(findTerminations({ limit }, s)).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining('"limit"') });
    }
    await expect(findTerminations({ cursor: "garbage" }, s)).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining('"cursor"') });
  });

  it("filters by each field", async () => {
    const cases: [Parameters<typeof findTerminations>[0], (r: TerminationRecord) => boolean][] = [
      [{ cluster: "eu-west" }, (r) => r.cluster === "eu-west"],
      [{ namespace: "ns-2" }, (r) => r.namespace === "ns-2"],
      [{ workload: { name: "app3" } }, (r) => r.workload.name === "app3"],
      [{ workload: { kind: "Deployment", name: "app3" } }, (r) => r.workload.name === "app3"],
      [{ workload: { kind: "StatefulSet", name: "app3" } }, () => false],
      [{ workload: "Deployment/app1" }, (r) => r.workload.name === "app1"],
      [{ outcome: "sigkill" }, (r) => r.outcome === "sigkill"],
      [{ cause: "eviction" }, (r) => r.cause === "eviction"],
      [{ outcome: ["sigkill", "oom"] }, (r) => r.outcome === "sigkill" || r.outcome === "oom"],
      [{ cause: ["eviction", "rollout"], outcome: ["clean"] }, (r) => (r.cause === "eviction" || r.cause === "rollout") && r.outcome === "clean"],
      [
        { cluster: "default", namespace: "ns-1", outcome: "oom" },
        (r) => r.cluster === "default" && r.namespace === "ns-1" && r.outcome === "oom",
      ],
    ];
    for (const [query, pred] of cases) {
      const got = await walk({ ...query, limit: 25 });
      expect(got.map((r) => `${r.cluster}/${r.podUid}`), JSON.stringify(query)).toEqual(expected(pred));
      expect(await countTerminations(query, s), JSON.stringify(query)).toBe(expected(pred).length);
    }
  });

  it("since and until (both inclusive) bound deleteRequestedAt", async () => {
    const since = new Date("2026-03-01T00:00:10.000Z");
    const until = new Date("2026-03-01T00:00:30.007Z");
    const inRange = (r: TerminationRecord) =>
      r.deleteRequestedAt !== null && r.deleteRequestedAt >= since.toISOString() && r.deleteRequestedAt <= until.toISOString();
    const got = await walk({ since, until, limit: 10 });
    expect(got.map((r) => `${r.cluster}/${r.podUid}`)).toEqual(expected(inRange));
    expect(got.length).toBeGreaterThan(20);
    const onlySince = await walk({ since: new Date("2026-03-01T00:01:00.000Z"), limit: 100 });
    expect(onlySince.map((r) => `${r.cluster}/${r.podUid}`)).toEqual(
      expected((r) => r.deleteRequestedAt !== null && r.deleteRequestedAt >= "2026-03-01T00:01:00.000Z"),
    );
    const onlyUntil = await walk({ until: since, limit: 100 });
    expect(onlyUntil.map((r) => `${r.cluster}/${r.podUid}`)).toEqual(
      expected((r) => r.deleteRequestedAt !== null && r.deleteRequestedAt <= since.toISOString()),
    );
    // Both ends are hit exactly by some records.
    expect(got.some((r) => r.deleteRequestedAt === since.toISOString())).toBe(true);
    expect(got.some((r) => r.deleteRequestedAt === until.toISOString())).toBe(true);
    await expect(findTerminations({ since: until, until: since }, s)).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining('"until"') });
  });

  it("records without deleteRequestedAt come last", async () => {
    const got = await walk({ limit: 500 });
    const firstNull = got.findIndex((r) => r.deleteRequestedAt === null);
    expect(firstNull).toBeGreaterThan(0);
    expect(got.slice(firstNull).every((r) => r.deleteRequestedAt === null)).toBe(true);
  });
});

describe("hostile strings", () => {
  it("stores a record whose event message holds U+0000 (as U+FFFD) without failing its batch", async () => {
    const nul = cleanRecord({ podUid: "uid-nul", pod: "nul-pod" });
    nul.events = [{ reason: "Killing", type: "Normal", message: "Stopping\u0000 container", at: nul.deleteRequestedAt, count: 1 }];
    const other = sigkillRecord({ podUid: "uid-nul-neighbour", pod: "neighbour" });
    expect((await recordTerminations(store, [nul, other])).written).toBe(2);
    expect((await getTermination("uid-nul", undefined, store))?.events[0]?.message).toBe("Stopping\ufffd container");
    expect(await getTermination("uid-nul-neighbour", undefined, store)).toStrictEqual(other);
  });
});
