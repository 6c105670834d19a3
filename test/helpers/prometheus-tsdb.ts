// A real Prometheus over backfilled history: counter series written as OpenMetrics text, turned
// into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, served by `prometheus` on
// 127.0.0.1 (Debian's `prometheus` package ships both). A missing binary is an error, never a skip.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";
import { promtoolBinary, startPrometheus as startServer, type RunningServer } from "./prometheus.ts";

const run = promisify(execFile);

/** One counter series: metric name, labels, and [epoch ms, value] samples. */
export interface BackfillSeries {
  name: string;
  labels: Record<string, string>;
  samples: ReadonlyArray<readonly [number, number]>;
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
  const promtool = promtoolBinary();
  const input = path.join(dir, "backfill.om");
  const data = path.join(dir, "data");
  fs.writeFileSync(input, openMetrics(series));
  fs.mkdirSync(data, { recursive: true });
  // Blocks of up to 24 h: fewer, larger blocks for long benchmark histories.
  await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", input, data], { maxBuffer: 64 << 20 });
  fs.rmSync(input);
  return data;
}


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
 * Starts Prometheus on `dataDir` (no scrape targets; test/helpers/prometheus.ts) and waits until
 * the backfilled metric names are visible (`expectNames`, looked up over [from, to] epoch ms).
 */
export async function startPrometheus(opts: {
  dataDir: string;
  expectNames: readonly string[];
  from: number;
  to: number;
  port?: number;
}): Promise<RunningPrometheus> {
  const port = opts.port ?? (await freePort());
  let server: RunningServer | null = null;

  async function start(): Promise<void> {
    const started = await startServer({
      configYaml: "global:\n  scrape_interval: 1h\n",
      dataDir: opts.dataDir,
      port,
      // Retention counts back from the newest block, not from now; keep every backfilled block.
      extraArgs: ["--storage.tsdb.retention.time=100y"],
    });
    server = started;
    const q = new URLSearchParams({ start: String(opts.from / 1000), end: String(opts.to / 1000) });
    const names = (await (await fetch(`${started.url}/api/v1/label/__name__/values?${q}`)).json()) as { data?: string[] };
    const missing = opts.expectNames.filter((n) => !names.data?.includes(n));
    if (missing.length > 0) throw new Error(`backfilled blocks not visible at start (missing ${missing.join(", ")}): ${started.output()}`);
  }

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: opts.dataDir,
    async stop() {
      const running = server;
      server = null;
      await running?.stop();
    },
    async restart() {
      if (server === null) await start();
    },
  };
}
