// Resume from the checkpoint with the real CLI (issue 10 point 7): `drainwatch serve` processes
// against the sandbox (started here, so its ground truth is known) and a real Postgres; the leader
// is SIGKILLed while pods are mid-drain and records sit in the settle window, a new process starts
// at once, and the database must hold the ground truth exactly once, causes and outcomes exact.
// When the sandbox's watch history has moved past the checkpoint by the time the new process
// starts, a history-expired gap is stored and served by GET /api/v1/gaps, and nothing is invented.
import { describe, expect, it } from "vitest";
import { startChurn } from "../../bench/load.ts";
import { startSandbox, type GroundTruth, type Sandbox } from "../../lib/sandbox/index.ts";
import { sql } from "../helpers/db.ts";
import { e2eFile, EVERY_OUTCOME_PODS, freePort, get, isReady, rows, scenarioYaml, type Served, sleep, SLOW_WORKLOAD, TIME_SCALE, until } from "./helpers.ts";

const file = e2eFile("dw_e2e_resume");
const { cleanups, database, serve } = file;

function serveEnv(dbUrl: string, port: number): Record<string, string> {
  return file.serveEnv(dbUrl, port, { DRAINWATCH_SETTLE_SECONDS: "2", DRAINWATCH_LEASE_DURATION_SECONDS: "3", DRAINWATCH_CHECKPOINT_SECONDS: "0.5" });
}

async function sandbox(yaml: string, port: number, historyLimit?: number): Promise<Sandbox> {
  const sb = await startSandbox({ scenario: yaml, port, ...(historyLimit ? { historyLimit } : {}) });
  cleanups.push(() => sb.close());
  return sb;
}

const summary = (list: { podUid?: string; pod_uid?: string; pod: string; cause: string; outcome: string }[]): string[] =>
  list.map((r) => `${r.pod} ${r.podUid ?? r.pod_uid} ${r.cause} ${r.outcome}`).sort();

async function recorded(dbUrl: string, want: GroundTruth[]): Promise<boolean> {
  const got = new Set((await rows(dbUrl)).map((r) => r.pod_uid));
  return want.length > 0 && want.every((t) => got.has(t.podUid));
}

/** Starts serve, the scenario (every-outcome + slow pods deleted at +20), and waits for readiness. */
async function scenario(historyLimit?: number): Promise<{ dbUrl: string; env: Record<string, string>; sb: Sandbox; first: Served }> {
  const dbUrl = await database();
  const port = await freePort();
  const env = serveEnv(dbUrl, port);
  const first = await serve(env);
  await until("serve started", () => first.output().includes('"msg":"ready"'), 40_000, [first]);
  const offset = 160; // 8 s of wall time for the first list on a busy machine
  const yaml = scenarioYaml({
    timeScale: TIME_SCALE,
    offsetSeconds: offset,
    extraWorkloads: [SLOW_WORKLOAD],
    extraSchedule: [{ at: offset + 20, action: "kubectl", command: "delete pod -n shop -l app=batch" }],
  });
  const sb = await sandbox(yaml, port, historyLimit);
  const t0 = sb.now();
  await until("/readyz 200", () => isReady(first), 10_000, [first]);
  expect((sb.now() - t0) / 1000, "ready before the first action").toBeLessThan(offset + 10);
  return { dbUrl, env, sb, first };
}

/** The slow pods are mid-drain, and the quick ones' records may still be in the settle window. */
async function midDrain(sb: Sandbox, first: Served): Promise<void> {
  const batch = (): GroundTruth[] => sb.groundTruth().filter((t) => t.workload.name === "batch");
  await until("the slow pods draining after the quick terminations ended", () => batch().length === 2 && sb.groundTruth().filter((t) => t.endedAt !== null).length >= EVERY_OUTCOME_PODS, 40_000, [first]);
  expect(batch().every((t) => t.endedAt === null)).toBe(true);
}

describe("serve resumes from the checkpoint", () => {
  it("SIGKILL of the only replica mid-drain, restarted at once: the ground truth, each termination exactly once", async () => {
    const { dbUrl, env, sb, first } = await scenario();
    await midDrain(sb, first);
    const before = (await rows(dbUrl)).length;
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await serve(env);
    await until("/readyz 200 after the restart", () => isReady(second), 30_000, [second]);

    await Promise.race([sb.done(), sleep(30_000)]);
    const truth = sb.groundTruth();
    expect(truth.every((t) => t.endedAt !== null)).toBe(true);
    await until("every ground-truth pod recorded", () => recorded(dbUrl, truth), 20_000, [second]);
    await sleep(2_000); // nothing else arrives late
    const got = await rows(dbUrl);
    expect(new Set(got.map((r) => r.pod_uid)).size, "one row per pod UID").toBe(got.length);
    expect(summary(got)).toEqual(summary(truth));
    expect(before, "the killed process left work to its successor").toBeLessThan(truth.length);
    expect(await sql(dbUrl, "SELECT * FROM coverage_gaps")).toEqual([]);
  }, 90_000);

  it("restarted after the watch history moved past the checkpoint: a gap is stored and served, nothing invented", async () => {
    const { dbUrl, env, sb, first } = await scenario(30);
    await midDrain(sb, first);
    first.child.kill("SIGKILL");
    await first.exited;
    const churn = startChurn(sb.driver, { updatesPerSecond: 200 });
    await sleep(1_000);
    churn.stop();
    const second = await serve(env);
    await until("/readyz 200 after the restart", () => isReady(second), 30_000, [second]);
    await until("a pods gap stored", async () => (await sql(dbUrl, "SELECT 1 FROM coverage_gaps WHERE resource = 'pods'")).length > 0, 20_000, [second]);
    await Promise.race([sb.done(), sleep(30_000)]);
    await sleep(3_000);

    const [gap] = await sql<{ reason: string; cluster: string; from_at: Date; to_at: Date }>(dbUrl, "SELECT reason, cluster, from_at, to_at FROM coverage_gaps WHERE resource = 'pods'");
    expect(gap).toMatchObject({ reason: "history-expired", cluster: "default" }); // DRAINWATCH_CLUSTER unset
    expect(gap!.to_at.getTime()).toBeGreaterThan(gap!.from_at.getTime());
    const api = await get(`${second.base}/api/v1/gaps?cluster=default`);
    expect(api.status).toBe(200);
    expect(api.text).toContain("history-expired");

    const truth = new Set(sb.groundTruth().map((t) => t.podUid));
    const got = await rows(dbUrl);
    expect(got.filter((r) => !truth.has(r.pod_uid)).map((r) => r.pod), "records nobody terminated").toEqual([]);
    expect(new Set(got.map((r) => r.pod_uid)).size, "one row per pod UID").toBe(got.length);
  }, 90_000);
});
