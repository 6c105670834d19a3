// drainwatch's own graceful shutdown, as Kubernetes exercises it: the real CLI process ingesting
// from the sandbox cluster into a real Postgres, requests held open across SIGTERM, and a prober
// opening new connections throughout.
//
// The slow requests are real ones: page views (GET /) whose query waits for a lock that a
// separate session holds on the terminations table, as a page does behind a slow database.
// The same lock holds the writer's batch, so finished records are still buffered at SIGTERM.
// Timeline after SIGTERM (DRAINWATCH_SHUTDOWN_DELAY_SECONDS = 3):
//   0 s    /readyz 503 at once; new connections still accepted and served
//   1 s    another page view starts (a new connection inside the window)
//   3 s    the listener closes; in-flight requests continue
//   4.5 s  the lock is released: pages answer 200, the writer's batch commits, ingest flushes
//   then   exit 0, well inside the grace the manifests give (preStop + delay + timeout + flush + 5 s)
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { freshDatabase, sql } from "../helpers/db.ts";
import {
  freePort,
  isReady,
  killAll,
  metric,
  requireBuild,
  scenarioYaml,
  sleep,
  startServe,
  tempDir,
  until,
  writeKubeconfig,
  type Served,
} from "../e2e/helpers.ts";

const DELAY_S = 3;
const TIMEOUT_S = 10;
const FLUSH_S = 10;
/** 20 virtual seconds per wall second. */
const TIME_SCALE = 0.05;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch(() => undefined);
});
afterAll(() => killAll());
beforeAll(() => requireBuild());

interface Answer {
  status: number | null;
  error: string | null;
  body: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
}

/** One GET on a connection of its own (never a pooled one: each probe is a new connection). */
function request(base: string, pathname: string): Promise<Answer> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const failed = (err: Error, body = ""): void =>
      resolve({ status: null, error: (err as NodeJS.ErrnoException).code ?? err.message, body, startedAt, endedAt: Date.now() });
    const req = http.get(`${base}${pathname}`, { agent: false, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? null, error: null, body, startedAt, endedAt: Date.now() }));
      res.on("error", (err) => failed(err, body));
    });
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", (err) => failed(err));
  });
}

/** A session holding ACCESS EXCLUSIVE on terminations: every read and write of it waits. */
async function lockTerminations(url: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("BEGIN");
  await c.query("LOCK TABLE terminations IN ACCESS EXCLUSIVE MODE");
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await c.query("COMMIT");
    await c.end();
  };
  cleanups.push(release);
  return { release };
}

async function setup(extraEnv: Record<string, string> = {}, args: string[] = []): Promise<{ s: Served; sb: Sandbox | null; dbUrl: string }> {
  const db = await freshDatabase("dw_shutdown");
  cleanups.push(() => db.drop());
  const dir = tempDir("dw-shutdown-");
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, "home"));
  const port = await freePort();
  const s = await startServe(
    {
      DATABASE_URL: db.url,
      KUBECONFIG: writeKubeconfig(dir, port),
      HOME: path.join(dir, "home"),
      DRAINWATCH_SETTLE_SECONDS: "0.5",
      DRAINWATCH_LEASE_DURATION_SECONDS: "3",
      DRAINWATCH_SHUTDOWN_DELAY_SECONDS: String(DELAY_S),
      DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS: String(TIMEOUT_S),
      DRAINWATCH_SHUTDOWN_FLUSH_SECONDS: String(FLUSH_S),
      ...extraEnv,
    },
    args,
  );
  cleanups.push(() => void (s.hasExited() ? undefined : s.child.kill("SIGKILL")));
  await until("serve started (store and Next)", () => s.output().includes('"msg":"ready"'), 60_000, [s]);
  let sb: Sandbox | null = null;
  if (!args.includes("--no-ingest")) {
    // every-outcome.yaml, starting 4 s of wall time from now (serve is connected by then).
    sb = await startSandbox({ scenario: scenarioYaml({ timeScale: TIME_SCALE, offsetSeconds: 80 }), port });
    cleanups.push(() => sb?.close());
  }
  await until("/readyz 200", () => isReady(s), 30_000, [s]);
  // A replica is ready before it leads; its first term reads terminations (the newest record, for the
  // coverage gap) before it watches, so a test that locks the table must wait for the term to start.
  if (sb) await until("ingest term started", () => s.output().includes('"msg":"ingest term started"'), 30_000, [s]);
  return { s, sb, dbUrl: db.url };
}

describe("drainwatch's own graceful shutdown", () => {
  it("SIGTERM: readiness fails at once, new connections are served through the delay, slow requests finish with 200, buffered records reach the database, exit 0", async () => {
    const { s, sb, dbUrl } = await setup();
    const lock = await lockTerminations(dbUrl);

    // Terminations finish while the writer is stuck behind the lock: they wait in the buffer.
    let maxDepth = 0;
    await until(
      "finished records buffered behind the lock",
      async () => {
        maxDepth = Math.max(maxDepth, await metric(s, "drainwatch_write_buffer_depth"));
        return maxDepth >= 3;
      },
      40_000,
      [s],
    );

    const base = s.base;
    const slow = [request(base, "/"), request(base, "/")];
    await sleep(500);
    const settled = await Promise.race([Promise.all(slow).then(() => true), sleep(0).then(() => false)]);
    expect(settled, "the page views wait for the locked table").toBe(false);

    const virtualAtSignal = sb!.now();
    const signalAt = Date.now();
    const since = (t: number): number => t - signalAt;
    s.child.kill("SIGTERM");

    // New connections every 50 ms until the process is gone.
    const probes: (Answer & { path: string })[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing && !s.hasExited()) {
        const [r, h] = await Promise.all([request(base, "/readyz"), request(base, "/healthz")]);
        probes.push({ ...r, path: "/readyz" }, { ...h, path: "/healthz" });
        await sleep(50);
      }
    })();
    await sleep(1_000);
    const late = request(base, "/");
    await sleep((DELAY_S + 1.5) * 1000 - 1_000);
    const releasedAt = since(Date.now());
    await lock.release();

    const exit = await Promise.race([s.exited, sleep((DELAY_S + TIMEOUT_S + FLUSH_S + 5) * 1000).then(() => null)]);
    probing = false;
    await prober;
    expect(exit, s.output().slice(-4000)).toEqual({ code: 0, signal: null });
    const exitMs = Date.now() - signalAt;

    // Readiness flipped first: the first probe after the signal already saw 503, while the slow
    // requests were still waiting.
    const readyz = probes.filter((p) => p.path === "/readyz" && p.status !== null);
    expect(readyz.length).toBeGreaterThan(10);
    expect(readyz.every((p) => p.status === 503), JSON.stringify(readyz.slice(0, 3))).toBe(true);
    const slowAnswers = await Promise.all(slow);
    const lateAnswer = await late;
    expect(readyz[0]!.endedAt).toBeLessThan(Math.min(...slowAnswers.map((a) => a.endedAt)));

    // No connection refused inside the window; liveness answered throughout it.
    const inWindow = probes.filter((p) => since(p.startedAt) < DELAY_S * 1000 - 200);
    expect(inWindow.length).toBeGreaterThan(20);
    expect(inWindow.filter((p) => p.status === null), JSON.stringify(inWindow.filter((p) => p.status === null).slice(0, 3))).toEqual([]);
    expect(inWindow.filter((p) => p.path === "/healthz").every((p) => p.status === 200)).toBe(true);
    // After the window the listener is closed: the prober did see refusals (it can tell).
    expect(probes.some((p) => p.error === "ECONNREFUSED" && since(p.startedAt) >= DELAY_S * 1000)).toBe(true);
    expect(probes.filter((p) => p.error === "ECONNREFUSED").every((p) => since(p.startedAt) >= DELAY_S * 1000 - 50)).toBe(true);

    // The requests in flight across the signal, and the one that came in during the window,
    // completed with the page once the database answered.
    for (const a of [...slowAnswers, lateAnswer]) {
      expect(a.status, a.error ?? "").toBe(200);
      expect(a.body).toContain("drainwatch");
    }
    expect(since(lateAnswer.startedAt)).toBeLessThan(DELAY_S * 1000);
    expect(since(lateAnswer.endedAt)).toBeGreaterThanOrEqual(releasedAt);
    for (const a of slowAnswers) expect(since(a.endedAt)).toBeGreaterThanOrEqual(releasedAt);

    // Every termination that ended before the signal is stored: the buffer and the tracker's
    // finished records were flushed before the store closed.
    const endedBefore = sb!.groundTruth().filter((t) => t.endedAt !== null && Date.parse(t.endedAt) <= virtualAtSignal - 20_000);
    expect(endedBefore.length).toBeGreaterThanOrEqual(3);
    const stored = new Set((await sql<{ pod_uid: string }>(dbUrl, "SELECT pod_uid FROM terminations")).map((r) => r.pod_uid));
    expect(endedBefore.filter((t) => !stored.has(t.podUid)).map((t) => t.pod)).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(maxDepth);
    expect(s.output()).toContain('"flushed":true');
    expect(s.output()).toContain("shutdown complete");
    expect(exitMs).toBeLessThan((DELAY_S + TIMEOUT_S + FLUSH_S + 5) * 1000);
    console.info(`shutdown: exit ${exitMs} ms after SIGTERM; lock released at ${releasedAt} ms; ${probes.length} probes; max buffer depth ${maxDepth}; ${stored.size} records stored`);
  }, 120_000);

  it("a second signal exits at once, even with a request stuck on the database", async () => {
    const { s, dbUrl } = await setup({}, ["--no-ingest"]);
    const lock = await lockTerminations(dbUrl);
    const stuck = request(s.base, "/");
    await sleep(500);
    s.child.kill("SIGTERM");
    await sleep(500);
    expect(s.hasExited()).toBe(false);
    const t0 = Date.now();
    s.child.kill("SIGINT");
    const exit = await Promise.race([s.exited, sleep(5_000).then(() => null)]);
    const ms = Date.now() - t0;
    expect(exit, s.output().slice(-3000)).not.toBeNull();
    expect(ms).toBeLessThan(1_500);
    expect(s.output()).toContain("second signal");
    // The stuck request was cut off, not answered.
    expect((await stuck).status).toBeNull();
    await lock.release();
  }, 90_000);
});
