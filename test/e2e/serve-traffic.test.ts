// Traffic end to end: `drainwatch serve --sandbox` (the real CLI process, the sandbox in it, with
// simulated clients) fills `traffic` from Prometheus, and what it stores is what the clients saw,
// by the sandbox's ground truth fetched over HTTP, for every termination:
// - through a real Prometheus (Debian's) scraping the sandbox's /metrics every 200 ms;
// - through the sandbox's own query API, which serve uses when PROMETHEUS_URL is unset.
//
// The comparison is exact. Its one subtlety: drainwatch's window ends at deletedAt (or
// endpointsUnreadyAt) as drainwatch *observed* it, a watch latency after the sandbox wrote it, so
// the stored window may end a few ms after the ground truth's (and its baseline start a few ms
// before). The counters change at whole seconds; a whole second inside that latency would move a
// count. So: the stored window must be the ground truth's (same start, end within the latency),
// and the stored counts must equal the sandbox's counts over the stored window, exactly
// (/sandbox/v1/traffic), and the ground truth's own counts for every termination the latency did
// not straddle a whole second of.
//
// Timing: timeScale 1 (the sandbox exposes each sample with its tick's timestamp, and virtual time
// is wall time without a start time, so Prometheus stores samples where the records' times are).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { z } from "zod";
import { startPrometheus } from "../helpers/prometheus.ts";
import { sql } from "../helpers/db.ts";
import { e2eFile, freePort, type Served, startServe, tempDir, until } from "./helpers.ts";

const TAIL_SECONDS = 3;

const SCENARIO = {
  name: "e2e-traffic",
  timeScale: 1,
  seed: 3,
  namespaces: ["shop"],
  workloads: [
    {
      name: "good",
      namespace: "shop",
      replicas: 2,
      containers: [{ name: "app", drainSeconds: 1, preStop: { sleep: 2 } }],
      clients: { rps: 10, requestSeconds: 0.2, propagationDelaySeconds: 1 },
    },
    {
      name: "bad",
      namespace: "shop",
      replicas: 2,
      terminationGracePeriodSeconds: 3,
      // SIGKILLed at the end of the grace (not at the deadline's whole second + 2 s, as ignore-sigterm
      // is): its windows end off the whole second, where the counters change.
      containers: [{ name: "app", behaviour: "slow", drainSeconds: 99, drainsInFlight: false }],
      clients: { rps: 10, requestSeconds: 0.2, propagationDelaySeconds: 1 },
    },
  ],
  schedule: [
    { at: 20, action: "delete-pod", target: "shop/good" },
    { at: 20, action: "delete-pod", target: "shop/bad" },
    { at: 27.5, action: "force-delete", target: "shop/good" },
    { at: 34, action: "rollout", target: "shop/bad" },
  ],
};
const TERMINATIONS = 5;

const groundTruthSchema = z.object({
  tailSeconds: z.number(),
  items: z.array(
    z.object({
      podUid: z.string(),
      pod: z.string(),
      namespace: z.string(),
      workload: z.object({ name: z.string() }),
      cause: z.string(),
      traffic: z
        .object({ windowStart: z.string(), windowEnd: z.string(), requests: z.number(), errors5xx: z.number(), baselineRequests: z.number(), baselineErrors5xx: z.number() })
        .nullable(),
    }),
  ),
});

const storedSchema = z.object({
  pod_uid: z.string(),
  traffic: z
    .object({
      source: z.string(),
      windowStart: z.string(),
      windowEnd: z.string(),
      requests: z.number(),
      errors5xx: z.number(),
      baselineRequests: z.number(),
      baselineErrors5xx: z.number(),
    })
    .nullable(),
});

const { cleanups, database } = e2eFile("dw_traffic");

async function serveSandbox(sandboxPort: number, prometheusUrl: string | undefined): Promise<{ served: Served; dbUrl: string }> {
  const dbUrl = await database();
  const dir = tempDir("dw-traffic-");
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const scenario = path.join(dir, "scenario.yaml");
  fs.writeFileSync(scenario, stringify(SCENARIO));
  fs.mkdirSync(path.join(dir, "home"));
  const served = await startServe(
    {
      DATABASE_URL: dbUrl,
      KUBECONFIG: undefined,
      HOME: path.join(dir, "home"),
      DRAINWATCH_DATA_DIR: path.join(dir, "data"),
      DRAINWATCH_SANDBOX_SCENARIO: scenario,
      DRAINWATCH_SANDBOX_PORT: String(sandboxPort),
      DRAINWATCH_SETTLE_SECONDS: "0.5",
      DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.3",
      PROMETHEUS_URL: prometheusUrl,
      DRAINWATCH_TRAFFIC_SOURCE: "istio",
      DRAINWATCH_TRAFFIC_TAIL_SECONDS: String(TAIL_SECONDS),
      DRAINWATCH_TRAFFIC_SCRAPE_DELAY_SECONDS: "2",
      DRAINWATCH_TRAFFIC_RETRY_SECONDS: "1",
    },
    ["--sandbox"],
  );
  cleanups.push(() => void (served.hasExited() ? undefined : served.child.kill("SIGKILL")));
  return { served, dbUrl };
}

async function groundTruth(sandboxPort: number): Promise<z.infer<typeof groundTruthSchema>> {
  const res = await fetch(`http://127.0.0.1:${sandboxPort}/sandbox/v1/ground-truth?tailSeconds=${TAIL_SECONDS}`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return groundTruthSchema.parse(await res.json());
}

/** Waits until every termination has its traffic in the ground truth and in the database, then compares them. */
async function expectStoredEqualsTruth(served: Served, dbUrl: string, sandboxPort: number): Promise<void> {
  let stored: z.infer<typeof storedSchema>[] = [];
  await until(
    "every termination's traffic in the ground truth and stored",
    async () => {
      const truth = await groundTruth(sandboxPort);
      stored = z.array(storedSchema).parse(await sql(dbUrl, "SELECT pod_uid, traffic FROM terminations ORDER BY pod_uid"));
      return truth.items.length === TERMINATIONS && truth.items.every((t) => t.traffic) && stored.length === TERMINATIONS && stored.every((r) => r.traffic);
    },
    150_000,
    [served],
  );
  const truth = await groundTruth(sandboxPort);
  const byUid = new Map(stored.map((r) => [r.pod_uid, r.traffic!]));
  const counts = (t: { requests: number; errors5xx: number; baselineRequests: number; baselineErrors5xx: number }) => ({
    requests: t.requests,
    errors5xx: t.errors5xx,
    baselineRequests: t.baselineRequests,
    baselineErrors5xx: t.baselineErrors5xx,
  });
  let same = 0;
  for (const t of truth.items) {
    const s = byUid.get(t.podUid);
    expect(s, `stored traffic of ${t.pod}`).toBeDefined();
    const want = t.traffic!;
    // The window: the same start; the end a watch latency later at most.
    expect(s!.windowStart, t.pod).toBe(want.windowStart);
    const lag = Date.parse(s!.windowEnd) - Date.parse(want.windowEnd);
    expect(lag, `${t.pod}: stored window end − ground truth's (drainwatch's watch latency)`).toBeGreaterThanOrEqual(0);
    expect(lag, `${t.pod}: stored window end − ground truth's (drainwatch's watch latency)`).toBeLessThan(1000);
    // The counts over the window drainwatch used: exactly what the clients saw.
    const q = new URLSearchParams({ namespace: t.namespace, workload: t.workload.name, start: s!.windowStart, end: s!.windowEnd });
    const res = await fetch(`http://127.0.0.1:${sandboxPort}/sandbox/v1/traffic?${q}`);
    expect(res.status, t.pod).toBe(200);
    const seen = z.object({ traffic: z.object({ requests: z.number(), errors5xx: z.number(), baselineRequests: z.number(), baselineErrors5xx: z.number() }) }).parse(await res.json());
    expect({ pod: t.pod, ...counts(s!) }).toEqual({ pod: t.pod, ...counts(seen.traffic) });
    // And the ground truth's own counts, unless a whole second fell within the latency at either edge.
    const tickIn = (lo: number, hi: number) => Math.floor(hi / 1000) > Math.floor(lo / 1000); // a whole second in (lo, hi]
    const a = Date.parse(want.windowStart);
    const b = Date.parse(want.windowEnd);
    const a0 = 2 * a - b; // the baseline's start moves back as the end moves on
    if (!tickIn(b, b + lag) && !tickIn(a0 - lag, a0)) {
      expect({ pod: t.pod, ...counts(s!) }).toEqual({ pod: t.pod, ...counts(want) });
      same++;
    }
  }
  // The scenario's windows end ≥ 0.35 s off the whole second (kubelet and controller delays), far
  // more than a watch latency: the direct comparison ran for (nearly) every termination.
  expect(same).toBeGreaterThanOrEqual(TERMINATIONS - 1);
  expect(stored.every((r) => r.traffic!.source === "istio")).toBe(true);
  // The mechanism shows: the graceful drains of `good` cost nothing, `bad` (and the force delete) do.
  const good = truth.items.filter((t) => t.workload.name === "good" && t.cause === "delete");
  expect(good.map((t) => t.traffic!.errors5xx)).toEqual([0]);
  expect(truth.items.filter((t) => t.workload.name === "bad").every((t) => t.traffic!.errors5xx > 0)).toBe(true);
}

describe("serve --sandbox fills traffic equal to the sandbox's ground truth", () => {
  it("through a real Prometheus scraping the sandbox's /metrics", async () => {
    const sandboxPort = await freePort();
    const prometheus = await startPrometheus({
      configYaml: stringify({
        global: { scrape_interval: "200ms", scrape_timeout: "150ms" },
        scrape_configs: [{ job_name: "sandbox-clients", static_configs: [{ targets: [`127.0.0.1:${sandboxPort}`] }] }],
      }),
    });
    cleanups.push(() => prometheus.stop());
    const { served, dbUrl } = await serveSandbox(sandboxPort, prometheus.url);
    await expectStoredEqualsTruth(served, dbUrl, sandboxPort);
    // Prometheus did scrape the sandbox (and stored its samples under their own timestamps).
    const up = await (await fetch(`${prometheus.url}/api/v1/query?query=up`)).json();
    expect(JSON.stringify(up)).toContain('"1"');
  }, 240_000);

  it("through the sandbox's own query API, which serve uses by default when PROMETHEUS_URL is unset", async () => {
    const sandboxPort = await freePort();
    const { served, dbUrl } = await serveSandbox(sandboxPort, undefined);
    await expectStoredEqualsTruth(served, dbUrl, sandboxPort);
    expect(served.output()).not.toContain('"level":50');
    // The UI names the metrics source for what it is.
    const page = await fetch(`${served.base}/`, { signal: AbortSignal.timeout(20_000) });
    expect(await page.text()).toMatch(/data-testid="source-line"[^>]*>[^<]*sandbox metrics/);
  }, 240_000);
});
