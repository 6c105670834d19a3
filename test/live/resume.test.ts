// Resume from the checkpoint, library level, against the sandbox and a real Postgres: a term of
// ingest is stopped abruptly (nothing flushed, nothing finalized: as a SIGKILL or a lost Lease
// leaves it) while pods are mid-termination, a second term restores the tracker from the last
// committed checkpoint and watches from its resourceVersions, and the stored rows equal the
// sandbox's ground truth exactly once. When the sandbox's watch history has moved past the
// checkpoint, the second term relists, a history-expired gap is reported, and no record is invented.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startChurn } from "../../bench/load.ts";
import { startIngestTerm, type CheckpointStore, type CoverageGap, type IngestTerm } from "../../lib/ingest/leader-ingest.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { claimCheckpoint, commitCheckpoint, newestRecordTime } from "../../lib/store/checkpoint.ts";
import { findTerminations, recordTerminations, type Store } from "../../lib/store/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { migratedStore, sql } from "../helpers/db.ts";
import { cleanRecord } from "../store/fixtures.ts";
import { kubeConfigOf, until } from "./fixtures.ts";

const EVERY_OUTCOME = fileURLToPath(new URL("../../sandbox/scenarios/every-outcome.yaml", import.meta.url));

/** every-outcome.yaml with its schedule DELAY_S later, as a file. */
async function delayedScenario(): Promise<string> {
  const text = await readFile(EVERY_OUTCOME, "utf8");
  const shifted = text.replace(/\{ at: (\d+),/g, (_, at: string) => `{ at: ${Number(at) + DELAY_S},`);
  if (shifted === text) throw new Error("every-outcome.yaml: no schedule entries to delay");
  const dir = await mkdtemp(path.join(tmpdir(), "dw-resume-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "every-outcome-delayed.yaml");
  await writeFile(file, shifted);
  return file;
}
/** Wall seconds per virtual second. */
const TIME_SCALE = 0.1;
/** every-outcome.yaml's schedule moved this much later (virtual s), so that the first term has
 * listed every stream before the first action even on a busy machine (its causes need the owners). */
const DELAY_S = 40;
const FIRST_ACTION_S = 10 + DELAY_S;
const SETTLE_MS = 5000;
/** How long (virtual s) no term runs in the long-downtime test. */
const DOWNTIME_S = 20;
const quiet = pino({ level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function checkpointStore(store: Store): CheckpointStore {
  return {
    claim: (c) => claimCheckpoint(c, store),
    commit: async (c, epoch, state, records) => void (await commitCheckpoint(c, epoch, state, records, store)),
    newestRecordTime: (c) => newestRecordTime(c, store),
    ping: () => store.ping(),
  };
}

/** A stored record of the sandbox cluster, as an earlier drainwatch without checkpoints left it. */
const fixtureRecord = (over: Partial<TerminationRecord>): TerminationRecord => ({ ...cleanRecord(), cluster: "sandbox", podUid: "earlier-pod", exitedAt: null, killingAt: null, endpointsUnreadyAt: null, ...over });

function comparable(x: { pod: string; cause: string; outcome: string; gracePeriodSeconds: number | null; containers: readonly { name: string; exitCode: number | null }[] }): object {
  return {
    pod: x.pod,
    cause: x.cause,
    outcome: x.outcome,
    gracePeriodSeconds: x.gracePeriodSeconds,
    containers: x.containers.map((c) => ({ name: c.name, exitCode: c.exitCode })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

async function stored(store: Store): Promise<TerminationRecord[]> {
  return (await findTerminations({ cluster: "sandbox", limit: 500 }, store)).items;
}

async function setup(historyLimit?: number): Promise<{ sb: Sandbox; store: Store; url: string; gaps: CoverageGap[]; term: () => IngestTerm }> {
  const db = await migratedStore();
  cleanups.push(() => db.cleanup());
  const sb = await startSandbox({ scenario: await delayedScenario(), timeScale: TIME_SCALE, ...(historyLimit ? { historyLimit } : {}) });
  cleanups.push(() => sb.close());
  const gaps: CoverageGap[] = [];
  const term = (): IngestTerm => {
    const t = startIngestTerm({
      cluster: "sandbox",
      kubeConfig: kubeConfigOf(sb),
      settleMs: SETTLE_MS,
      tickMs: 50,
      informers: { clock: () => sb.now(), backoff: { initialMs: 50, maxMs: 200 } },
      checkpointing: { store: checkpointStore(db.store), intervalMs: 100, onGap: async (g) => void gaps.push(g) },
      metrics: createMetrics(),
      log: quiet,
    });
    cleanups.push(() => t.stop(0));
    return t;
  };
  return { sb, store: db.store, url: db.url, gaps, term };
}

/**
 * Waits until the last committed checkpoint holds pods in termination (what the next term must
 * continue) while the term still runs; returns how many.
 */
async function midTermination(term: IngestTerm, url: string): Promise<number> {
  const end = Date.now() + 20_000;
  for (;;) {
    const rows = await sql<{ n: number | null }>(url, `SELECT jsonb_array_length(tracker->'entries') AS n FROM ingest_checkpoints WHERE cluster = 'sandbox'`);
    const n = rows[0]?.n ?? 0;
    if (n > 0 && term.current() !== null) return n;
    if (Date.now() > end) throw new Error("no committed checkpoint with pods in termination");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("resume from the checkpoint", () => {
  it("a term stopped abruptly mid-termination, resumed by the next: the ground truth, each termination exactly once", async () => {
    const { sb, store, url, gaps, term } = await setup();
    const started = sb.now();
    const first = term();
    await until(() => first.current()?.synced() ?? false, 5000, "the first term's streams listed");
    expect((sb.now() - started) / 1000, "virtual seconds until the first term synced").toBeLessThan(FIRST_ACTION_S);
    expect(await midTermination(first, url)).toBeGreaterThan(0);
    await first.stop(0); // nothing flushed, nothing finalized
    const committedByFirst = (await stored(store)).length;
    // Terminations go on while no term runs.
    await new Promise((r) => setTimeout(r, 300));

    const second = term();
    await sb.done();
    const truth = sb.groundTruth();
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    try {
      const end = Date.now() + 15_000;
      while ((await stored(store)).length < truth.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, (4 * SETTLE_MS * TIME_SCALE) | 0)); // room for a duplicate to show
    } finally {
      heartbeat.stop();
    }
    await second.stop(2000);

    const rows = await stored(store);
    expect(committedByFirst).toBeLessThan(truth.length); // the second term had work of its own
    expect(rows.map((r) => r.podUid).sort()).toEqual(truth.map((t) => t.podUid).sort());
    const byUid = new Map(rows.map((r) => [r.podUid, r]));
    expect(truth.map((t) => comparable(byUid.get(t.podUid)!))).toEqual(truth.map(comparable));
    for (const r of rows) expect(r.notes.filter((n) => n !== "no-final-status"), r.pod).toEqual([]);
    expect(gaps).toEqual([]); // the history held: nothing unseen
  }, 60_000);

  it("a long downtime: replayed deletions are dated by the objects, not by the replay (deletedAt at most 2 s before the truth, never after)", async () => {
    const { sb, store, url, gaps, term } = await setup();
    const first = term();
    await until(() => first.current()?.synced() ?? false, 5000, "the first term's streams listed");
    await midTermination(first, url);
    await first.stop(0);
    const downFrom = sb.now();
    await new Promise((r) => setTimeout(r, DOWNTIME_S * 1000 * TIME_SCALE)); // 20 virtual seconds unwatched
    const second = term();
    await sb.done();
    const truth = sb.groundTruth();
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    try {
      const end = Date.now() + 15_000;
      while ((await stored(store)).length < truth.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    } finally {
      heartbeat.stop();
    }
    await second.stop(2000);

    const rows = await stored(store);
    const byUid = new Map(rows.map((r) => [r.podUid, r]));
    expect(truth.map((t) => comparable(byUid.get(t.podUid)!))).toEqual(truth.map(comparable)); // causes and outcomes unchanged
    // The deletions that happened while nothing watched: replayed from the history on resume.
    const unwatched = truth.filter((t) => t.endedAt !== null && Date.parse(t.endedAt) > downFrom && Date.parse(t.endedAt) < downFrom + DOWNTIME_S * 1000 && byUid.get(t.podUid)?.deletedAt);
    expect(unwatched.length, "terminations that ended during the downtime").toBeGreaterThan(2);
    // Object timestamps have whole seconds and the kubelet deletes a pod about a second after its
    // final status, so the objects date a deletion up to 2 s early; never late (before: late by up
    // to the downtime, since the replay stamped "now").
    const earlyMs = unwatched.map((t) => ({ pod: t.pod, ms: Date.parse(t.endedAt!) - Date.parse(byUid.get(t.podUid)!.deletedAt!) }));
    for (const e of earlyMs) {
      expect(e.ms, `${e.pod}: truth's endedAt − deletedAt (ms)`).toBeGreaterThanOrEqual(0);
      expect(e.ms, `${e.pod}: truth's endedAt − deletedAt (ms)`).toBeLessThanOrEqual(2000);
    }
    expect(gaps).toEqual([]);
  }, 60_000);

  it("resumed after the watch history moved past the checkpoint: a history-expired gap, and nothing invented", async () => {
    const { sb, store, url, gaps, term } = await setup(20);
    const first = term();
    await midTermination(first, url);
    await first.stop(0);
    // The pods in termination the checkpoint hands on (the next term's source has never seen them).
    const handed = await sql<{ uid: string }>(url, `SELECT e->>'uid' AS uid FROM ingest_checkpoints, jsonb_array_elements(tracker->'entries') e WHERE cluster = 'sandbox' AND e->>'deletedAt' IS NULL`);
    expect(handed.length).toBeGreaterThan(0);
    // Far more changes than the history keeps while nobody watches, and time for those pods to go.
    const churn = startChurn(sb.driver, { updatesPerSecond: 400 });
    await new Promise((r) => setTimeout(r, 500));
    churn.stop();
    await new Promise((r) => setTimeout(r, DOWNTIME_S * 1000 * TIME_SCALE));

    const second = term();
    await until(() => gaps.some((g) => g.resource === "pods"), 15_000, "a pods gap");
    await sb.done();
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    await new Promise((r) => setTimeout(r, 1500));
    heartbeat.stop();
    await second.stop(2000);

    const pods = gaps.find((g) => g.resource === "pods")!;
    expect(pods.reason).toBe("history-expired");
    expect(pods.cluster).toBe("sandbox");
    expect(pods.to.getTime()).toBeGreaterThan(pods.from.getTime());
    const truth = new Set(sb.groundTruth().map((t) => t.podUid));
    const rows = await stored(store);
    // Every stored record is a real termination, each once; none is made up for the gap.
    expect(rows.filter((r) => !truth.has(r.podUid)).map((r) => r.pod)).toEqual([]);
    expect(new Set(rows.map((r) => r.podUid)).size).toBe(rows.length);
    // Each of them has its record now, not an `expired` one an hour later: those deleted during the
    // gap as relist stale deletes (outcome unknown), found absent from the relist.
    const byUid = new Map(rows.map((r) => [r.podUid, r]));
    expect(handed.filter((h) => !byUid.has(h.uid)), "checkpointed pods in termination without a record").toEqual([]);
    const stale = handed.map((h) => byUid.get(h.uid)!).filter((r) => r.notes.includes("relist-stale-delete"));
    expect(stale.length, "pods deleted during the gap, found by the relist").toBeGreaterThan(0);
    for (const r of stale) expect(r.outcome).toBe("unknown");
  }, 60_000);

  it("no checkpoint but stored records: every stream lists, and the time since the newest record is a no-checkpoint gap", async () => {
    const { store, gaps, term } = await setup();
    const newest = "2026-11-30T08:00:05.000Z";
    await recordTerminations(store, [fixtureRecord({ deleteRequestedAt: "2026-11-30T08:00:00.000Z", deletedAt: newest })]);
    const t = term();
    await until(() => gaps.length === 8, 15_000, "a gap per watched resource");
    await t.stop(0);
    expect(new Set(gaps.map((g) => g.reason))).toEqual(new Set(["no-checkpoint"]));
    expect(new Set(gaps.map((g) => g.from.toISOString()))).toEqual(new Set([newest]));
    expect(gaps.every((g) => g.to.getTime() > g.from.getTime() && g.cluster === "sandbox")).toBe(true);
  }, 30_000);

  it("an unreadable checkpoint: a fresh tracker lists every stream, and a checkpoint-unreadable gap is reported from when it was written", async () => {
    const { store, url, gaps, term } = await setup();
    await claimCheckpoint("sandbox", store);
    await sql(url, `UPDATE ingest_checkpoints SET tracker = '{"version": 99}'::jsonb, positions = '{"pods": {"resourceVersion": "1", "observedAt": 0}}'::jsonb, written_at = now() - interval '1 minute'`);
    const t = term();
    await until(() => gaps.length === 8, 15_000, "a gap per watched resource");
    await t.stop(0);
    expect(new Set(gaps.map((g) => g.reason))).toEqual(new Set(["checkpoint-unreadable"]));
    expect(gaps.every((g) => Date.now() - g.from.getTime() > 50_000)).toBe(true);
  }, 30_000);
});
