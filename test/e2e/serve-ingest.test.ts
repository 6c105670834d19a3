// `drainwatch serve` with live ingest, end to end: the real CLI as child processes, the sandbox
// cluster as the Kubernetes API (in the serve process, or started here so that several processes
// share it and its ground truth is known), a real Postgres as the store, and the database as the
// judge: one row per terminated pod UID, with the cause and outcome the simulator intended.
//
// Timing: the sandbox plays every-outcome.yaml at timeScale 0.05 (20 virtual seconds per wall
// second) with its schedule shifted so that the serve processes are ready first; the ingester
// Lease is shortened to 3 s (DRAINWATCH_LEASE_DURATION_SECONDS) so takeovers are quick.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startSandbox, type GroundTruth, type Sandbox } from "../../lib/sandbox/index.ts";
import { sql } from "../helpers/db.ts";
import { e2eFile, EVERY_OUTCOME_PODS, freePort, get, isReady, metric, root, type Row, rows, scenarioYaml, type Served, sleep, SLOW_WORKLOAD, startServe, tempDir, terminate, TIME_SCALE, until, writtenBy } from "./helpers.ts";
import { contractText } from "../helpers/shared-docs.ts";

/** Every metric name contract §6 promises. */
function contractMetricNames(): string[] {
  const section = contractText().split(/^## 6\./m)[1] ?? "";
  return [...new Set(section.match(/drainwatch_[a-z0-9_]+/g) ?? [])];
}
import { processEnv } from "../../lib/env.ts";

const execFileP = promisify(execFile);

const file = e2eFile("dw_e2e");
const { cleanups, database, serve } = file;

/** Environment of a serve process that ingests from the sandbox on `port` (started later). */
function serveEnv(dbUrl: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return file.serveEnv(dbUrl, port, { DRAINWATCH_SETTLE_SECONDS: "0.5", DRAINWATCH_LEASE_DURATION_SECONDS: "3", ...extra });
}

/** Up to the point where only the Kubernetes API is missing (store open, Next prepared). */
async function waitStarted(s: Served): Promise<void> {
  await until("serve started (store and Next)", () => s.output().includes('"msg":"ready"'), 40_000, [s]);
}

async function sandbox(yaml: string, port: number): Promise<Sandbox> {
  const sb = await startSandbox({ scenario: yaml, port });
  cleanups.push(() => sb.close());
  return sb;
}

/** Fails unless the scenario's first action (at `firstAtVirtual` s) is still ahead. */
function expectBeforeFirstAction(sb: Sandbox, startedAt: number, firstAtVirtual: number): void {
  const elapsedVirtual = (sb.now() - startedAt) / 1000;
  expect(elapsedVirtual, "serve must be ready before the scenario's first action (machine too slow?)").toBeLessThan(firstAtVirtual);
}

function summary(list: { podUid?: string; pod_uid?: string; pod: string; cause: string; outcome: string }[]): string[] {
  return list.map((r) => `${r.pod} ${r.podUid ?? r.pod_uid} ${r.cause} ${r.outcome}`).sort();
}

/** Every ground-truth pod has exactly one row, and there is no other row. */
function expectExactlyOnce(got: Row[], truth: GroundTruth[]): void {
  const uids = got.map((r) => r.pod_uid);
  expect(new Set(uids).size, "one row per pod UID").toBe(uids.length);
  expect([...uids].sort(), "every ground-truth pod, and nothing else").toEqual(truth.map((t) => t.podUid).sort());
}

async function allRecorded(dbUrl: string, truth: () => GroundTruth[]): Promise<boolean> {
  const want = truth();
  const got = new Set((await rows(dbUrl)).map((r) => r.pod_uid));
  return want.length > 0 && want.every((t) => got.has(t.podUid));
}

describe("serve with live ingest", () => {
  it("never puts simulated data in a real database by accident: a bad KUBECONFIG, or no cluster with DATABASE_URL, exits 2", async () => {
    const dbUrl = await database();
    const dir = tempDir("dw-e2e-badkube-");
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "home"));
    const base = { DATABASE_URL: dbUrl, HOME: path.join(dir, "home"), KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined };
    for (const [kubeconfig, want] of [
      [path.join(dir, "no-such-kubeconfig"), /invalid setting KUBECONFIG: .*no-such-kubeconfig does not exist/],
      ["/etc/passwd", /invalid setting KUBECONFIG: \/etc\/passwd is not a kubeconfig|invalid setting KUBECONFIG: \/etc\/passwd names no/],
      [undefined, /no cluster to watch.*--sandbox/],
    ] as const) {
      const s = await serve({ ...base, KUBECONFIG: kubeconfig });
      const exit = await Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      expect(exit, s.output()).toEqual({ code: 2, signal: null });
      expect(s.output()).toMatch(want);
    }
    expect(await rows(dbUrl).catch(() => [])).toEqual([]);
  }, 60_000);

  it("--sandbox with a database ingests the sandbox, stamps cluster `sandbox`, and says it is a sandbox", async () => {
    const dbUrl = await database();
    const dir = tempDir("dw-e2e-nokube-");
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "home"));
    // The file says timeScale 1; DRAINWATCH_SANDBOX_TIME_SCALE overrides it.
    const scenarioFile = path.join(dir, "scenario.yaml");
    fs.writeFileSync(scenarioFile, scenarioYaml({ timeScale: 1, offsetSeconds: 100 }));
    const s = await startServe(
      {
        DATABASE_URL: dbUrl,
        HOME: path.join(dir, "home"),
        KUBECONFIG: undefined,
        KUBERNETES_SERVICE_HOST: undefined,
        KUBERNETES_SERVICE_PORT: undefined,
        DRAINWATCH_CLUSTER: "prod-eu",
        DRAINWATCH_SANDBOX_SCENARIO: scenarioFile,
        DRAINWATCH_SANDBOX_TIME_SCALE: String(TIME_SCALE),
        DRAINWATCH_NAMESPACES: "shop",
        DRAINWATCH_SETTLE_SECONDS: "0.5",
        DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.3",
      },
      ["--sandbox"],
    );
    cleanups.push(() => void (s.hasExited() ? undefined : s.child.kill("SIGKILL")));
    await until("/readyz 200", () => isReady(s), 40_000, [s]);
    expect(s.output()).toContain("SANDBOX cluster");
    expect(await metric(s, "drainwatch_leader")).toBe(1);

    await until("terminations recorded", async () => (await rows(dbUrl)).length >= EVERY_OUTCOME_PODS, 30_000, [s]);
    const got = await rows(dbUrl);
    expect(got.every((r) => r.pod.includes("-"))).toBe(true);
    expect(new Set(got.map((r) => r.outcome))).toEqual(new Set(["clean", "sigkill", "oom", "sigterm", "error", "unknown"]));
    expect(await metric(s, "drainwatch_terminations_recorded_total")).toBe(got.length);
    // Contract §6: the per-workload metrics, with exactly their labels and never a pod's.
    const text = (await get(`${s.base}/metrics`)).text;
    expect(await metric(s, "drainwatch_terminations_total")).toBe(got.length);
    for (const name of contractMetricNames()) expect(text, name).toContain(`# TYPE ${name} `);
    const termLine = text.split("\n").find((l) => l.startsWith("drainwatch_terminations_total{"))!;
    expect([...termLine.matchAll(/(\w+)="/g)].map((m) => m[1]).sort()).toEqual(["cause", "cluster", "namespace", "outcome", "workload", "workload_kind"]);
    expect(termLine).toContain('cluster="sandbox"');
    expect(text).not.toMatch(/^drainwatch_\w+\{[^}]*\bpod(_uid)?="/m);
    const [drains] = await sql<{ n: number }>(dbUrl, "SELECT count(*)::int AS n FROM terminations WHERE drain_seconds IS NOT NULL");
    expect(await metric(s, "drainwatch_drain_seconds_count")).toBe(drains!.n);
    // One timeline: observation times (deletion, endpoint change) are on the sandbox's virtual
    // clock like the objects' own timestamps, so they follow the request they observe.
    const times = await sql<{ pod: string; requested: Date | null; deleted: Date | null; lag: number | null }>(
      dbUrl,
      "SELECT pod, delete_requested_at AS requested, deleted_at AS deleted, endpoint_lag_seconds AS lag FROM terminations",
    );
    for (const t of times) {
      if (t.lag !== null) expect(t.lag, t.pod).toBeGreaterThanOrEqual(0);
      if (t.lag !== null) expect(t.lag, t.pod).toBeLessThan(5);
      if (t.requested && t.deleted) expect(t.deleted.getTime() - t.requested.getTime(), t.pod).toBeGreaterThanOrEqual(0);
    }
    expect(times.some((t) => t.lag !== null)).toBe(true);
    const clusters = await sql<{ name: string }>(dbUrl, "SELECT DISTINCT c.name FROM terminations t JOIN clusters c ON c.id = t.cluster_id");
    expect(clusters).toEqual([{ name: "sandbox" }]);

    // The overview lists workloads; pods are on the terminations list.
    const page = await get(`${s.base}/terminations`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Sandbox cluster — simulated data");
    expect(page.text).toContain('data-testid="sandbox-banner"');
    expect(page.text).toContain(got[0]!.pod);

    const exit = await terminate(s, 10_000);
    expect(exit, s.output()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
  }, 60_000);

  it("records exactly the sandbox's ground truth: one row per pod UID, with its cause and outcome", async () => {
    const dbUrl = await database();
    const port = await freePort();
    const s = await serve(serveEnv(dbUrl, port));
    await waitStarted(s);

    const offset = 160; // 8 s of wall time for the informers to sync on a busy machine
    const sb = await sandbox(scenarioYaml({ timeScale: TIME_SCALE, offsetSeconds: offset }), port);
    const t0 = sb.now();
    await until("/readyz 200", () => isReady(s), 10_000, [s]);
    expectBeforeFirstAction(sb, t0, offset + 10);

    await Promise.race([sb.done(), sleep(30_000)]);
    const truth = sb.groundTruth();
    expect(truth.every((t) => t.endedAt !== null)).toBe(true);
    await until("every ground-truth pod recorded", () => allRecorded(dbUrl, () => truth), 15_000, [s]);
    await sleep(1_000); // nothing else arrives late

    const got = await rows(dbUrl);
    expectExactlyOnce(got, truth);
    expect(summary(got)).toEqual(summary(truth));
    expect(writtenBy(s).sort()).toEqual(truth.map((t) => t.podUid).sort());

    const exit = await terminate(s, 10_000);
    expect(exit, s.output()).toMatchObject({ code: 0, signal: null });
  }, 60_000);

  it("two replicas: exactly one leads; SIGKILL the leader → the other takes over and keeps recording, each pod once", async () => {
    const dbUrl = await database();
    const port = await freePort();
    const a = await serve(serveEnv(dbUrl, port));
    const b = await serve(serveEnv(dbUrl, port));
    await Promise.all([waitStarted(a), waitStarted(b)]);

    const offset = 160; // 8 s of wall time: start-up margin on a busy machine
    const phase2 = offset + 360; // 18 s of wall time after the first action: after the takeover
    const yaml = scenarioYaml({
      timeScale: TIME_SCALE,
      offsetSeconds: offset,
      extraWorkloads: [SLOW_WORKLOAD],
      extraSchedule: [
        // In flight (ignoring SIGTERM for 200 virtual s) when the leader is killed.
        { at: offset + 20, action: "kubectl", command: "delete pod -n shop -l app=batch" },
        { at: phase2, action: "rollout", target: "shop/checkout" },
        { at: phase2 + 1, action: "delete-pod", target: "shop/search" },
        { at: phase2 + 2, action: "evict", target: "shop/payments" },
      ],
    });
    const sb = await sandbox(yaml, port);
    const t0 = sb.now();
    await until("both ready", async () => (await isReady(a)) && (await isReady(b)), 20_000, [a, b]);
    expectBeforeFirstAction(sb, t0, offset + 10);

    // Exactly one leader, and it stays so.
    const leaders = async (): Promise<number[]> => [await metric(a, "drainwatch_leader"), await metric(b, "drainwatch_leader")];
    await until("a leader", async () => (await leaders()).reduce((x, y) => x + y) === 1, 5_000, [a, b]);
    for (let i = 0; i < 5; i++) {
      expect((await leaders()).reduce((x, y) => x + y)).toBe(1);
      await sleep(200);
    }
    const [leader, follower] = (await leaders())[0] === 1 ? [a, b] : [b, a];
    // Contract §6: a standby shows no watch activity (the ingest alerts read the leader's).
    const standby = (await get(`${follower.base}/metrics`)).text;
    expect(standby).toMatch(/^drainwatch_informers_synced 0$/m);
    expect(standby).toMatch(/^drainwatch_last_watch_event_timestamp_seconds 0$/m);
    expect(standby).not.toMatch(/^drainwatch_watch_events_total\{/m);
    const lease = await get(`${sb.url}/apis/coordination.k8s.io/v1/namespaces/default/leases/drainwatch-ingester`);
    expect(lease.status).toBe(200);

    // Phase 1 recorded (the slow pods are still draining), then the leader dies without warning.
    const batchPods = (): GroundTruth[] => sb.groundTruth().filter((t) => t.workload.name === "batch");
    await until(
      "phase 1 recorded with the slow pods in flight",
      async () => {
        const ended = sb.groundTruth().filter((t) => t.endedAt !== null);
        return batchPods().length === 2 && ended.length >= EVERY_OUTCOME_PODS && (await allRecorded(dbUrl, () => ended));
      },
      40_000,
      [a, b],
    );
    expect(batchPods().every((t) => t.endedAt === null)).toBe(true);
    await sleep(700); // the last batch is logged, not only committed
    const killedAt = Date.now();
    leader.child.kill("SIGKILL");
    await leader.exited;
    await until("the follower takes over", async () => (await metric(follower, "drainwatch_leader")) === 1, 15_000, [follower]);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(15_000);
    expect(await isReady(follower)).toBe(true);

    await Promise.race([sb.done(), sleep(30_000)]);
    const truth = sb.groundTruth();
    expect(truth.every((t) => t.endedAt !== null)).toBe(true);
    await until("every ground-truth pod recorded", () => allRecorded(dbUrl, () => truth), 15_000, [follower]);
    await sleep(1_000);

    const got = await rows(dbUrl);
    expectExactlyOnce(got, truth);
    // Nothing written by both: each process logs the pod UIDs of every batch it wrote.
    const byLeader = writtenBy(leader);
    const byFollower = writtenBy(follower);
    expect(byLeader.filter((u) => byFollower.includes(u)), "written by both").toEqual([]);
    expect(new Set(byLeader).size).toBe(byLeader.length);
    expect(new Set(byFollower).size).toBe(byFollower.length);
    expect([...byLeader, ...byFollower].sort()).toEqual(truth.map((t) => t.podUid).sort());
    // The follower recorded the pods in flight at the kill and everything after it.
    for (const t of batchPods()) expect(byFollower).toContain(t.podUid);
    expect(byFollower.length).toBeGreaterThanOrEqual(5);
    console.info(`takeover after SIGKILL: ${takeoverMs} ms; leader wrote ${byLeader.length}, follower ${byFollower.length}`);

    const exit = await terminate(follower, 10_000);
    expect(exit, follower.output()).toMatchObject({ code: 0, signal: null });
  }, 75_000);

  it("SIGTERM mid-ingest exits 0 promptly; after a restart every pod is recorded once", async () => {
    const dbUrl = await database();
    const port = await freePort();
    const env = serveEnv(dbUrl, port);
    const first = await serve(env);
    await waitStarted(first);

    const offset = 160; // 8 s of wall time: start-up margin on a busy machine
    const yaml = scenarioYaml({
      timeScale: TIME_SCALE,
      offsetSeconds: offset,
      extraWorkloads: [SLOW_WORKLOAD],
      extraSchedule: [{ at: offset + 20, action: "kubectl", command: "delete pod -n shop -l app=batch" }],
    });
    const sb = await sandbox(yaml, port);
    const t0 = sb.now();
    await until("/readyz 200", () => isReady(first), 10_000, [first]);
    expectBeforeFirstAction(sb, t0, offset + 10);

    const batchPods = (): GroundTruth[] => sb.groundTruth().filter((t) => t.workload.name === "batch");
    await until(
      "quick terminations recorded, slow ones in flight",
      async () => {
        const ended = sb.groundTruth().filter((t) => t.endedAt !== null);
        return batchPods().length === 2 && ended.length >= EVERY_OUTCOME_PODS && (await allRecorded(dbUrl, () => ended));
      },
      40_000,
      [first],
    );
    expect(batchPods().every((t) => t.endedAt === null)).toBe(true);

    const exit = await terminate(first, 10_000);
    expect(exit, first.output()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
    expect(first.output()).toContain("lease released");
    expect(first.output()).toContain('"flushed":true');

    const second = await serve(env);
    await until("/readyz 200 after restart", () => isReady(second), 30_000, [second]);
    expect(await metric(second, "drainwatch_leader")).toBe(1);

    await Promise.race([sb.done(), sleep(30_000)]);
    const truth = sb.groundTruth();
    expect(truth.every((t) => t.endedAt !== null)).toBe(true);
    await until("every ground-truth pod recorded", () => allRecorded(dbUrl, () => truth), 15_000, [second]);
    await sleep(1_000);
    expectExactlyOnce(await rows(dbUrl), truth);
    for (const t of batchPods()) expect(writtenBy(second)).toContain(t.podUid);
    // /metrics counts what this process recorded, never what was stored before the restart.
    expect(await metric(second, "drainwatch_terminations_total")).toBe(batchPods().length);

    const exit2 = await terminate(second, 10_000);
    expect(exit2, second.output()).toMatchObject({ code: 0, signal: null });
  }, 75_000);
});

// ---- a Postgres of its own, stopped and started again mid-run ---------------------------------

interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

const PG_BIN = processEnv().PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** test/helpers/postgres-server.sh in a bash child that lives as long as the cluster should. */
async function ownPostgres(): Promise<OwnPostgres> {
  const child: ChildProcess = spawn(
    "bash",
    ["-c", 'source test/helpers/postgres-server.sh && pg_test_start && echo "PGINFO $DATABASE_URL $PG_TEST_DIR $PG_TEST_PORT" && read -r _; pg_test_stop'],
    { cwd: root, stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await until("own Postgres started", () => out.includes("PGINFO ") || child.exitCode !== null, 60_000);
  const m = /PGINFO (\S+) (\S+) (\d+)/.exec(out);
  if (!m) throw new Error(`could not start a throwaway Postgres:\n${out}`);
  const [, url, dir, port] = m as unknown as [string, string, string, string];
  const asOwner = (args: string[]): Promise<unknown> => {
    const cmd = [`${PG_BIN}/pg_ctl`, ...args];
    return process.getuid?.() === 0
      ? execFileP("su", ["postgres", "-s", "/bin/bash", "-c", cmd.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")], { timeout: 60_000 })
      : execFileP(cmd[0]!, cmd.slice(1), { timeout: 60_000 });
  };
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  return {
    url,
    stop: () => asOwner(["-D", `${dir}/data`, "-m", "fast", "-w", "-t", "30", "stop"]).then(() => undefined),
    start: () => asOwner(["-D", `${dir}/data`, "-l", `${dir}/postgres.log`, "-w", "-t", "60", "-o", options, "start"]).then(() => undefined),
    async dispose() {
      child.stdin?.end();
      await Promise.race([exited, sleep(30_000)]);
    },
  };
}

describe("serve with live ingest across a database outage", () => {
  it("Postgres stopped mid-run: the writer buffers (visible on /metrics) and writes everything once it is back", async () => {
    const pgsrv = await ownPostgres();
    cleanups.push(() => pgsrv.dispose());
    const port = await freePort();
    const s = await serve(serveEnv(pgsrv.url, port));
    await waitStarted(s);

    const offset = 160; // 8 s of wall time: start-up margin on a busy machine
    const phase2 = offset + 200; // 10 s of wall time after the first action
    const yaml = scenarioYaml({
      timeScale: TIME_SCALE,
      offsetSeconds: offset,
      extraSchedule: [
        { at: phase2, action: "rollout", target: "shop/checkout" },
        { at: phase2 + 1, action: "delete-pod", target: "shop/search" },
        { at: phase2 + 2, action: "evict", target: "shop/payments" },
        { at: phase2 + 3, action: "rollout", target: "shop/ledger" },
      ],
    });
    const sb = await sandbox(yaml, port);
    const t0 = sb.now();
    await until("/readyz 200", () => isReady(s), 10_000, [s]);
    expectBeforeFirstAction(sb, t0, offset + 10);

    // Phase 1 written, then the database goes away before phase 2.
    await until(
      "phase 1 recorded",
      async () => {
        const ended = sb.groundTruth().filter((t) => t.endedAt !== null);
        return ended.length >= EVERY_OUTCOME_PODS && (await allRecorded(pgsrv.url, () => ended));
      },
      20_000,
      [s],
    );
    const before = (await rows(pgsrv.url)).length;
    expect((sb.now() - t0) / 1000, "phase 1 done before phase 2 starts").toBeLessThan(phase2);
    await pgsrv.stop();
    const stoppedAt = Date.now();

    // Phase 2 terminations are finalized while the database is down: they wait in the buffer.
    let maxDepth = 0;
    await until(
      "records buffered during the outage",
      async () => {
        maxDepth = Math.max(maxDepth, await metric(s, "drainwatch_write_buffer_depth"));
        return maxDepth > 0;
      },
      30_000,
      [s],
    );
    const readyz = await get(`${s.base}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.text).toContain("database not answering");
    // A partial batch lingers (200 ms) before its first write attempt fails.
    await until("a failed write on /metrics", async () => (await metric(s, "drainwatch_write_failures_total")) > 0, 5_000, [s]);
    await sleep(1_000);
    await pgsrv.start();
    const outageMs = Date.now() - stoppedAt;

    await Promise.race([sb.done(), sleep(30_000)]);
    const truth = sb.groundTruth();
    await until("every ground-truth pod recorded after the outage", () => allRecorded(pgsrv.url, () => truth), 40_000, [s]);
    await sleep(1_000);
    const got = await rows(pgsrv.url);
    expect(got.length).toBeGreaterThan(before);
    expectExactlyOnce(got, truth);
    expect(await metric(s, "drainwatch_write_buffer_depth")).toBe(0);
    expect(await metric(s, "drainwatch_records_dropped_total")).toBe(0);
    await until("/readyz 200 again", () => isReady(s), 10_000, [s]);
    console.info(`database outage ${outageMs} ms; max buffer depth ${maxDepth}`);

    const exit = await terminate(s, 10_000);
    expect(exit, s.output()).toMatchObject({ code: 0, signal: null });
  }, 90_000);
});
