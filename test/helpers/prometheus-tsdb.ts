// A real Prometheus over backfilled history: counter series written as OpenMetrics text, turned
// into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, served by `prometheus` on
// 127.0.0.1 (Debian's `prometheus` package ships both). A missing binary is an error, never a skip.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

/** One counter series: metric name, labels, and [epoch ms, value] samples. */
export interface BackfillSeries {
  name: string;
  labels: Record<string, string>;
  samples: ReadonlyArray<readonly [number, number]>;
}

function requireTool(tool: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  const bin = found.stdout.trim();
  if (found.status !== 0 || !bin) {
    throw new Error(`${tool} is not installed: the traffic tests need Debian's prometheus package (apt-get install -y prometheus)`);
  }
  return bin;
}

function omLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** OpenMetrics text: families grouped (untyped, so any name works), samples in time order, `# EOF`. */
export function openMetrics(series: readonly BackfillSeries[]): string {
  const byName = new Map<string, BackfillSeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${omLabelValue(v)}"`)
        .join(",");
      const sorted = [...s.samples].sort((x, y) => x[0] - y[0]);
      for (const [t, v] of sorted) lines.push(`${name}{${labels}} ${v} ${(t / 1000).toFixed(3)}`);
    }
  }
  lines.push("# EOF", "");
  return lines.join("\n");
}

/** Writes the series as TSDB blocks into a fresh data directory and returns it. */
export async function backfill(series: readonly BackfillSeries[], dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-prom-"))): Promise<string> {
  const promtool = requireTool("promtool");
  const input = path.join(dir, "backfill.om");
  const data = path.join(dir, "data");
  fs.writeFileSync(input, openMetrics(series));
  fs.mkdirSync(data, { recursive: true });
  // Blocks of up to 24 h: fewer, larger blocks for long benchmark histories.
  await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", input, data], { maxBuffer: 64 << 20 });
  fs.rmSync(input);
  return data;
}


const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RunningPrometheus {
  url: string;
  port: number;
  dataDir: string;
  /** SIGTERM, and wait for the process to exit. */
  stop(): Promise<void>;
  /** Start again on the same port and data (no-op while running). */
  restart(): Promise<void>;
}

/**
 * Starts Prometheus on `dataDir` (no scrape targets) and waits until it is ready and the
 * backfilled metric names are visible (`expectNames`, looked up over [from, to] epoch ms).
 */
export async function startPrometheus(opts: {
  dataDir: string;
  expectNames: readonly string[];
  from: number;
  to: number;
  port?: number;
}): Promise<RunningPrometheus> {
  const bin = requireTool("prometheus");
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const config = path.join(path.dirname(opts.dataDir), "prometheus.yml");
  fs.writeFileSync(config, "global:\n  scrape_interval: 1h\n");
  let child: ChildProcess | null = null;
  let stderr = "";

  async function start(): Promise<void> {
    stderr = "";
    const proc = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${opts.dataDir}`,
        // Retention counts back from the newest block, not from now; keep every backfilled block.
        "--storage.tsdb.retention.time=100y",
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = proc;
    proc.stderr!.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}: ${stderr}`);
      try {
        const ready = await fetch(`${url}/-/ready`);
        if (ready.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${stderr}`);
      await sleep(100);
    }
    const q = new URLSearchParams({ start: String(opts.from / 1000), end: String(opts.to / 1000) });
    const names = (await (await fetch(`${url}/api/v1/label/__name__/values?${q}`)).json()) as { data?: string[] };
    const missing = opts.expectNames.filter((n) => !names.data?.includes(n));
    if (missing.length > 0) throw new Error(`backfilled blocks not visible at start (missing ${missing.join(", ")}): ${stderr}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  async function restart(): Promise<void> {
    const proc: ChildProcess | null = child;
    if (proc !== null && proc.exitCode === null) return; // still running
    await start();
  }

  return { url, port, dataDir: opts.dataDir, stop, restart };
}
