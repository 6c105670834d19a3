// The REAL live ingest (client-node informers → tracker → buffered writer) against the sandbox
// cluster: every termination the simulator makes in sandbox/scenarios/every-outcome.yaml must
// come out as exactly one record with the cause and outcome the simulator intended.
//
// Time: facts are stamped with the sandbox's virtual clock (informers.clock = sandbox.now), so
// the tracker's clock follows virtual time as it does in the sandbox's own ground-truth test.
// Records settle as the tracker's clock passes their settle time. In committed live.ts the settle
// tick reads Date.now(), which (virtual clock 20x ahead) never moves the tracker; a change in
// progress makes it use informers.clock. Either way, once the scenario has played out, a trickle
// of pod updates (sandbox.churn, no terminations) stands in for the traffic a real cluster always
// has, so later facts settle every record.
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startChurn } from "../../bench/load.ts";
import { startLiveIngest } from "../../lib/ingest/live.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startSandbox } from "../../lib/sandbox/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { kubeConfigOf, until } from "./fixtures.ts";

const EVERY_OUTCOME = fileURLToPath(new URL("../../sandbox/scenarios/every-outcome.yaml", import.meta.url));
/**
 * Wall seconds per virtual second. The file's own 0.02 works too, but leaves only 100 ms of wall
 * time for the informers' initial list and for each watch event's delivery, measured in the
 * tracker's 5 s (virtual) evidence window; 0.05 gives 250 ms and plays out in ~5 s.
 */
const TIME_SCALE = 0.05;
const FIRST_ACTION_S = 10;
/** Virtual ms. */
const SETTLE_MS = 5000;
const quiet = pino({ level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** What a record must agree on with the simulator's intent (both carry these fields). */
function comparable(x: { pod: string; cause: string; outcome: string; gracePeriodSeconds: number | null; containers: readonly { name: string; exitCode: number | null }[] }): object {
  return {
    pod: x.pod,
    cause: x.cause,
    outcome: x.outcome,
    gracePeriodSeconds: x.gracePeriodSeconds,
    containers: x.containers.map((c) => ({ name: c.name, exitCode: c.exitCode })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

describe("live ingest against the sandbox", () => {
  it("reproduces the ground truth of every-outcome.yaml: one record per terminated pod, same cause and outcome, nothing else", async () => {
    const sb = await startSandbox({ scenario: EVERY_OUTCOME, timeScale: TIME_SCALE });
    const start = sb.now();
    cleanups.push(() => sb.close());
    const written: TerminationRecord[] = [];
    const metrics = createMetrics();
    const li = startLiveIngest({
      cluster: "sandbox",
      kubeConfig: kubeConfigOf(sb),
      sink: new StoreSink({ overflow: "drop", write: async (batch) => void written.push(...batch), batchSize: 50, metrics, log: quiet }),
      settleMs: SETTLE_MS,
      tickMs: 50,
      informers: { clock: () => sb.now() },
      metrics,
      log: quiet,
    });
    cleanups.push(() => li.stop({ flushTimeoutMs: 2000 }));

    expect(await li.waitForSync(5000)).toBe(true);
    // Precondition: every informer has listed before the first action (10 virtual s = 0.5 s), so
    // every termination and every ReplicaSet change is watched as it happens.
    expect((sb.now() - start) / 1000, "virtual seconds until the informers synced").toBeLessThan(FIRST_ACTION_S);

    await sb.done();
    const truth = sb.groundTruth();
    expect(new Set(truth.map((t) => t.cause))).toEqual(new Set(["rollout", "scale-down", "eviction", "delete", "node-pressure", "force-delete"]));
    expect(new Set(truth.map((t) => t.outcome))).toEqual(new Set(["clean", "sigkill", "oom", "sigterm", "error", "unknown"]));

    // Traffic after the scenario moves the tracker's (virtual) clock past every settle time.
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    try {
      await until(() => written.length >= truth.length, 10_000, `${truth.length} records (have ${written.length})`);
      // Anything extra would be finalized by now too: give it a few more settle periods.
      await new Promise((r) => setTimeout(r, (4 * SETTLE_MS * sb.scenario.timeScale) | 0));
    } finally {
      heartbeat.stop();
    }
    await li.stop({ flushTimeoutMs: 2000 });
    // Exactly one record per ground-truth pod, and none for any other pod.
    const uids = written.map((r) => r.podUid);
    expect(new Set(uids).size, "duplicate records").toBe(uids.length);
    expect([...uids].sort()).toEqual(truth.map((t) => t.podUid).sort());

    const byUid = new Map(written.map((r) => [r.podUid, r]));
    expect(truth.map((t) => comparable(byUid.get(t.podUid)!))).toEqual(truth.map(comparable));
    // None needed a fallback (expired entries, rewritten deadlines, stale deletes...).
    for (const r of written) expect(r.notes.filter((n) => n !== "no-final-status"), r.pod).toEqual([]);
  }, 30_000);
});
