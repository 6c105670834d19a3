// Live ingest end to end against the fake API server: restart mid-termination, capture → replay
// equivalence (through the shared pipeline and through `drainwatch capture`), leader gating.
import { defaultSettings } from "../../lib/env.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { runCapture } from "../../lib/cli/capture.ts";
import type { EnrichOutcome, Enricher } from "../../lib/ingest/enrich.ts";
import { startLeaderIngest } from "../../lib/ingest/leader-ingest.ts";
import { startLiveIngest, type LiveIngest } from "../../lib/ingest/live.ts";
import { runIngest } from "../../lib/ingest/pipeline.ts";
import { CollectSink } from "../../lib/ingest/sink.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { readCapture } from "../../lib/sources/capture.ts";
import { captureLine } from "../../lib/sources/live/capture-line.ts";
import { startInformers, type LiveSource } from "../../lib/sources/live/informers.ts";
import { compareRecords, type TerminationRecord } from "../../lib/tracker/record.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";
import { startFakeApiServer, type FakeApiServer } from "./fake-apiserver.ts";
import { killingEvent, NS, pod, seed, sleep, terminateCleanly, until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
const SETTLE = 300;
let api: FakeApiServer;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  api = await startFakeApiServer();
  dir = mkdtempSync(path.join(os.tmpdir(), "dw-live-"));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function ingest(written: TerminationRecord[], extra: Partial<Parameters<typeof startLiveIngest>[0]> = {}): LiveIngest {
  const metrics = createMetrics();
  const li = startLiveIngest({
    cluster: "test",
    kubeConfig: api.kubeConfig(),
    sink: new StoreSink({ overflow: "drop", write: async (batch) => void written.push(...batch), metrics, log: quiet }),
    settleMs: SETTLE,
    tickMs: 50,
    informers: { backoff: { initialMs: 50, maxMs: 200 } },
    metrics,
    log: quiet,
    ...extra,
  });
  cleanups.push(() => li.stop());
  return li;
}

async function replay(file: string): Promise<TerminationRecord[]> {
  const out = new CollectSink();
  await runIngest(readCapture(file), { tracker: new Tracker({ cluster: "test", settleMs: SETTLE }), sink: out });
  return out.records.sort(compareRecords);
}

/** Scripted traffic: a clean drain, a SIGKILL after a 1 s grace, a pod lost across a 410. */
async function traffic(): Promise<void> {
  terminateCleanly(api, 0);
  await sleep(30);
  const t = Date.now();
  api.apply("pods", pod({ name: "web-abc-1", uid: "uid-1", deleteAt: t, grace: 1 }));
  api.apply("events", killingEvent("web-abc-1", "uid-1", t));
  await sleep(30);
  api.apply("pods", pod({ name: "web-abc-1", uid: "uid-1", deleteAt: t, grace: 1, exit: { code: 137, reason: "Error", at: t + 2000 } }));
  api.remove("pods", NS, "web-abc-1");
  await sleep(30);
  api.remove("pods", NS, "web-abc-2", { silent: true });
  api.compact({ notifyOpen: true });
}

describe("live ingest", () => {
  it("a restart mid-termination yields one correct record (no finalize on shutdown)", async () => {
    seed(api, 2);
    const written: TerminationRecord[] = [];
    const first = ingest(written);
    expect(await first.waitForSync(5000)).toBe(true);
    // Recent (the tracker expires entries long past their deadline), whole seconds as the API.
    const deleteAt = Math.floor(Date.now() / 1000) * 1000;
    const iso = (ms: number): string => new Date(ms).toISOString();
    api.apply("pods", pod({ name: "web-abc-0", uid: "uid-0", deleteAt }));
    api.apply("events", killingEvent("web-abc-0", "uid-0", deleteAt));
    await until(() => first.tracker.stats().tracking === 1, 3000, "tracking the terminating pod");
    await first.stop();
    expect(written).toHaveLength(0); // not finalized as if it had ended

    const second = ingest(written);
    expect(await second.waitForSync(5000)).toBe(true);
    await until(() => second.tracker.stats().tracking === 1, 3000, "picked up from the list");
    api.apply("pods", pod({ name: "web-abc-0", uid: "uid-0", deleteAt, exit: { code: 0, reason: "Completed", at: deleteAt + 3000 } }));
    api.remove("pods", NS, "web-abc-0");
    await until(() => written.length > 0, 5000, "record written");
    await sleep(SETTLE + 200);
    expect(written).toHaveLength(1);
    const r = written[0]!;
    expect(r).toMatchObject({
      podUid: "uid-0",
      pod: "web-abc-0",
      outcome: "clean",
      gracePeriodSeconds: 30,
      deleteRequestedAt: iso(deleteAt),
      exitedAt: iso(deleteAt + 3000),
      killingAt: iso(deleteAt),
      workload: { kind: "Deployment", name: "web" },
    });
    expect(r.notes).not.toContain("relist-stale-delete");
  });

  it("shutdown writes a pod that was already deleted but still settling, and leaves a draining pod", async () => {
    seed(api, 2);
    const written: TerminationRecord[] = [];
    const li = ingest(written, { settleMs: 60_000 }); // nothing settles by time in this test
    expect(await li.waitForSync(5000)).toBe(true);
    const deleteAt = Math.floor(Date.now() / 1000) * 1000;
    terminateCleanly(api, 0, deleteAt); // deleted: only its settle window is left
    api.apply("pods", pod({ name: "web-abc-1", uid: "uid-1", deleteAt })); // still draining
    await until(() => li.tracker.stats().tracking === 2, 3000, "tracking both pods");
    await li.stop();
    expect(written.map((r) => [r.podUid, r.outcome])).toEqual([["uid-0", "clean"]]);
  });

  it("an enricher's additions are rewritten after the record was written, without delaying it", async () => {
    seed(api, 2);
    const written: TerminationRecord[] = [];
    let release: () => void = () => undefined;
    const answered = new Promise<void>((r) => (release = r));
    // Answers only when the test says so: until then, the record must already be written.
    const slow: Enricher = {
      name: "slow",
      async enrich(records) {
        await answered;
        return records.map((): EnrichOutcome => ({ kind: "patch", patch: { notes: ["enriched"] } }));
      },
    };
    const li = ingest(written, { enrichers: [slow] });
    expect(await li.waitForSync(5000)).toBe(true);
    terminateCleanly(api, 0);
    await until(() => written.length === 1, 5000, "record written");
    expect(written[0]!.notes).not.toContain("enriched");
    release();
    await until(() => written.length === 2, 5000, "enriched version written");
    expect(written[1]).toEqual({ ...written[0], notes: ["enriched"] });
  });

  it("replaying a capture of the traffic gives the records live ingest wrote", async () => {
    seed(api, 3);
    const written: TerminationRecord[] = [];
    const lines: string[] = [];
    // One informer source teed to live ingest and to a capture, as `capture` would write it.
    const base = startInformers({ kubeConfig: api.kubeConfig(), metrics: createMetrics(), log: quiet, backoff: { initialMs: 50, maxMs: 200 } });
    const teed: LiveSource = {
      ...base,
      synced: () => base.synced(),
      waitForSync: (ms) => base.waitForSync(ms),
      stop: () => base.stop(),
      async *batches() {
        for await (const b of base.batches()) {
          for (const item of b) lines.push(captureLine(item.fact));
          yield b;
        }
      },
    };
    const live = ingest(written, { source: teed });
    expect(await live.waitForSync(5000)).toBe(true);
    await traffic();
    await until(() => written.length === 3, 5000, "three live records");
    await live.stop();

    const file = path.join(dir, "teed.ndjson");
    (await import("node:fs")).writeFileSync(file, lines.join(""));
    const replayed = await replay(file);
    expect(replayed).toEqual([...written].sort(compareRecords));
    const byPod = Object.fromEntries(replayed.map((r) => [r.pod, r]));
    expect(byPod["web-abc-0"]!.outcome).toBe("clean");
    expect(byPod["web-abc-1"]!.outcome).toBe("sigkill");
    expect(byPod["web-abc-2"]!.outcome).toBe("unknown");
    expect(byPod["web-abc-2"]!.notes).toContain("relist-stale-delete");
  });

  it("`drainwatch capture --out` records the same traffic; replay matches live ingest", async () => {
    seed(api, 3);
    const written: TerminationRecord[] = [];
    const live = ingest(written);
    const file = path.join(dir, "cli.ndjson");
    const stop = new AbortController();
    const capturing = runCapture(defaultSettings(), ["--out", file], { kubeConfig: api.kubeConfig(), signal: stop.signal, informers: { log: quiet, metrics: createMetrics() } });
    expect(await live.waitForSync(5000)).toBe(true);
    await until(() => api.openWatches("pods") === 2, 3000, "both watching pods");
    await sleep(100);
    await traffic();
    await until(() => written.length === 3, 5000, "three live records");
    await sleep(200);
    stop.abort();
    expect(await capturing).toBe(0);

    const text = readFileSync(file, "utf8");
    const first = JSON.parse(text.split("\n")[0]!) as { at: string; type: string; object: { kind: string } };
    expect(first.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(first.type).toBe("ADDED");
    expect(typeof first.object.kind).toBe("string");
    const replayed = await replay(file);
    // Two informer sets observe each event a few ms apart: observation times may differ.
    const stable = (r: TerminationRecord) => ({ ...r, endpointsUnreadyAt: null, endpointLagSeconds: null, deletedAt: null });
    expect(replayed.map(stable)).toEqual([...written].sort(compareRecords).map(stable));
  });

  it("only the leader ingests; a follower takes over when the leader is partitioned", async () => {
    seed(api, 3);
    const writtenA: TerminationRecord[] = [];
    const writtenB: TerminationRecord[] = [];
    const lease = { leaseDurationMs: 3000, renewIntervalMs: 1000, renewDeadlineMs: 2000, retryIntervalMs: 400 };
    const mk = (id: string, out: TerminationRecord[]) => {
      const li = startLeaderIngest({
        cluster: "test",
        kubeConfig: api.kubeConfig(`token-${id}`),
        sink: ({ metrics, log }) => new StoreSink({ overflow: "drop", write: async (b) => void out.push(...b), metrics, log }),
        settleMs: SETTLE,
        tickMs: 50,
        lease: { ...lease, identity: id, namespace: "drainwatch" },
        metrics: createMetrics(),
        log: quiet,
      });
      cleanups.push(() => li.stop());
      return li;
    };
    const a = mk("a", writtenA);
    await until(() => a.isLeader() && a.ready(), 5000, "a leads and synced");
    const b = mk("b", writtenB);
    await sleep(500);
    expect(b.isLeader()).toBe(false);
    expect(b.ready()).toBe(true); // followers serve the UI
    terminateCleanly(api, 0);
    await until(() => writtenA.length === 1, 3000, "a writes");

    api.block("token-a");
    await until(() => b.isLeader() && b.ready(), 8000, "b takes over");
    expect(a.isLeader()).toBe(false);
    expect(a.current()).toBeNull();
    terminateCleanly(api, 1);
    await until(() => writtenB.some((r) => r.pod === "web-abc-1"), 3000, "b writes");
    expect(writtenA.map((r) => r.pod)).toEqual(["web-abc-0"]);
  });
});
