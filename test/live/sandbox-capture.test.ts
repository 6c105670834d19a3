// Capture equivalence against the sandbox: `drainwatch capture` (runCapture, its own informers)
// records the same cluster while the real live ingest runs; replaying that file with the real CLI
// (`node bin/drainwatch.mjs replay FILE --json --no-store`) must give the records live ingest
// wrote.
//
// Both watchers stamp facts with the sandbox's virtual clock (informers.clock = sandbox.now), so
// times the tracker takes from objects agree exactly. Compared: every record field except those
// taken from observation time, which differ between two independent watchers by their delivery
// latency (a few wall ms = tens of virtual ms at timeScale 0.05): deletedAt (when the DELETED
// event was seen), endpointsUnreadyAt and endpointLagSeconds (when the EndpointSlice change was
// seen). Those are checked to agree within OBSERVATION_SLACK_MS.
import { defaultSettings } from "../../lib/env.ts";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startChurn } from "../../bench/load.ts";
import { runCapture } from "../../lib/cli/capture.ts";
import { startLiveIngest } from "../../lib/ingest/live.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startSandbox } from "../../lib/sandbox/index.ts";
import { compareRecords, type TerminationRecord } from "../../lib/tracker/record.ts";
import { kubeConfigOf, until } from "./fixtures.ts";
import { processEnv } from "../../lib/env.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EVERY_OUTCOME = path.join(ROOT, "sandbox/scenarios/every-outcome.yaml");
/** Wall seconds per virtual second (see sandbox-ground-truth.test.ts for why not 0.02). */
const TIME_SCALE = 0.05;
const FIRST_ACTION_S = 10;
const SETTLE_S = 5;
/** Virtual ms: 100 wall ms of delivery-latency difference between the two watchers. */
const OBSERVATION_SLACK_MS = 100 / TIME_SCALE;
type Observed = "deletedAt" | "endpointsUnreadyAt" | "endpointLagSeconds";
const quiet = pino({ level: "silent" });
const run = promisify(execFile);
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});



function kindsIn(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return new Set();
  }
  return new Set([...text.matchAll(/"kind":"(Pod|ReplicaSet|Deployment|EndpointSlice)"/g)].map((m) => m[1]!));
}

/** The record without observation-time fields. */
function objectTimed(r: TerminationRecord): Omit<TerminationRecord, Observed> {
  const { deletedAt, endpointsUnreadyAt, endpointLagSeconds, ...rest } = r;
  void [deletedAt, endpointsUnreadyAt, endpointLagSeconds];
  return rest;
}

describe("capture against the sandbox", () => {
  it("replaying a capture taken alongside live ingest gives the same records", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dw-sandbox-capture-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "capture.ndjson");

    const sb = await startSandbox({ scenario: EVERY_OUTCOME, timeScale: TIME_SCALE });
    const start = sb.now();
    cleanups.push(() => sb.close());
    const clock = (): number => sb.now();

    const live: TerminationRecord[] = [];
    const metrics = createMetrics();
    const li = startLiveIngest({
      cluster: "sandbox",
      kubeConfig: kubeConfigOf(sb),
      sink: new StoreSink({ overflow: "drop", write: async (batch) => void live.push(...batch), metrics, log: quiet }),
      settleMs: SETTLE_S * 1000,
      tickMs: 50,
      informers: { clock },
      metrics,
      log: quiet,
    });
    cleanups.push(() => li.stop({ flushTimeoutMs: 2000 }));

    const stopCapture = new AbortController();
    const capture = runCapture(defaultSettings(), ["--out", file], { kubeConfig: kubeConfigOf(sb), signal: stopCapture.signal, informers: { clock, metrics: createMetrics(), log: quiet } });
    cleanups.push(() => {
      stopCapture.abort();
      return capture;
    });

    expect(await li.waitForSync(5000)).toBe(true);
    // runCapture does not expose its sync: its file holds the initial lists once it has synced.
    await until(() => kindsIn(file).size === 4, 5000, "the capture's initial lists");
    expect((sb.now() - start) / 1000, "virtual seconds until both watchers synced").toBeLessThan(FIRST_ACTION_S);

    await sb.done();
    const truth = sb.groundTruth();
    // Traffic after the scenario (seen by both watchers) settles every record; see the
    // ground-truth test for why the live settle tick cannot.
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    try {
      await until(() => live.length >= truth.length, 10_000, `${truth.length} live records (have ${live.length})`);
      await new Promise((r) => setTimeout(r, 4 * SETTLE_S * 1000 * TIME_SCALE));
    } finally {
      heartbeat.stop();
    }
    await li.stop({ flushTimeoutMs: 2000 });
    stopCapture.abort();
    expect(await capture).toBe(0);

    // The real CLI, in its own process: default cluster name and settle time made to match.
    const env: NodeJS.ProcessEnv = { ...processEnv(), DRAINWATCH_CLUSTER: "sandbox", DRAINWATCH_SETTLE_SECONDS: String(SETTLE_S) };
    delete env.DATABASE_URL; // --no-store: never opened, but still validated when set
    const { stdout } = await run(process.execPath, [path.join(ROOT, "bin/drainwatch.mjs"), "replay", file, "--json", "--no-store"], {
      cwd: ROOT,
      env,
      timeout: 30_000,
      maxBuffer: 64 << 20,
    });
    const replayed = stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as TerminationRecord);

    live.sort(compareRecords);
    expect(live.length).toBe(truth.length);
    expect(replayed.map((r) => r.podUid)).toEqual(live.map((r) => r.podUid));
    expect(replayed.map(objectTimed)).toEqual(live.map(objectTimed));

    // Observation times: the same set of known fields, and close.
    const ms = (t: string | null): number | null => (t === null ? null : Date.parse(t));
    for (const [i, r] of replayed.entries()) {
      const l = live[i]!;
      for (const k of ["deletedAt", "endpointsUnreadyAt"] as const) {
        const a = ms(r[k]);
        const b = ms(l[k]);
        expect(a === null, `${r.pod} ${k} known in one record only`).toBe(b === null);
        if (a !== null && b !== null) expect(Math.abs(a - b), `${r.pod} ${k}`).toBeLessThanOrEqual(OBSERVATION_SLACK_MS);
      }
    }
  }, 60_000);
});
