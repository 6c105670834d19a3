// Real Prometheus and Alertmanager (Debian's `prometheus` and `prometheus-alertmanager`) as child
// processes for tests: 127.0.0.1, a free port, a temp dir, ready when /-/ready answers 200,
// killed on stop(). A missing binary throws (a test failure, never a skip).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { freePort } from "./free-port.ts";
import { processEnv } from "../../lib/env.ts";

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** The server's temp dir (config, and storage unless the caller gave a data dir). */
  readonly dir: string;
  /** Everything the process printed so far (stdout and stderr, last 256 KiB). */
  output(): string;
  stop(): Promise<void>;
}

/** Absolute path of `name` on PATH, or an error naming the Debian package to install. */
export function requireBinary(name: string, debianPackage: string): string {
  for (const dir of (processEnv().PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed (not on PATH): apt-get install ${debianPackage}`);
}

export const promtoolBinary = (): string => requireBinary("promtool", "prometheus");

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_LIMIT = 256 * 1024;

interface DaemonSpec {
  binary: string;
  /** Arguments for a process listening on `port`, with `dir` as its own temp dir. */
  args(port: number, dir: string): string[];
  dir: string;
  /** Removed on stop (the temp dir; never a caller's data dir). */
  cleanup: string[];
  readyTimeoutMs: number;
  /** A given port (e.g. to start again where clients already point); default: a free one. */
  port?: number;
}

async function startDaemon(spec: DaemonSpec): Promise<RunningServer> {
  // The port was free when picked; another process may take it before we bind: retry then.
  for (let attempt = 1; ; attempt++) {
    const port = spec.port ?? (await freePort());
    try {
      return await launch(spec, port);
    } catch (err) {
      if (spec.port === undefined && attempt < 3 && err instanceof Error && /address already in use/i.test(err.message)) continue;
      for (const p of spec.cleanup) fs.rmSync(p, { recursive: true, force: true });
      throw err;
    }
  }
}

async function launch(spec: DaemonSpec, port: number): Promise<RunningServer> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(spec.binary, spec.args(port, spec.dir), { cwd: spec.dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (chunk: Buffer): void => {
    out += chunk.toString("utf8");
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (err) => {
      keep(Buffer.from(String(err)));
      resolve(-1);
    });
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await kill(child, exited);
    for (const p of spec.cleanup) fs.rmSync(p, { recursive: true, force: true });
  };

  const deadline = Date.now() + spec.readyTimeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  while (true) {
    if (exitCode !== undefined) {
      stopped = true;
      throw new Error(`${path.basename(spec.binary)} exited (${exitCode}) before it was ready:\n${out}`);
    }
    if (await isReady(url)) break;
    if (Date.now() > deadline) {
      await kill(child, exited);
      stopped = true;
      throw new Error(`${path.basename(spec.binary)} not ready on ${url} within ${spec.readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, dir: spec.dir, output: () => out, stop };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function kill(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

const configObject = z.record(z.string(), z.unknown());

export interface PrometheusOptions {
  /** prometheus.yml text. */
  configYaml: string;
  /** Rule files (absolute paths, or relative to the repository's cwd); they replace `rule_files`. */
  rulesFiles?: string[];
  /** TSDB directory, e.g. one holding backfilled blocks; kept on stop. Default: a temp dir. */
  dataDir?: string;
  /** More flags, e.g. --query.lookback-delta=… or --storage.tsdb.retention.time=…. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  port?: number;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningServer> {
  const binary = requireBinary("prometheus", "prometheus");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-prometheus-"));
  let configText = opts.configYaml;
  if (opts.rulesFiles) {
    const config = configObject.parse(parse(configText) ?? {});
    config.rule_files = opts.rulesFiles.map((f) => path.resolve(f));
    configText = stringify(config);
  }
  const configFile = path.join(dir, "prometheus.yml");
  fs.writeFileSync(configFile, configText);
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(dir, "data");
  return startDaemon({
    binary,
    dir,
    cleanup: [dir],
    ...(opts.port === undefined ? {} : { port: opts.port }),
    readyTimeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
    args: (port) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(opts.extraArgs ?? []),
    ],
  });
}

export interface AlertmanagerOptions {
  /** alertmanager.yml text. */
  configYaml: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningServer> {
  const binary = requireBinary("prometheus-alertmanager", "prometheus-alertmanager");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-alertmanager-"));
  const configFile = path.join(dir, "alertmanager.yml");
  fs.writeFileSync(configFile, opts.configYaml);
  return startDaemon({
    binary,
    dir,
    cleanup: [dir],
    readyTimeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
    args: (port) => [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address disables clustering (no gossip port, no peers).
      "--cluster.listen-address=",
      ...(opts.extraArgs ?? []),
    ],
  });
}

/** Alertmanager routing every alert, grouped per workload within a second, to a webhook. */
export function webhookAlertmanagerConfig(webhookPort: number): string {
  return `
route:
  receiver: webhook
  group_by: [alertname, cluster, namespace, workload]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: http://127.0.0.1:${webhookPort}/alerts
        send_resolved: false
`;
}

/** Prometheus scraping drainwatch at `target` (host:port) the way the shipped ServiceMonitor does
 * (job "drainwatch", honor_labels), every second, alerting to the Alertmanager on `alertmanagerPort`. */
export function drainwatchScrapeConfig(target: string, alertmanagerPort: number): string {
  return `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:${alertmanagerPort}"]
scrape_configs:
  - job_name: drainwatch
    honor_labels: true
    static_configs:
      - targets: ["${target}"]
        labels: { namespace: drainwatch, pod: drainwatch-0 }
`;
}
