// `drainwatch serve` end to end: the real CLI (bin/drainwatch.mjs) as a child process, on a free
// port, against a fresh database on the test Postgres server (DATABASE_URL from test/run.sh), and
// against embedded PGlite. Needs a production build in .next (test/run.sh builds it when stale).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openStore, recordTerminations, type Store } from "../../lib/store/index.ts";
import { terminationRecordSchema, type TerminationRecord } from "../../lib/tracker/record.ts";
import { freePort } from "../e2e/helpers.ts";
import { processEnv } from "../../lib/env.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(root, "bin", "drainwatch.mjs");

function requireBuild(): void {
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    throw new Error(
      ".next/BUILD_ID is missing: the serve tests need a production build. Run `npm test` (it builds when stale) or `npx next build` first.",
    );
  }
}

function requireDatabaseUrl(): string {
  const url = processEnv().DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: run the tests through `npm test`, which starts a throwaway Postgres.");
  }
  return url;
}


interface Served {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

async function startServe(env: Record<string, string | undefined>, args: string[] = ["--no-ingest"]): Promise<Served> {
  const port = await freePort();
  // `undefined` in env removes the variable; vitest's NODE_ENV=test is replaced (serve is production).
  const childEnv: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries({ ...processEnv(), ...env }).filter(([, v]) => v !== undefined)),
    NODE_ENV: "production",
  };
  childEnv.HOST = "127.0.0.1";
  childEnv.PORT = String(port);
  childEnv.NEXT_TELEMETRY_DISABLED = "1";
  childEnv.CHECKPOINT_DISABLE = "1";
  childEnv.LOG_LEVEL = "info";
  const child = spawn(process.execPath, [BIN, "serve", ...args], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, base: `http://127.0.0.1:${port}`, output: () => out, exited };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** Polls until `check` passes; fails with the server's output if it exits or time runs out. */
async function waitFor(s: Served, what: string, check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void s.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`drainwatch serve exited while waiting for ${what}:\n${s.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${s.output()}`);
}

const waitReady = (s: Served) =>
  waitFor(s, "/readyz 200", async () => (await get(`${s.base}/readyz`)).status === 200);

/** SIGTERM, then: readiness fails at once, liveness stays up, exit 0 within `withinMs`. */
async function terminate(
  s: Served,
  withinMs = 10_000,
): Promise<{ readyzAfterSignal: number; healthzAfterSignal: number; pageAfterSignal: number }> {
  const started = Date.now();
  s.child.kill("SIGTERM");
  // The drain delay (DRAINWATCH_SHUTDOWN_DELAY_SECONDS) keeps the listener open after the signal.
  let readyzAfterSignal = 0;
  for (let i = 0; i < 20 && readyzAfterSignal !== 503; i++) {
    readyzAfterSignal = (await get(`${s.base}/readyz`).catch(() => ({ status: -1 }))).status;
    if (readyzAfterSignal !== 503) await new Promise((r) => setTimeout(r, 25));
  }
  const healthzAfterSignal = (await get(`${s.base}/healthz`).catch(() => ({ status: -1 }))).status;
  const pageAfterSignal = (await get(`${s.base}/`).catch(() => ({ status: -1 }))).status;
  const result = await Promise.race([
    s.exited,
    new Promise<null>((r) => setTimeout(() => r(null), withinMs)),
  ]);
  if (!result) throw new Error(`drainwatch serve did not exit within ${withinMs} ms of SIGTERM:\n${s.output()}`);
  expect(result, s.output()).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(withinMs);
  return { readyzAfterSignal, healthzAfterSignal, pageAfterSignal };
}

function sampleRecord(podUid: string, pod: string): TerminationRecord {
  return terminationRecordSchema.parse({
    podUid,
    cluster: "default",
    namespace: "serve-test",
    pod,
    node: "node-1",
    workload: { kind: "Deployment", name: "ledger" },
    revision: "3",
    cause: "rollout",
    outcome: "sigkill",
    gracePeriodSeconds: 30,
    deleteRequestedAt: "2026-05-11T09:35:00.000Z",
    deadlineAt: "2026-05-11T09:35:30.000Z",
    endpointsUnreadyAt: "2026-05-11T09:35:00.350Z",
    killingAt: "2026-05-11T09:35:00.000Z",
    exitedAt: "2026-05-11T09:35:32.000Z",
    deletedAt: "2026-05-11T09:35:33.100Z",
    drainSeconds: 32,
    endpointLagSeconds: 0.35,
    preStop: { defined: false, action: null, failed: false },
    sidecarExitedFirst: false,
    containers: [
      { name: "ledger", sidecar: false, exitCode: 137, reason: "Error", finishedAt: "2026-05-11T09:35:32.000Z", outcome: "sigkill" },
    ],
    events: [{ reason: "Killing", type: "Normal", message: "Stopping container ledger", at: "2026-05-11T09:35:00.000Z", count: 1 }],
    traffic: null,
    notes: [],
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("drainwatch serve on PostgreSQL", () => {
  const dbName = `drainwatch_serve_${process.pid}_${Date.now()}`;
  let adminUrl = "";
  let dbUrl = "";
  let store: Store | null = null;

  beforeAll(async () => {
    requireBuild();
    adminUrl = requireDatabaseUrl();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
  });

  afterAll(async () => {
    await store?.close();
    if (!adminUrl) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  });

  it("gets ready, lists stored terminations, and shuts down cleanly on SIGTERM", async () => {
    const s = await startServe({ DATABASE_URL: dbUrl, DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "1.5" });
    await waitReady(s);
    expect(await get(`${s.base}/healthz`)).toMatchObject({ status: 200 });
    expect(JSON.parse((await get(`${s.base}/readyz`)).text)).toEqual({ status: "ready" });
    const metrics = await get(`${s.base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain("# TYPE drainwatch_write_buffer_depth gauge");
    expect(metrics.text).toContain("drainwatch_leader 0");

    // Empty at first.
    const empty = await get(`${s.base}/`);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain("drainwatch");
    expect(empty.text).toContain("No terminations recorded yet");

    // Insert through the store (serve has migrated the database), then the page shows it.
    store = await openStore({ databaseUrl: dbUrl });
    await migrate(store); // idempotent next to serve's own migration
    await recordTerminations(store, [
      sampleRecord("11111111-aaaa-4bbb-8ccc-000000000001", "ledger-66b8d9c7f4-older"),
      { ...sampleRecord("11111111-aaaa-4bbb-8ccc-000000000002", "ledger-66b8d9c7f4-newer"), deleteRequestedAt: "2026-05-11T10:00:00.000Z", outcome: "clean", cause: "scale-down" },
    ]);
    // The terminations list (pods; the overview lists workloads), over a range that holds them.
    const page = await get(`${s.base}/terminations?since=2026-05-01T00:00:00Z`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("No terminations recorded yet");
    expect(page.text).toContain("ledger-66b8d9c7f4-older");
    expect(page.text).toContain("serve-test");
    expect(page.text).toContain("Deployment/ledger");
    expect(page.text).toContain("sigkill");
    expect(page.text).toContain("32.0 s"); // drain seconds
    expect(page.text).toContain("30 s"); // grace
    expect(page.text).toContain("2026-05-11 09:35:00Z");
    // Newest first.
    expect(page.text.indexOf("ledger-66b8d9c7f4-newer")).toBeGreaterThan(-1);
    expect(page.text.indexOf("ledger-66b8d9c7f4-newer")).toBeLessThan(page.text.indexOf("ledger-66b8d9c7f4-older"));

    const { readyzAfterSignal, healthzAfterSignal, pageAfterSignal } = await terminate(s, 8_000);
    expect(readyzAfterSignal, "readiness must fail at once on SIGTERM").toBe(503);
    expect(healthzAfterSignal, "liveness stays up while draining").toBe(200);
    expect(pageAfterSignal, "requests are still served while draining").toBe(200);
    expect(s.output()).toContain("shutdown complete");
    // The listener is gone after exit.
    await expect(get(`${s.base}/healthz`)).rejects.toThrow();
  }, 90_000);

  it("answers /healthz but not /readyz while the database is unreachable, and says so on the page", async () => {
    const deadPort = await freePort();
    const s = await startServe({
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/nowhere`,
      DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0",
    });
    await waitFor(s, "/healthz 200", async () => (await get(`${s.base}/healthz`)).status === 200);
    const readyz = await get(`${s.base}/readyz`);
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.text)).toMatchObject({ status: "not ready" });
    // Once Next is up, the page renders a clear message instead of crashing.
    await waitFor(s, "page", async () => (await get(`${s.base}/`)).text.includes("Store unavailable"));
    const page = await get(`${s.base}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Store unavailable");
    expect(page.text).not.toContain(String(deadPort)); // no connection details leak
    await terminate(s, 8_000);
    expect(s.output()).toContain("cannot open or migrate the store");
  }, 90_000);
});

describe("drainwatch serve on embedded PGlite", () => {
  let dataDir = "";

  beforeAll(() => {
    requireBuild();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "drainwatch-serve-pglite-"));
  });

  afterAll(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("uses PGlite under DRAINWATCH_DATA_DIR without DATABASE_URL, shows the empty state", async () => {
    // --no-ingest: the UI and API only (live ingest is covered by test/e2e/serve-ingest.test.ts).
    const s = await startServe({ DATABASE_URL: undefined, DRAINWATCH_DATA_DIR: dataDir, DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.5" });
    await waitReady(s);
    const page = await get(`${s.base}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("No terminations recorded yet");
    expect(page.text).toContain("embedded database");
    expect(fs.readdirSync(dataDir).length).toBeGreaterThan(0);
    expect(s.output()).toContain("live ingest disabled");
    expect(page.text).not.toContain("Sandbox cluster");
    const { readyzAfterSignal } = await terminate(s, 10_000);
    expect(readyzAfterSignal).toBe(503);
  }, 90_000);
});
