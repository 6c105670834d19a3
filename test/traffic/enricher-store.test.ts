// The traffic joiner plugged into ingest (enrich stage → store sink → real Postgres) against a real
// Prometheus: a record is written at once and rewritten with its traffic; while Prometheus is
// down it stays null and is marked pending in the database; a "restarted" drainwatch resumes the
// pending record from those marks and fills it once Prometheus is back. Nothing is invented.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrichStage, resumeEnrichment } from "../../lib/ingest/enrich.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { observeTraffic } from "../../lib/metrics/terminations.ts";
import {
  clearTrafficPending,
  findTrafficPending,
  getTermination,
  markTrafficPending,
  recordTerminations,
  type Store,
} from "../../lib/store/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { trafficEnricher } from "../../lib/traffic/enricher.ts";
import { PrometheusSamples } from "../../lib/traffic/prometheus.ts";
import { parseTrafficSettings, toTrafficConfig } from "../../lib/traffic/settings.ts";
import { migratedStore, sql } from "../helpers/db.ts";
import { backfill, startPrometheus, type BackfillSeries, type RunningPrometheus } from "../helpers/prometheus-tsdb.ts";
import { sigkillRecord } from "../store/fixtures.ts";

const T0 = Date.parse("2026-03-02T13:55:00.000Z");
/** Scraped every 15 s from 13:55:00 to 14:05:00; the value at scrape k is f(k). */
const grid = (f: (k: number) => number): Array<[number, number]> => Array.from({ length: 41 }, (_, k) => [T0 + k * 15_000, f(k)] as [number, number]);
const labels = (code: string) => ({ reporter: "source", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: code });

// sigkillRecord: request 14:00:00.000, latest end 14:00:32.530 (+10 s tail) → window (14:00:00, 14:00:42.530],
// baseline (13:59:17.470, 14:00:00].
//   200: 10·k. Baseline from 170 (13:59:15) over 180, 190, 200 → 30; window over 210, 220 → 20.
//   503: 0 until 14:00:00 (k = 20), then 3·(k − 20). Baseline 0; window over 3, 6 → 6.
const series: BackfillSeries[] = [
  { name: "istio_requests_total", labels: labels("200"), samples: grid((k) => 10 * k) },
  { name: "istio_requests_total", labels: labels("503"), samples: grid((k) => (k < 20 ? 0 : 3 * (k - 20))) },
];
const EXPECTED = {
  source: "istio",
  requests: 26,
  errors5xx: 6,
  baselineRequests: 30,
  baselineErrors5xx: 0,
  baselineErrorRate: 0,
  windowStart: "2026-03-02T14:00:00.000Z",
  windowEnd: "2026-03-02T14:00:42.530Z",
};

let prom: RunningPrometheus;
let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const dir = await backfill(series);
  prom = await startPrometheus({ dataDir: dir, expectNames: ["istio_requests_total"], from: T0, to: T0 + 600_000 });
  ({ store, cleanup } = await migratedStore());
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await cleanup?.();
});

const config = toTrafficConfig(parseTrafficSettings({ DRAINWATCH_TRAFFIC_SOURCE: "istio", DRAINWATCH_TRAFFIC_RETRY_SECONDS: "1" }));
const marks = {
  mark: (m: Parameters<typeof markTrafficPending>[0]) => markTrafficPending(m, store),
  clear: (k: Parameters<typeof clearTrafficPending>[0]) => clearTrafficPending(k, store),
};

/** One "drainwatch process": enrich stage with the traffic joiner in front of a store sink. */
function pipeline(metrics = createMetrics()) {
  const sink = new StoreSink({ overflow: "wait", write: (batch) => recordTerminations(store, batch), lingerMs: 0 });
  const stage = enrichStage({
    downstream: sink,
    enrichers: [
      trafficEnricher({
        config,
        client: new PrometheusSamples({ url: prom.url, timeoutSeconds: 5 }),
        pending: marks,
        onFilled: (r) => observeTraffic(metrics, r),
      }),
    ],
  });
  return { stage, metrics };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const stored = async (r: TerminationRecord) => (await getTermination(r.podUid, r.cluster, store))!;
const pendingRows = (podUid: string) => sql<{ reason: string; attempts: number }>(store.databaseUrl!, "SELECT reason, attempts FROM traffic_pending WHERE pod_uid = $1", [podUid]);

describe("traffic joined during ingest", () => {
  it("writes the record at once, then rewrites it with exact traffic; counts it once on /metrics", async () => {
    const r = sigkillRecord({ podUid: "enrich-ok-1", traffic: null });
    const { stage, metrics } = pipeline();
    await stage.send([r]);
    await until("traffic filled", async () => (await getTermination(r.podUid, r.cluster, store))?.traffic != null);
    expect((await stored(r)).traffic).toEqual(EXPECTED);
    expect(await pendingRows(r.podUid)).toEqual([]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/drainwatch_termination_requests_total\{cluster="default",namespace="shop",workload_kind="Deployment",workload="checkout"\} 26/);
    expect(text).toMatch(/drainwatch_termination_errors_5xx_total\{[^}]*\} 6/);
    expect(text).toMatch(/drainwatch_termination_baseline_requests_total\{[^}]*\} 30/);
    expect(await stage.close(5_000)).toBe(true);
  });

  it("Prometheus down: traffic stays null and the record is marked pending; after a restart the next process resumes it and fills it", async () => {
    const r = sigkillRecord({ podUid: "enrich-down-1", traffic: null });
    await prom.stop();
    const first = pipeline();
    await first.stage.send([r]);
    await until("marked pending", async () => (await pendingRows(r.podUid)).length === 1);
    expect((await pendingRows(r.podUid))[0]).toMatchObject({ reason: "metrics-unavailable", attempts: 1 });
    expect((await stored(r)).traffic).toBeNull();
    await first.stage.close(1_000); // the process ends with the record still pending

    await prom.restart();
    const second = pipeline();
    const pending = await findTrafficPending("default", 100, store);
    expect(pending.map((p) => p.record.podUid)).toEqual([r.podUid]);
    resumeEnrichment(second.stage, pending.map((p) => ({ record: p.record, dueAt: Date.now() })));
    await until("traffic filled after the restart", async () => (await getTermination(r.podUid, r.cluster, store))?.traffic != null, 30_000);
    expect((await stored(r)).traffic).toEqual(EXPECTED);
    expect(await pendingRows(r.podUid)).toEqual([]);
    expect(await second.stage.close(5_000)).toBe(true);
  }, 90_000);
});
