// Helpers for the process-level tests: the real CLI (`node bin/drainwatch.mjs serve`) as child
// processes, sandbox scenarios derived from every-outcome.yaml, the database as the judge.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { kubeconfig } from "../../lib/sandbox/index.ts";
import { freshDatabase, sql } from "../helpers/db.ts";
import { processEnv } from "../../lib/env.ts";
import { freePort } from "../helpers/free-port.ts";

export const root = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(root, "bin", "drainwatch.mjs");
export const EVERY_OUTCOME = path.join(root, "sandbox", "scenarios", "every-outcome.yaml");

/** 20 virtual seconds per wall second: the scenarios of the process tests play fast. */
export const TIME_SCALE = 0.05;
/** every-outcome.yaml terminates this many pods. */
export const EVERY_OUTCOME_PODS = 9;
/** Pods that ignore SIGTERM for 200 virtual seconds (10 s of wall time): in flight across a kill or restart. */
export const SLOW_WORKLOAD = {
  name: "batch",
  namespace: "shop",
  replicas: 2,
  terminationGracePeriodSeconds: 200,
  containers: [{ name: "batch", behaviour: "ignore-sigterm" }],
};

/**
 * The hooks every process-test file needs: the build must exist, every child process is killed
 * after the file, and what a test pushes to `cleanups` is undone after it (newest first).
 * `database()` is a fresh database of its own, dropped after the test.
 */
export interface E2eFile {
  cleanups: (() => unknown)[];
  database(): Promise<string>;
  /** Environment of a serve process watching the API on `apiPort` (a sandbox or a proxy, started later). */
  serveEnv(dbUrl: string, apiPort: number, extra?: Record<string, string>): Record<string, string>;
  /** A serve process, SIGKILLed after the test if still running. */
  serve(env: Record<string, string | undefined>): Promise<Served>;
}

export function e2eFile(dbPrefix: string): E2eFile {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch(() => undefined);
  });
  afterAll(() => killAll());
  beforeAll(() => requireBuild());
  return {
    cleanups,
    async database() {
      const db = await freshDatabase(dbPrefix);
      cleanups.push(() => db.drop());
      return db.url;
    },
    serveEnv(dbUrl, apiPort, extra = {}) {
      const dir = tempDir(`${dbPrefix}-`);
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      fs.mkdirSync(path.join(dir, "home"));
      return {
        DATABASE_URL: dbUrl,
        KUBECONFIG: writeKubeconfig(dir, apiPort),
        HOME: path.join(dir, "home"),
        DRAINWATCH_DATA_DIR: path.join(dir, "data"),
        DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.3",
        ...extra,
      };
    },
    async serve(env) {
      const s = await startServe(env);
      cleanups.push(() => void (s.hasExited() ? undefined : s.child.kill("SIGKILL")));
      return s;
    },
  };
}

export function requireBuild(): void {
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    throw new Error(".next/BUILD_ID is missing: the serve tests need a production build (bash scripts/build-ui.sh).");
  }
}

export { freePort } from "../helpers/free-port.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A temp dir removed by `cleanup()`. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A kubeconfig file for a sandbox that will listen on `port` (it may start later). */
export function writeKubeconfig(dir: string, port: number): string {
  const file = path.join(dir, "kubeconfig");
  fs.writeFileSync(file, kubeconfig(`http://127.0.0.1:${port}`));
  return file;
}

/**
 * every-outcome.yaml, with its schedule shifted to start `offsetSeconds` (virtual) later, the
 * final gc compressed, plus optional extra workloads and actions.
 */
export function scenarioYaml(opts: {
  timeScale: number;
  offsetSeconds: number;
  extraWorkloads?: Record<string, unknown>[];
  extraSchedule?: Record<string, unknown>[];
  /** Drop actions whose name (action or target) matches. */
  without?: (a: Record<string, unknown>) => boolean;
}): string {
  const doc = parseYaml(fs.readFileSync(EVERY_OUTCOME, "utf8")) as { timeScale: number; workloads: unknown[]; schedule: Record<string, unknown>[] };
  doc.timeScale = opts.timeScale;
  doc.workloads.push(...(opts.extraWorkloads ?? []));
  doc.schedule = doc.schedule
    .filter((a) => !(opts.without?.(a) ?? false))
    .map((a) => ({ ...a, at: (a.action === "gc-failed" ? 40 : (a.at as number)) + opts.offsetSeconds }));
  doc.schedule.push(...(opts.extraSchedule ?? []));
  return stringifyYaml(doc);
}

export interface Served {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

const children: ChildProcess[] = [];

/** Kills (SIGKILL) every serve child still running: for afterAll. */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** `drainwatch serve` on a free port. `undefined` in env removes a variable. */
export async function startServe(env: Record<string, string | undefined>, args: string[] = []): Promise<Served> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries({ ...processEnv(), ...env }).filter(([, v]) => v !== undefined)),
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    NEXT_TELEMETRY_DISABLED: "1",
    CHECKPOINT_DISABLE: "1",
  };
  childEnv.LOG_LEVEL ??= "debug";
  const child = spawn(process.execPath, [BIN, "serve", ...args], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return { child, base: `http://127.0.0.1:${port}`, output: () => out, exited, hasExited: () => done };
}

export async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text() };
}

/** Polls `check` every 100 ms; fails with the servers' output when time runs out. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, servers: Served[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(100);
  }
  const logs = servers.map((s, i) => `--- serve #${i} (${s.base}) ---\n${tail(s.output(), 60)}`).join("\n");
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${logs}`);
}

export function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

export const isReady = async (s: Served): Promise<boolean> => (await get(`${s.base}/readyz`)).status === 200;

/** `drainwatch serve` started and answering /readyz 200 (fails with its output otherwise). */
export async function startReadyServe(env: Record<string, string | undefined>, args: string[] = [], timeoutMs = 45_000): Promise<Served> {
  const s = await startServe(env, args);
  await until("serve ready", () => isReady(s), timeoutMs, [s]);
  return s;
}

/** One sample of a metric without labels (or the sum over its label sets). */
export async function metric(s: Served, name: string): Promise<number> {
  const text = (await get(`${s.base}/metrics`)).text;
  let sum = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name) {
      sum += Number(m[3]);
      seen = true;
    }
  }
  if (!seen) throw new Error(`metric ${name} not exposed`);
  return sum;
}

/** Pod UIDs this process logged as written to the store (debug log "records written"). */
export function writtenBy(s: Served): string[] {
  const uids: string[] = [];
  for (const line of s.output().split("\n")) {
    if (!line.includes('"records written"')) continue;
    try {
      const entry = JSON.parse(line) as { podUids?: string[] };
      uids.push(...(entry.podUids ?? []));
    } catch {
      // a partial line (the process was killed mid-write)
    }
  }
  return uids;
}

export interface Row {
  pod_uid: string;
  pod: string;
  cause: string;
  outcome: string;
}

export async function rows(url: string): Promise<Row[]> {
  return sql<Row>(url, "SELECT pod_uid, pod, cause, outcome FROM terminations ORDER BY pod_uid");
}

/** SIGTERM; resolves with the exit and how long it took. */
export async function terminate(s: Served, withinMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  s.child.kill("SIGTERM");
  const result = await Promise.race([s.exited, sleep(withinMs).then(() => null)]);
  if (!result) throw new Error(`serve did not exit within ${withinMs} ms of SIGTERM:\n${tail(s.output(), 60)}`);
  return { ...result, ms: Date.now() - t0 };
}
