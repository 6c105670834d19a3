// `drainwatch replay` joins traffic too when PROMETHEUS_URL is set (contract §5): a capture of
// last week plus the Prometheus that scraped it gives complete records. Real CLI process, real
// Prometheus over backfilled series, the contract's own sigkill example.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processEnv } from "../../lib/env.ts";
import { backfill, startPrometheus, type BackfillSeries, type RunningPrometheus } from "../helpers/prometheus-tsdb.ts";
import { repoRoot, sharedDocsDir } from "../helpers/shared-docs.ts";

const T0 = Date.parse("2026-05-11T09:30:00.000Z");
const grid = (f: (k: number) => number): Array<[number, number]> => Array.from({ length: 41 }, (_, k) => [T0 + k * 15_000, f(k)] as [number, number]);
const labels = (code: string, reporter = "source") => ({ reporter, destination_workload: "ledger", destination_workload_namespace: "demo-sigkill", response_code: code });

// The example's window: (09:35:00.000, 09:35:33.100 + 10 s]; baseline (09:34:16.900, 09:35:00].
//   200: 10·k → baseline 170 → 200 = 30, window 200 → 220 = 20.   503: from 09:35:00, 3·(k − 20) → window 6.
const series: BackfillSeries[] = [
  { name: "istio_requests_total", labels: labels("200"), samples: grid((k) => 10 * k) },
  { name: "istio_requests_total", labels: labels("503"), samples: grid((k) => (k < 20 ? 0 : 3 * (k - 20))) },
  { name: "istio_requests_total", labels: labels("503", "destination"), samples: grid((k) => 1000 * k) },
];

let prom: RunningPrometheus;
beforeAll(async () => {
  prom = await startPrometheus({ dataDir: await backfill(series), expectNames: ["istio_requests_total"], from: T0, to: T0 + 600_000 });
}, 120_000);
afterAll(() => prom?.stop());

function replay(env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "bin/drainwatch.mjs"), "replay", path.join(sharedDocsDir(), "examples", "sigkill.ndjson"), "--json", "--no-store"], {
    cwd: repoRoot,
    env: { ...processEnv(), NEXT_TELEMETRY_DISABLED: "1", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("replay with PROMETHEUS_URL", () => {
  it("prints records whose traffic is counted exactly from the Prometheus that scraped them", () => {
    for (const source of ["istio", "auto"]) {
      const r = replay({ PROMETHEUS_URL: prom.url, DRAINWATCH_TRAFFIC_SOURCE: source });
      expect(r.code, r.stderr).toBe(0);
      const [record] = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { traffic: unknown; notes: string[] });
      expect(record!.traffic).toEqual({
        source: "istio",
        requests: 26,
        errors5xx: 6,
        baselineRequests: 30,
        baselineErrors5xx: 0,
        baselineErrorRate: 0,
        windowStart: "2026-05-11T09:35:00.000Z",
        windowEnd: "2026-05-11T09:35:43.100Z",
      });
      expect(record!.notes).toEqual([]);
    }
  }, 60_000);

  it("without PROMETHEUS_URL traffic stays null (no metrics source, never an invented number)", () => {
    const r = replay({ PROMETHEUS_URL: "" });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout.trim()) as { traffic: unknown }).traffic).toBeNull();
  });
});
