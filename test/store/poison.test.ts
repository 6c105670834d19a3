// No poison pill (issue 10 point 5) on a real Postgres: every value the Kubernetes API can hold is
// stored exactly, and a record the database still rejects is isolated by bisection and quarantined
// while the rest of its batch (and the caller's transaction) is written.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countQuarantinedRecords,
  findQuarantinedRecords,
  findTerminations,
  getTermination,
  getWorkload,
  recordTerminations,
  recordTerminationsIn,
  type Store,
} from "../../lib/store/index";
import type { RawTx } from "../../lib/store/types";
import type { TerminationRecord } from "../../lib/tracker/record";
import { migratedStore, sql } from "../helpers/db";
import { cleanRecord, sigkillRecord } from "./fixtures";

let store: Store;
let url: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, url, cleanup } = await migratedStore());
});
afterAll(async () => {
  await cleanup?.();
});

/** Text that does not compress (Postgres compresses index entries before it measures them). */
function incompressible(n: number, prefix = ""): string {
  return (prefix + randomBytes(n).toString("base64url")).slice(0, n);
}

const uid = (i: number, tag: string) => `${tag}-${String(i).padStart(4, "0")}-${randomBytes(4).toString("hex")}`;

/** A record Postgres rejects in the new schema: a lone UTF-16 surrogate in the pod name (JSON.parse
 * accepts it from a capture; Postgres json/text cannot hold it: 22P02). */
const poison = (over: Partial<TerminationRecord> = {}) => cleanRecord({ podUid: uid(0, "poison"), pod: "ledger-\udc00-0", ...over });

describe("values the Kubernetes API can hold", () => {
  const longName = incompressible(6001, "owner-");
  const wide = sigkillRecord({
    podUid: uid(1, "wide"),
    pod: incompressible(253, "p"),
    workload: { kind: incompressible(300, "Kind"), name: longName },
    // deployment.kubernetes.io/revision is an annotation: no length limit but the object's.
    revision: incompressible(10_000, "rev-"),
    gracePeriodSeconds: 3_000_000_000,
    events: [{ reason: incompressible(2_000, "Reason"), type: "Warning", message: incompressible(10_000, "msg-"), at: "2026-03-02T14:00:01.000Z", count: 2_147_483_647 }],
    containerSpecs: [{ name: "app", image: incompressible(3_000, "img/"), command: ["sh", "-c"], args: [incompressible(10_000, "arg-")], stopSignal: null }],
  });
  const label = cleanRecord({ podUid: uid(2, "label"), revision: incompressible(63, "r"), gracePeriodSeconds: Number.MAX_SAFE_INTEGER });

  it("are stored exactly: a 6,001-character workload name, a 253-character pod name, a 10 kB annotation, int64 grace periods", async () => {
    const result = await recordTerminations(store, [wide, label]);
    expect(result.quarantined).toEqual([]);
    expect(result.written).toBe(2);
    expect(await getTermination(wide.podUid, undefined, store)).toStrictEqual(wide);
    expect(await getTermination(label.podUid, undefined, store)).toStrictEqual(label);
    const graces = await sql<{ pod_uid: string; g: string }>(url, "SELECT pod_uid, grace_period_seconds::text AS g FROM terminations WHERE pod_uid = ANY($1) ORDER BY pod_uid", [[wide.podUid, label.podUid]]);
    expect(Object.fromEntries(graces.map((r) => [r.pod_uid, r.g]))).toEqual({ [wide.podUid]: "3000000000", [label.podUid]: "9007199254740991" });
  });

  it("are found again by their long names (filters and the workload page)", async () => {
    const page = await findTerminations({ workload: { kind: wide.workload.kind, name: longName } }, store);
    expect(page.items.map((r) => r.podUid)).toEqual([wide.podUid]);
    const detail = await getWorkload({ cluster: wide.cluster, namespace: wide.namespace, kind: wide.workload.kind, name: longName }, {}, store);
    expect(detail?.terminations).toBe(1);
    expect(detail?.gracePeriodSeconds).toBe(3_000_000_000);
    expect(detail?.revisions.map((r) => r.revision)).toEqual([wide.revision]);
  });

  it("writing them again changes nothing and adds no second workload or revision", async () => {
    expect((await recordTerminations(store, [wide, label])).written).toBe(0);
    const [w] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM workloads WHERE name = $1", [longName]);
    const [r] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM revisions WHERE revision = $1", [wide.revision]);
    expect([w?.n, r?.n]).toEqual([1, 1]);
  });
});

describe("a record the database rejects", () => {
  it("is isolated: the other records of its batch are written, it is quarantined with its error", async () => {
    const good = Array.from({ length: 9 }, (_, i) => cleanRecord({ podUid: uid(i, "good"), pod: `ledger-${i}` }));
    const bad = poison();
    const batch = [...good.slice(0, 4), bad, ...good.slice(4)];
    const result = await recordTerminations(store, batch);
    expect(result.written).toBe(9);
    expect(result.inserted.map((r) => r.podUid).sort()).toEqual(good.map((r) => r.podUid).sort());
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ record: bad, sqlState: "22P02", entered: true });
    expect(result.quarantined[0]!.error).toBe("invalid input syntax for type json");
    for (const r of good) expect(await getTermination(r.podUid, undefined, store)).toStrictEqual(r);
    expect(await getTermination(bad.podUid, undefined, store)).toBeNull();

    const q = await findQuarantinedRecords({}, store);
    const row = q.items.find((i) => i.podUid === bad.podUid);
    expect(row).toMatchObject({ cluster: bad.cluster, namespace: bad.namespace, pod: "ledger-\ufffd-0", workload: bad.workload, sqlState: "22P02", attempts: 1 });
    // The record is kept as sent (its JSON text escapes the surrogate): it can be written once the store can hold it.
    expect(row?.record).toStrictEqual(bad);
  });

  it("counts once: the same record rejected again stays one row with its attempts counted", async () => {
    const bad = poison({ podUid: uid(1, "again") });
    expect((await recordTerminations(store, [bad])).quarantined.map((q) => q.entered)).toEqual([true]);
    expect((await recordTerminations(store, [bad, cleanRecord({ podUid: uid(2, "again") })])).quarantined.map((q) => q.entered)).toEqual([false]);
    const [row] = await sql<{ attempts: number; first: Date; last: Date }>(url, "SELECT attempts, first_seen_at AS first, last_seen_at AS last FROM quarantined_records WHERE pod_uid = $1", [bad.podUid]);
    expect(row?.attempts).toBe(2);
    expect(row!.last.getTime()).toBeGreaterThan(row!.first.getTime());
  });

  it("isolates several offenders of different kinds in one large batch", async () => {
    const n = 1500; // more than one statement (WRITE_BATCH_SIZE)
    const records = Array.from({ length: n }, (_, i) => cleanRecord({ podUid: uid(i, "bulk"), pod: `bulk-${i}` }));
    // A time Postgres cannot read (JavaScript dates reach 271,821 BC, timestamptz 4,713 BC): 22009.
    records[17] = cleanRecord({ podUid: uid(17, "bulk-time"), pod: "bulk-time", deletedAt: "-010000-01-01T00:00:00.000Z" });
    records[1203] = poison({ podUid: uid(1203, "bulk-poison") });
    // Not a time at all: the writer itself refuses it (no SQLSTATE).
    records[1499] = cleanRecord({ podUid: uid(1499, "bulk-nottime"), pod: "bulk-nottime", exitedAt: "yesterday" });
    const result = await recordTerminations(store, records);
    expect(result.written).toBe(n - 3);
    expect(result.quarantined.map((q) => [q.record.pod, q.sqlState]).sort()).toEqual([
      ["bulk-nottime", null],
      ["bulk-time", "22009"],
      ["ledger-\udc00-0", "22P02"],
    ]);
    const [stored] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM terminations WHERE pod_uid LIKE 'bulk-%'");
    expect(stored?.n).toBe(n - 3);
  });

  it("leaves quarantine once it is written (the store learned to hold it, or a corrected version came)", async () => {
    const bad = poison({ podUid: uid(3, "healed") });
    await recordTerminations(store, [bad]);
    expect(await countQuarantinedRecords({ namespace: bad.namespace }, store)).toBeGreaterThan(0);
    const keyed = (await findQuarantinedRecords({ limit: 1000 }, store)).items.filter((i) => i.podUid === bad.podUid);
    expect(keyed).toHaveLength(1);
    const healed = { ...bad, pod: "ledger-healed-0" };
    expect((await recordTerminations(store, [healed])).written).toBe(1);
    expect((await findQuarantinedRecords({ limit: 1000 }, store)).items.filter((i) => i.podUid === bad.podUid)).toEqual([]);
    expect(await getTermination(bad.podUid, undefined, store)).toStrictEqual(healed);
  });

  // The checkpoint commits through the driver (store.driverTransaction: pg's results, pg's errors).
  it.each(["prisma", "driver"] as const)("inside a caller's transaction (%s): the caller's other writes survive, the rest is written, the offender quarantined", async (via) => {
    const good = cleanRecord({ podUid: uid(1, "caller"), pod: "caller-1" });
    const later = cleanRecord({ podUid: uid(2, "caller"), pod: "caller-2" });
    const bad = poison({ podUid: uid(3, "caller") });
    await sql(url, "DELETE FROM traffic_pending WHERE pod_uid LIKE 'caller-%'");
    const transaction = <T>(fn: (tx: RawTx) => Promise<T>): Promise<T> =>
      via === "prisma" ? store.prisma.$transaction((tx) => fn(tx)) : store.driverTransaction!(fn, 10_000);
    const result = await transaction(async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO traffic_pending (cluster, pod_uid, next_attempt_at, reason) VALUES ('default', 'caller-before', now(), 'test')`);
      const r = await recordTerminationsIn(tx, [good, bad]);
      await recordTerminationsIn(tx, [later]);
      await tx.$executeRawUnsafe(`INSERT INTO traffic_pending (cluster, pod_uid, next_attempt_at, reason) VALUES ('default', 'caller-after', now(), 'test')`);
      return r;
    });
    expect(result.quarantined.map((q) => q.record.podUid)).toEqual([bad.podUid]);
    const pending = await sql<{ pod_uid: string }>(url, "SELECT pod_uid FROM traffic_pending WHERE pod_uid LIKE 'caller-%' ORDER BY 1");
    expect(pending.map((p) => p.pod_uid)).toEqual(["caller-after", "caller-before"]);
    expect(await getTermination(good.podUid, undefined, store)).toStrictEqual(good);
    expect(await getTermination(later.podUid, undefined, store)).toStrictEqual(later);
    expect(await countQuarantinedRecords({ cluster: "default" }, store)).toBeGreaterThan(0);
  });

  it("a failure that is not about the data (here: a lock not granted in time) fails the whole write, nothing is quarantined", async () => {
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE terminations IN ACCESS EXCLUSIVE MODE");
      const good = cleanRecord({ podUid: uid(1, "locked"), pod: "locked-1" });
      const bad = poison({ podUid: uid(2, "locked") });
      const before = await countQuarantinedRecords({}, store);
      await expect(
        store.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe("SET LOCAL lock_timeout = '200ms'");
          return recordTerminationsIn(tx, [good, bad]);
        }),
      ).rejects.toMatchObject({ meta: { driverAdapterError: { cause: { originalCode: "55P03" } } } });
      await blocker.query("ROLLBACK");
      expect(await getTermination(good.podUid, undefined, store)).toBeNull();
      expect(await countQuarantinedRecords({}, store)).toBe(before);
    } finally {
      await blocker.end();
    }
  });
});

describe("query plans with identities of any length", () => {
  async function plan(text: string, values: unknown[] = []): Promise<string> {
    const rows = await sql<{ "QUERY PLAN": string }>(url, `EXPLAIN (COSTS OFF) ${text}`, values);
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  }

  it("workload lookups by name, and the writer's upserts, still use their indexes", async () => {
    await sql(url, `INSERT INTO workloads (cluster_id, namespace, kind, name)
      SELECT (SELECT id FROM clusters WHERE name = 'default'), 'ns-' || (g % 40), 'Deployment', 'w-' || g FROM generate_series(1, 5000) g`);
    await sql(url, "ANALYZE workloads");
    // What read.ts's workload filter and workloads.ts's workloadId() ask.
    expect(await plan("SELECT id FROM workloads WHERE name = $1 AND kind = $2", ["w-17", "Deployment"])).toMatch(/Index Scan using workloads_name_idx/);
    expect(
      await plan("SELECT w.id FROM workloads w JOIN clusters c ON c.id = w.cluster_id WHERE c.name = $1 AND w.namespace = $2 AND w.kind = $3 AND w.name = $4", ["default", "ns-17", "Deployment", "w-17"]),
    ).toMatch(/Index Scan using workloads_name_idx/);
    // The writer's ON CONFLICT names the md5 identities.
    expect(await plan(`INSERT INTO workloads (cluster_id, namespace, kind, name) VALUES (1, 'a', 'b', 'c') ON CONFLICT (cluster_id, namespace, md5(kind), md5(name)) DO NOTHING`)).toMatch(/Conflict Arbiter Indexes: workloads_identity_key/);
    expect(await plan(`INSERT INTO revisions (workload_id, revision) VALUES (1, 'r') ON CONFLICT (workload_id, md5(revision)) DO NOTHING`)).toMatch(/Conflict Arbiter Indexes: revisions_identity_key/);
    // A one-row lookup by identity is an index probe, not a scan of every workload.
    expect(
      await plan(`SELECT w.id FROM workloads w WHERE w.cluster_id = 1 AND w.namespace = 'ns-17' AND md5(w.kind) = md5('Deployment') AND md5(w.name) = md5('w-17') AND w.kind = 'Deployment' AND w.name = 'w-17'`),
    ).toMatch(/Index Scan using (workloads_identity_key|workloads_name_idx)/);
  });
});

