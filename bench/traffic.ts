// Benchmark: the traffic joiner over 10,000 terminations against a real Prometheus.
//
//   npx tsx bench/traffic.ts            (needs Debian's prometheus package: promtool + prometheus)
//
// History: 44 workloads rolled out one after another, 40 of 200 pods (30 Istio, 5 Envoy, 5
// ingress-nginx) and 4 of 500 pods (Istio), a pod every 3 s, windows of 12-40 s; each workload
// has 15 counted series (3 clients × 5 codes, scraped every 15 s, one counter reset each) plus its
// series of the other side (Istio reporter="destination") that must not count. Backfilled with
// promtool, served by Prometheus on 127.0.0.1, joined under `auto`.
//
// Figures: queries per termination (overall and for the 500-pod rollouts; target ≤ 0.05), joiner
// throughput, and as the same-run reference the time of the very queries the joiner sent (same
// selectors, spans and concurrency) issued directly with fetch + JSON.parse: the ratio is what
// the joiner adds on top of Prometheus' own answer time (parsing into samples, zod, counting).
import fs from "node:fs";
import path from "node:path";
import { countSeries } from "../lib/traffic/count.ts";
import { joinTraffic, type TrafficJoin, type TrafficRecordInput } from "../lib/traffic/joiner.ts";
import { PrometheusSamples, type RawSeries, type SampleSource } from "../lib/traffic/prometheus.ts";
import { parseTrafficSettings, toTrafficConfig } from "../lib/traffic/settings.ts";
import { backfill, startPrometheus, type BackfillSeries } from "../test/helpers/prometheus-tsdb.ts";
import { processEnv } from "../lib/env.ts";
import { enrichStage } from "../lib/ingest/enrich.ts";
import { terminationRecordSchema } from "../lib/tracker/record.ts";
import { trafficEnricher } from "../lib/traffic/enricher.ts";
import { answerableAt, windowOf } from "../lib/traffic/window.ts";

const SEED = Number(processEnv().BENCH_SEED ?? 42);
const CONCURRENCY = 4;
const PASSES = Number(processEnv().BENCH_TRAFFIC_PASSES ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const T0 = Date.parse("2026-11-01T00:00:00.000Z");
const SCRAPE_MS = 15_000;
const POD_EVERY_MS = 3_000;

let state = SEED >>> 0 || 1;
function rand(): number {
  // xorshift32: deterministic across runs
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x1_0000_0000;
}
const note = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

type Kind = "istio" | "envoy" | "ingress-nginx";
interface Workload {
  namespace: string;
  name: string;
  kind: Kind;
  pods: number;
  start: number;
}

const workloads: Workload[] = [];
{
  let start = T0 + 15 * 60_000;
  const add = (kind: Kind, pods: number, i: number): void => {
    workloads.push({ namespace: `ns-${i % 7}`, name: `${kind === "ingress-nginx" ? "nginx" : kind}-app-${i}`, kind, pods, start });
    start += pods * POD_EVERY_MS + 20 * 60_000; // next rollout after this one's windows and some quiet
  };
  let i = 0;
  for (let k = 0; k < 30; k++) add("istio", 200, i++);
  for (let k = 0; k < 5; k++) add("envoy", 200, i++);
  for (let k = 0; k < 5; k++) add("ingress-nginx", 200, i++);
  for (let k = 0; k < 4; k++) add("istio", 500, i++);
}

function counter(from: number, to: number, perScrape: number): Array<[number, number]> {
  const resetAt = from + Math.floor(rand() * (to - from));
  const out: Array<[number, number]> = [];
  let v = Math.floor(rand() * 1000);
  for (let t = from + Math.floor(rand() * SCRAPE_MS); t <= to; t += SCRAPE_MS) {
    if (t >= resetAt && t - SCRAPE_MS < resetAt) v = 0; // the process behind the counter restarted
    v += Math.floor(rand() * perScrape * 2);
    out.push([t, v]);
  }
  return out;
}

const CODES = ["200", "201", "404", "500", "503"];
function seriesOf(w: Workload): BackfillSeries[] {
  const from = w.start - 15 * 60_000;
  const to = w.start + w.pods * POD_EVERY_MS + 10 * 60_000;
  const out: BackfillSeries[] = [];
  for (let c = 0; c < 3; c++) {
    for (const code of CODES) {
      const rate = code.startsWith("2") ? 200 : 3;
      if (w.kind === "istio") {
        const labels = { destination_workload: w.name, destination_workload_namespace: w.namespace, response_code: code, source_workload: `client-${c}` };
        out.push({ name: "istio_requests_total", labels: { reporter: "source", ...labels }, samples: counter(from, to, rate) });
        out.push({ name: "istio_requests_total", labels: { reporter: "destination", ...labels }, samples: counter(from, to, rate) });
      } else if (w.kind === "envoy") {
        // Envoy's classes carry one series per class; the three "clients" are three Envoys.
        const labels = { envoy_cluster_name: w.name, envoy_response_code_class: code[0]!, instance: `envoy-${c}-${code}` };
        out.push({ name: "envoy_cluster_upstream_rq_xx", labels, samples: counter(from, to, rate) });
      } else {
        const labels = { exported_namespace: w.namespace, namespace: "ingress-nginx", service: w.name, status: code, controller_pod: `ctl-${c}` };
        out.push({ name: "nginx_ingress_controller_requests", labels, samples: counter(from, to, rate) });
      }
    }
  }
  return out;
}

function recordsOf(w: Workload): TrafficRecordInput[] {
  return Array.from({ length: w.pods }, (_, i) => {
    const requested = w.start + i * POD_EVERY_MS + Math.floor(rand() * 1000);
    const unready = requested + 50 + Math.floor(rand() * 500);
    const exited = Math.floor((requested + 2_000 + rand() * 28_000) / 1000) * 1000; // seconds precision
    return {
      podUid: `${w.name}-${i}`,
      cluster: "default",
      namespace: w.namespace,
      workload: { kind: "Deployment", name: w.name },
      deleteRequestedAt: new Date(requested).toISOString(),
      endpointsUnreadyAt: new Date(unready).toISOString(),
      exitedAt: new Date(exited).toISOString(),
      deletedAt: new Date(exited + 400).toISOString(),
    };
  });
}

/** Records every query the joiner sends, so the reference can send the very same. */
class Recording implements SampleSource {
  readonly sent: Array<{ selector: string; from: number; to: number }> = [];
  constructor(private readonly inner: SampleSource) {}
  get queries(): number {
    return this.inner.queries;
  }
  rawSamples(selector: string, from: number, to: number): Promise<RawSeries[]> {
    this.sent.push({ selector, from, to });
    return this.inner.rawSamples(selector, from, to);
  }
}

async function reference(url: string, sent: Recording["sent"]): Promise<{ ms: number; samples: number }> {
  const queue = [...sent];
  let samples = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let q = queue.shift(); q; q = queue.shift()) {
        const params = new URLSearchParams({ query: `${q.selector}[${q.to - q.from + 1}ms]`, time: String(q.to / 1000) });
        const res = await fetch(`${url}/api/v1/query?${params}`);
        const body = (await res.json()) as { data: { result: Array<{ values: unknown[] }> } };
        for (const r of body.data.result) samples += r.values.length;
      }
    }),
  );
  return { ms: performance.now() - t0, samples };
}

function kindOf(j: TrafficJoin): string {
  if ("traffic" in j) return j.traffic.source;
  if ("pending" in j) return `pending:${j.pending}`;
  if ("noSeries" in j) return "noSeries";
  return "noWindow";
}

async function main(): Promise<void> {
  const records = workloads.flatMap(recordsOf);
  const seriesOfWorkload = workloads.map(seriesOf);
  const series = seriesOfWorkload.flat();
  const sampleCount = series.reduce((n, s) => n + s.samples.length, 0);
  note(`${records.length} terminations, ${workloads.length} workloads, ${series.length} series, ${sampleCount} samples`);

  let t = performance.now();
  const dataDir = await backfill(series);
  const root = path.dirname(dataDir);
  note(`promtool backfill ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const last = Math.max(...workloads.map((w) => w.start + w.pods * POD_EVERY_MS + 10 * 60_000));
  const prom = await startPrometheus({
    dataDir,
    expectNames: ["istio_requests_total", "envoy_cluster_upstream_rq_xx", "nginx_ingress_controller_requests"],
    from: T0,
    to: last,
  });
  try {
    const settings = toTrafficConfig(parseTrafficSettings({ PROMETHEUS_URL: prom.url }));
    const now = last + 3600_000;
    const opts = (client: SampleSource) => ({ settings, now, client, concurrency: CONCURRENCY });

    // Warm-up of Prometheus' page cache and the JIT: one full reference pass first.
    const warm = new Recording(new PrometheusSamples({ url: prom.url, timeoutSeconds: 60 }));
    await joinTraffic(records, opts(warm));
    await reference(prom.url, warm.sent);

    // Alternating timed passes; medians, because the machine is shared and noisy.
    const joinTimes: number[] = [];
    const refTimes: number[] = [];
    let client = warm;
    let results: TrafficJoin[] = [];
    let ref = { ms: 0, samples: 0 };
    for (let pass = 0; pass < PASSES; pass++) {
      client = new Recording(new PrometheusSamples({ url: prom.url, timeoutSeconds: 60 }));
      t = performance.now();
      results = await joinTraffic(records, opts(client));
      joinTimes.push(performance.now() - t);
      ref = await reference(prom.url, client.sent);
      refTimes.push(ref.ms);
    }
    const joinMs = median(joinTimes);
    const refMs = median(refTimes);

    // The joiner's own work (batching, counting) with the answers replayed from memory.
    const cache = new Map<string, RawSeries[]>();
    const inner = new PrometheusSamples({ url: prom.url, timeoutSeconds: 60 });
    const caching: SampleSource = {
      get queries() {
        return inner.queries;
      },
      async rawSamples(selector, from, to) {
        const key = `${selector} ${from} ${to}`;
        let hit = cache.get(key);
        if (!hit) cache.set(key, (hit = await inner.rawSamples(selector, from, to)));
        return hit;
      },
    };
    await joinTraffic(records, opts(caching));
    const cpuTimes: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      t = performance.now();
      await joinTraffic(records, opts(caching));
      cpuTimes.push(performance.now() - t);
    }

    const kinds = new Map<string, number>();
    for (const r of results) kinds.set(kindOf(r), (kinds.get(kindOf(r)) ?? 0) + 1);
    const bigNames = new Set(workloads.filter((w) => w.pods === 500).map((w) => w.name));
    const bigRecords = records.filter((r) => bigNames.has(r.workload.name));
    const bigClient = new PrometheusSamples({ url: prom.url, timeoutSeconds: 60 });
    await joinTraffic(bigRecords, opts(bigClient));
    let requests = 0;
    let errors = 0;
    for (const r of results) {
      if (!("traffic" in r)) continue;
      requests += r.traffic.requests;
      errors += r.traffic.errors5xx;
    }

    // Cross-check: the same rule applied to the generated samples directly (no Prometheus, no
    // batching) must give every record's counts exactly.
    const mine = new Map<string, BackfillSeries[]>();
    workloads.forEach((w, k) => {
      const counted = seriesOfWorkload[k]!.filter((s) => s.labels.reporter !== "destination");
      mine.set(w.name, counted);
    });
    let mismatches = 0;
    records.forEach((r, i) => {
      const got = results[i]!;
      const a = Date.parse(r.deleteRequestedAt!);
      const b = Math.max(Date.parse(r.exitedAt!), Date.parse(r.deletedAt!), Date.parse(r.endpointsUnreadyAt!)) + 10_000;
      let want = 0;
      let wantBase = 0;
      for (const s of mine.get(r.workload.name)!) {
        const samples = s.samples.map(([t, v]) => ({ t, v }));
        want += countSeries(samples, a, b);
        wantBase += countSeries(samples, a - (b - a), a);
      }
      if (!("traffic" in got) || got.traffic.requests !== want || got.traffic.baselineRequests !== wantBase) mismatches++;
    });

    const rows: Array<[string, string]> = [
      ["check: requests equal the rule applied to the generated samples", mismatches === 0 ? "yes, every record" : `NO: ${mismatches} records differ`],
      ["terminations", String(records.length)],
      ["results", [...kinds].map(([k, n]) => `${k} ${n}`).join(", ")],
      ["requests / 5xx counted (sum over windows)", `${requests} / ${errors}`],
      ["queries (auto: istio → envoy → ingress-nginx)", String(client.queries)],
      ["queries per termination, all", (client.queries / records.length).toFixed(4)],
      ["queries per termination, 500-pod rollouts (target ≤ 0.05)", (bigClient.queries / bigRecords.length).toFixed(4)],
      ["joiner wall time, median of passes", `${joinMs.toFixed(0)} ms (${PASSES} passes)`],
      ["joiner throughput", `${Math.round(records.length / (joinMs / 1000))} terminations/s`],
      ["reference: the same queries via fetch + JSON.parse", `${refMs.toFixed(0)} ms (${ref.samples} samples)`],
      ["joiner / reference", `${(joinMs / refMs).toFixed(2)}×`],
      ["of which batching + counting (answers from memory)", `${median(cpuTimes).toFixed(0)} ms`],
      ...(await fillDelay(prom.url, workloads.find((w) => w.pods === 500)!)),
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`\ndrainwatch bench: traffic joiner, node ${process.version}, seed ${SEED}`);
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    if (mismatches > 0) process.exitCode = 1;
  } finally {
    await prom.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Live: how long after its window became answerable (window end + scrape delay) a record's traffic
 * is filled, through the real enrich stage and traffic enricher. The clock is shifted so that ten
 * consecutive pods of one rollout (3 s apart) become answerable one after another in the next
 * ~30 s of wall time; the scrape delay itself (a setting, 60 s by default) comes on top.
 */
async function fillDelay(url: string, w: Workload): Promise<Array<[string, string]>> {
  const inputs = recordsOf(w).slice(100, 110);
  const records = inputs.map((r) =>
    terminationRecordSchema.parse({
      ...r,
      pod: r.podUid,
      node: null,
      revision: null,
      cause: "rollout",
      outcome: "clean",
      gracePeriodSeconds: 30,
      deadlineAt: null,
      killingAt: null,
      drainSeconds: null,
      endpointLagSeconds: null,
      preStop: { defined: false, action: null, failed: false },
      sidecarExitedFirst: false,
      containers: [],
      events: [],
      traffic: null,
      notes: [],
    }),
  );
  const config = toTrafficConfig(parseTrafficSettings({ PROMETHEUS_URL: url, DRAINWATCH_TRAFFIC_SOURCE: "istio" }));
  const answerable = records.map((r) => answerableAt(windowOf(r, config.tailSeconds)!, config.scrapeDelaySeconds));
  const offset = Math.min(...answerable) - Date.now() - 1_000; // the first becomes answerable in 1 s
  const now = () => Date.now() + offset;
  const filledAt = new Map<string, number>();
  const stage = enrichStage({
    // Downstream only notes when the enriched version ("update") arrives.
    downstream: {
      send: async (rs, version) => {
        if (version === "update") for (const r of rs) filledAt.set(r.podUid, Date.now());
      },
      close: async () => true,
    },
    enrichers: [trafficEnricher({ config, client: new PrometheusSamples({ url, timeoutSeconds: 30 }), now })],
    now,
  });
  await stage.send(records);
  const deadline = Date.now() + (Math.max(...answerable) - Math.min(...answerable)) + 20_000;
  while (filledAt.size < records.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await stage.close(1_000);
  const lags = records.map((r, i) => (filledAt.get(r.podUid) ?? Number.NaN) - (answerable[i]! - offset));
  const ok = lags.filter((l) => Number.isFinite(l)).sort((a, b) => a - b);
  return [
    ["live: traffic filled after the window became answerable", `${ok.length}/${records.length} records; p50 ${ok[Math.floor(ok.length / 2)]?.toFixed(0)} ms, max ${ok[ok.length - 1]?.toFixed(0)} ms (+ the scrape delay, ${config.scrapeDelaySeconds} s by default)`],
  ];
}

await main();
