// The ingest checkpoint against a real Postgres: epochs claimed per term, records and checkpoint
// committed in one transaction, a superseded term's commit refused and rolled back whole, and the
// checkpoint writer's ordering (a commit carries exactly the records sent before its marker).
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointWriter } from "../../lib/ingest/checkpoint-writer.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { claimCheckpoint, commitCheckpoint, newestRecordTime, readCheckpoint, SupersededError, type CheckpointState } from "../../lib/store/checkpoint.ts";
import type { Store } from "../../lib/store/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { migratedStore, sql } from "../helpers/db.ts";
import { cleanRecord, sigkillRecord } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
let db: { store: Store; url: string; cleanup(): Promise<void> };

beforeAll(async () => {
  db = await migratedStore();
}, 60_000);
afterAll(async () => {
  await db?.cleanup();
});

const rec = (cluster: string, uid: string, base = cleanRecord()): TerminationRecord => ({ ...base, cluster, podUid: uid, pod: `pod-${uid}` });
const state = (rv: string, extra: object = {}): CheckpointState => ({ tracker: { version: 1, marker: rv, ...extra }, positions: { pods: { resourceVersion: rv, observedAt: 1_796_000_000_000 } } });

async function storedUids(cluster: string): Promise<string[]> {
  const rows = await sql<{ pod_uid: string }>(db.url, `SELECT t.pod_uid FROM terminations t JOIN clusters c ON c.id = t.cluster_id WHERE c.name = $1 ORDER BY 1`, [cluster]);
  return rows.map((r) => r.pod_uid);
}

async function storedState(cluster: string): Promise<{ epoch: string; tracker: unknown; positions: unknown } | undefined> {
  return (await sql<{ epoch: string; tracker: unknown; positions: unknown }>(db.url, `SELECT epoch::text AS epoch, tracker, positions FROM ingest_checkpoints WHERE cluster = $1`, [cluster]))[0];
}

describe("ingest checkpoint", () => {
  it("each term claims the next epoch; a fresh cluster has no checkpoint, a committed one reads back", async () => {
    const first = await claimCheckpoint("c-claim", db.store);
    expect(first.epoch).toBe(1n);
    expect(first.checkpoint).toEqual({ kind: "none" });
    await commitCheckpoint("c-claim", first.epoch, state("41"), [rec("c-claim", "u1")], db.store);
    const second = await claimCheckpoint("c-claim", db.store);
    expect(second.epoch).toBe(2n);
    expect(second.checkpoint.kind).toBe("ok");
    if (second.checkpoint.kind !== "ok") return;
    expect(second.checkpoint.state).toEqual(state("41"));
    expect(await storedUids("c-claim")).toEqual(["u1"]);
  });

  it("an older epoch's commit is refused and rolled back whole: neither its records nor its state are stored", async () => {
    const old = await claimCheckpoint("c-fence", db.store);
    await commitCheckpoint("c-fence", old.epoch, state("10"), [rec("c-fence", "a")], db.store);
    const next = await claimCheckpoint("c-fence", db.store); // a new term (another replica)
    await expect(commitCheckpoint("c-fence", old.epoch, state("11"), [rec("c-fence", "b", sigkillRecord())], db.store)).rejects.toBeInstanceOf(SupersededError);
    expect(await storedUids("c-fence")).toEqual(["a"]);
    expect((await storedState("c-fence"))?.positions).toEqual(state("10").positions);
    // The current term commits normally.
    await commitCheckpoint("c-fence", next.epoch, state("12"), [rec("c-fence", "c")], db.store);
    expect(await storedUids("c-fence")).toEqual(["a", "c"]);
    expect(await storedState("c-fence")).toMatchObject({ epoch: String(next.epoch), positions: state("12").positions });
  });

  it("a commit racing a claim: exactly one order wins, never both halves", async () => {
    const t1 = await claimCheckpoint("c-race", db.store);
    const commits = Array.from({ length: 5 }, (_, i) =>
      commitCheckpoint("c-race", t1.epoch, state(String(100 + i)), [rec("c-race", `r${i}`)], db.store).then(
        () => "ok" as const,
        (e: unknown) => (e instanceof SupersededError ? ("superseded" as const) : Promise.reject(e)),
      ),
    );
    const claimed = claimCheckpoint("c-race", db.store);
    const outcomes = await Promise.all(commits);
    await claimed;
    // Every commit that landed brought its record; every refused one brought nothing.
    const landed = outcomes.map((o, i) => (o === "ok" ? `r${i}` : null)).filter((x): x is string => x !== null);
    expect(await storedUids("c-race")).toEqual(landed.sort());
  });

  it("an unreadable checkpoint is reported as such, not thrown", () => {
    expect(readCheckpoint("{", "{}", new Date(0)).kind).toBe("unreadable");
    expect(readCheckpoint("{}", JSON.stringify({ pods: { resourceVersion: "" } }), new Date(0)).kind).toBe("unreadable");
    expect(readCheckpoint(null, "{}", null)).toEqual({ kind: "none" });
  });

  it("newestRecordTime: the latest time of the cluster's newest record; null without records", async () => {
    expect(await newestRecordTime("c-none", db.store)).toBeNull();
    const cp = await claimCheckpoint("c-newest", db.store);
    const r = { ...rec("c-newest", "n1"), deleteRequestedAt: "2026-11-30T10:00:00.000Z", exitedAt: "2026-11-30T10:00:20.000Z", deletedAt: "2026-11-30T10:00:21.500Z" };
    await commitCheckpoint("c-newest", cp.epoch, state("5"), [r], db.store);
    expect((await newestRecordTime("c-newest", db.store))?.toISOString()).toBe("2026-11-30T10:00:21.500Z");
  });
});

describe("checkpoint writer", () => {
  it("commits with each marker exactly the records sent before it; later records wait for the next marker", async () => {
    const claim = await claimCheckpoint("w-order", db.store);
    const committed: { marker: unknown; uids: string[] }[] = [];
    const w = new CheckpointWriter({
      commit: async (s, records) => {
        await commitCheckpoint("w-order", claim.epoch, s, records, db.store);
        committed.push({ marker: (s.tracker as { marker: string }).marker, uids: records.map((r) => r.podUid) });
      },
      log: quiet,
    });
    await w.send([rec("w-order", "1"), rec("w-order", "2")]);
    w.mark(state("A"));
    await w.send([rec("w-order", "3")]);
    await waitFor(() => committed.length === 1);
    expect(committed[0]).toEqual({ marker: "A", uids: ["1", "2"] });
    expect(await storedUids("w-order")).toEqual(["1", "2"]);
    expect(w.stats().depth).toBe(1); // "3" waits for its marker
    w.mark(state("B"));
    expect(await w.close(5000)).toBe(true);
    expect(committed[1]).toEqual({ marker: "B", uids: ["3"] });
    expect((await storedState("w-order"))?.positions).toEqual(state("B").positions);
  });

  it("a superseded writer stops at once: the refused commit is rolled back and nothing after it is written", async () => {
    const claim = await claimCheckpoint("w-fence", db.store);
    await claimCheckpoint("w-fence", db.store); // superseded before its first commit
    let superseded = 0;
    const w = new CheckpointWriter({ commit: (s, records) => commitCheckpoint("w-fence", claim.epoch, s, records, db.store), onSuperseded: () => superseded++, log: quiet });
    await w.send([rec("w-fence", "x")]);
    w.mark(state("1"));
    await waitFor(() => superseded === 1);
    expect(w.ended).toBe(true);
    await w.send([rec("w-fence", "y")]);
    w.mark(state("2"));
    expect(await w.close(1000)).toBe(false);
    expect(await storedUids("w-fence")).toEqual([]);
    expect((await storedState("w-fence"))?.tracker).toBeNull();
  });

  it("retries while the database fails; a full buffer rewinds (counted) instead of dropping records", async () => {
    const metrics = createMetrics();
    let failing = true;
    let overflows = 0;
    const claim = await claimCheckpoint("w-out", db.store);
    const w = new CheckpointWriter({
      commit: async (s, records) => {
        if (failing) throw new Error("connection refused");
        await commitCheckpoint("w-out", claim.epoch, s, records, db.store);
      },
      maxBuffer: 5,
      backoff: { initialMs: 20, maxMs: 50 },
      onOverflow: () => overflows++,
      metrics,
      log: quiet,
    });
    await w.send([rec("w-out", "1"), rec("w-out", "2")]);
    w.mark(state("1"));
    await waitFor(() => w.stats().failures >= 2);
    failing = false;
    await waitFor(() => w.stats().commits === 1);
    expect(await storedUids("w-out")).toEqual(["1", "2"]);

    failing = true;
    await w.send([rec("w-out", "3"), rec("w-out", "4"), rec("w-out", "5")]);
    w.mark(state("2"));
    await w.send([rec("w-out", "6"), rec("w-out", "7"), rec("w-out", "8")]);
    expect(overflows).toBe(1);
    expect(w.ended).toBe(true);
    const m = await metrics.registry.getMetricsAsJSON();
    const value = (name: string) => m.find((x) => x.name === name)?.values[0]?.value ?? 0;
    expect(value("drainwatch_ingest_rewinds_total")).toBe(1);
    expect(value("drainwatch_records_dropped_total")).toBe(0);
    // The last committed checkpoint is what the rewind resumes from.
    expect((await storedState("w-out"))?.positions).toEqual(state("1").positions);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
