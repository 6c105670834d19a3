// The joiner against a real Prometheus over backfilled series (Istio, Envoy, ingress-nginx,
// custom). Expected counts are worked out by hand from the samples below, in the comments.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinTraffic, type TrafficJoin, type TrafficRecordInput } from "../../lib/traffic/joiner";
import { MetricsUnavailable, PrometheusSamples, type RawSeries, type SampleSource } from "../../lib/traffic/prometheus";
import { parseTrafficSettings, toTrafficConfig, type TrafficConfig } from "../../lib/traffic/settings";
import { backfill, startPrometheus, type BackfillSeries, type RunningPrometheus } from "../helpers/prometheus-tsdb";

const T0 = Date.parse("2026-11-30T10:00:00.000Z");
const at = (sec: number) => T0 + sec * 1000;
const iso = (sec: number) => new Date(at(sec)).toISOString();

/** A counter scraped every 15 s from 0 to 1200 s whose value at sample k is f(k). */
function grid(f: (k: number) => number): Array<[number, number]> {
  return Array.from({ length: 81 }, (_, k) => [at(k * 15), f(k)] as [number, number]);
}
const pts = (...p: Array<[number, number]>) => p.map(([sec, v]) => [at(sec), v] as [number, number]);

const ODD_NS = 'we"ird\\ns';
const ODD_WL = "a.b+c";

const series: BackfillSeries[] = [
  // --- istio, shop/checkout ---
  { name: "istio_requests_total", labels: { reporter: "source", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "200", source_workload: "frontend" }, samples: grid((k) => 10 * k) },
  // 503 with a counter reset at 630 s (inside the windows)
  { name: "istio_requests_total", labels: { reporter: "source", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "503", source_workload: "frontend" }, samples: pts([555, 37], [570, 38], [585, 39], [600, 40], [615, 41], [630, 2], [645, 3]) },
  // 500: a series that starts inside the windows
  { name: "istio_requests_total", labels: { reporter: "source", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "500", source_workload: "batch" }, samples: pts([615, 5], [630, 7], [645, 7]) },
  // 201: last seen 310 s before the windows' start: beyond the 5-min lookback, so it starts from 0
  { name: "istio_requests_total", labels: { reporter: "source", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "201", source_workload: "batch" }, samples: pts([290, 50], [615, 52]) },
  // the server side's view: never counted
  { name: "istio_requests_total", labels: { reporter: "destination", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "200", source_workload: "frontend" }, samples: grid((k) => 1000 * k) },
  { name: "istio_requests_total", labels: { reporter: "destination", destination_workload: "checkout", destination_workload_namespace: "shop", response_code: "503", source_workload: "frontend" }, samples: grid((k) => 1000 * k) },
  // same name, other namespace
  { name: "istio_requests_total", labels: { reporter: "source", destination_workload: "checkout", destination_workload_namespace: "other", response_code: "503", source_workload: "frontend" }, samples: grid((k) => 1000 * k) },
  // only the destination side for shop/web: istio must not claim it under auto
  { name: "istio_requests_total", labels: { reporter: "destination", destination_workload: "web", destination_workload_namespace: "shop", response_code: "200", source_workload: "x" }, samples: grid((k) => 50 * k) },

  // --- envoy, cluster "edge--api.v1" (pattern $namespace--$workload) ---
  { name: "envoy_cluster_upstream_rq_xx", labels: { envoy_cluster_name: "edge--api.v1", envoy_response_code_class: "2" }, samples: grid((k) => 4 * k) },
  { name: "envoy_cluster_upstream_rq_xx", labels: { envoy_cluster_name: "edge--api.v1", envoy_response_code_class: "5" }, samples: grid((k) => k) },
  // would match if the dot were not regex-quoted
  { name: "envoy_cluster_upstream_rq_xx", labels: { envoy_cluster_name: "edge--apixv1", envoy_response_code_class: "5" }, samples: grid((k) => 1000 * k) },

  // --- ingress-nginx, shop/web: scraped without honor_labels (exported_namespace) ---
  { name: "nginx_ingress_controller_requests", labels: { exported_namespace: "shop", namespace: "ingress-nginx", service: "web", status: "200" }, samples: grid((k) => 3 * k) },
  { name: "nginx_ingress_controller_requests", labels: { exported_namespace: "shop", namespace: "ingress-nginx", service: "web", status: "502" }, samples: grid((k) => k) },
  // an Ingress in "other" served by a controller running in "shop": not shop's traffic
  { name: "nginx_ingress_controller_requests", labels: { exported_namespace: "other", namespace: "shop", service: "web", status: "200" }, samples: grid((k) => 100 * k) },
  // --- ingress-nginx, shop/shop-ui: scraped with honor_labels (namespace is the Ingress's) ---
  { name: "nginx_ingress_controller_requests", labels: { namespace: "shop", service: "shop-ui", status: "200" }, samples: grid((k) => 2 * k) },
  { name: "nginx_ingress_controller_requests", labels: { exported_namespace: "x", namespace: "shop", service: "shop-ui", status: "500" }, samples: grid((k) => 100 * k) },

  // --- custom, odd names: namespace with a quote and a backslash, workload with regex metacharacters ---
  { name: "app_http_requests_total", labels: { kube_namespace: ODD_NS, app: ODD_WL, code: "200" }, samples: grid((k) => 5 * k) },
  { name: "app_http_requests_total", labels: { kube_namespace: ODD_NS, app: ODD_WL, code: "500" }, samples: grid((k) => k) },
  { name: "app_http_requests_total", labels: { kube_namespace: ODD_NS, app: "aXbbc", code: "500" }, samples: grid((k) => 1000 * k) },
];

function record(namespace: string, name: string, times: Partial<TrafficRecordInput>): TrafficRecordInput {
  return {
    podUid: `${namespace}/${name}/${times.deleteRequestedAt}`,
    cluster: "default",
    namespace,
    workload: { kind: "Deployment", name },
    deleteRequestedAt: null,
    exitedAt: null,
    deletedAt: null,
    endpointsUnreadyAt: null,
    ...times,
  };
}

// Window (600, 641.5], baseline (558.5, 600].
const A = record("shop", "checkout", { deleteRequestedAt: iso(600), exitedAt: iso(630), deletedAt: iso(631.5) });
// Window (600, 645]: a sample exactly at a (600) and at b (645); baseline (555, 600] starts on one.
const A2 = record("shop", "checkout", { deleteRequestedAt: iso(600), exitedAt: iso(635) });
// Window (300, 337], baseline (263, 300].
const win300 = { deleteRequestedAt: iso(300), endpointsUnreadyAt: iso(300.25), exitedAt: iso(327) };
const B = record("edge", "api.v1", win300);
const C = record("shop", "web", win300);
const D = record("shop", "shop-ui", win300);
const E = record(ODD_NS, ODD_WL, win300);
const GHOST = record("shop", "ghost", win300);

const traffic = (source: string, window: [number, number], c: [number, number, number, number]) => ({
  traffic: {
    source,
    requests: c[0],
    errors5xx: c[1],
    baselineRequests: c[2],
    baselineErrors5xx: c[3],
    baselineErrorRate: c[2] === 0 ? null : c[3] / c[2],
    windowStart: iso(window[0]),
    windowEnd: iso(window[1]),
  },
});

// A: 200: 420-400 = 20; 503: 41-40 + 2 (reset) = 3; 500: 5 + 2 = 7; 201: 52 (no value within 5 min) → 82, 5xx 10.
//    baseline: 200: 400-370 = 30; 503: 40-37 = 3; 500: 0; 201: 0 (its 290 s value is the start, no sample after) → 33, 3.
const WANT_A = traffic("istio", [600, 641.5], [82, 10, 33, 3]);
// A2: 200: 430-400 = 30; 503: 1 + 2 + 1 = 4; 500: 7; 201: 52 → 93, 11. Baseline as A's.
const WANT_A2 = traffic("istio", [600, 645], [93, 11, 33, 3]);
// B: class 2 4k, k 20→22: 8; class 5: 2 → 10, 2. Baseline k 17→20: 12 + 3 → 15, 3.
const WANT_B = traffic("envoy", [300, 337], [10, 2, 15, 3]);
// C: 200 3k: 6; 502 k: 2 → 8, 2. Baseline: 9 + 3 → 12, 3.
const WANT_C = traffic("ingress-nginx", [300, 337], [8, 2, 12, 3]);
// D: 2k: 4, no 5xx (the 500 series belongs to namespace x). Baseline 6.
const WANT_D = traffic("ingress-nginx", [300, 337], [4, 0, 6, 0]);
// E: 200 5k: 10; 500 k: 2 → requests 12, 5xx 2. Baseline: 15 + 3 = 18, 3.
const WANT_E = traffic("custom", [300, 337], [12, 2, 18, 3]);

const NOW = at(3600); // every window long answerable

function config(env: Record<string, string>): TrafficConfig {
  return toTrafficConfig(
    parseTrafficSettings({
      DRAINWATCH_TRAFFIC_ENVOY_CLUSTER: "$namespace--$workload",
      DRAINWATCH_TRAFFIC_REQUESTS: 'app_http_requests_total{kube_namespace="$namespace",app=~"$workload"}',
      DRAINWATCH_TRAFFIC_ERRORS: "app_http_requests_total{kube_namespace='$namespace',app=~`$workload`,code=~\"5..\"}",
      ...env,
    }),
  );
}

let prom: RunningPrometheus;
let root: string;

beforeAll(async () => {
  const dataDir = await backfill(series);
  root = path.dirname(dataDir);
  prom = await startPrometheus({
    dataDir,
    expectNames: ["istio_requests_total", "envoy_cluster_upstream_rq_xx", "nginx_ingress_controller_requests", "app_http_requests_total"],
    from: at(0),
    to: at(1200),
  });
}, 90_000);

afterAll(async () => {
  await prom?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const client = () => new PrometheusSamples({ url: prom.url, timeoutSeconds: 10 });

describe("joinTraffic against Prometheus", () => {
  it("istio: exact counts with a reset, a series starting inside, staleness, samples at a and b; reporter=destination never counted; one query for the workload", async () => {
    const c = client();
    const got = await joinTraffic([A, A2], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: NOW, client: c });
    expect(got).toEqual([WANT_A, WANT_A2]);
    expect(c.queries).toBe(1);
  });

  it("envoy: the cluster pattern with a regex-quoted workload name; no series means zeros", async () => {
    const c = client();
    const got = await joinTraffic([B, GHOST], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "envoy" }), now: NOW, client: c });
    expect(got).toEqual([WANT_B, traffic("envoy", [300, 337], [0, 0, 0, 0])]);
  });

  it("ingress-nginx: exported_namespace, or namespace where the scrape kept it; never the controller's namespace", async () => {
    const got = await joinTraffic([C, D], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "ingress-nginx" }), now: NOW, client: client() });
    expect(got).toEqual([WANT_C, WANT_D]);
  });

  it("custom: placeholders escaped for string literals and regexes (quote, backslash, metacharacters)", async () => {
    const got = await joinTraffic([E], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "custom" }), now: NOW, client: client() });
    expect(got).toEqual([WANT_E]);
  });

  it("explicit preset, workload without series: four zeros, null baseline rate, the preset as source", async () => {
    const got = await joinTraffic([GHOST], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: NOW, client: client() });
    expect(got).toEqual([traffic("istio", [300, 337], [0, 0, 0, 0])]);
  });

  it("auto: per workload the first source with series; none: noSeries (not retried)", async () => {
    const c = client();
    const got = await joinTraffic([A, B, C, D, E, GHOST, A2], { settings: config({}), now: NOW, client: c });
    expect(got).toEqual([WANT_A, WANT_B, WANT_C, WANT_D, WANT_E, { noSeries: true, note: "no-traffic-series" }, WANT_A2]);
    // checkout: istio 1; api.v1: istio+envoy 2; web, shop-ui: istio+envoy+nginx(2) 4 each;
    // custom and ghost: 4 + custom's 2 = 6 each.
    expect(c.queries).toBe(1 + 2 + 4 + 4 + 6 + 6);
  });

  it("windows not yet answerable are pending until windowEnd + scrape delay, without a query", async () => {
    const c = client();
    const end = at(641.5) + 60_000;
    const got = await joinTraffic([A], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: end, client: c });
    expect(got).toEqual([{ pending: "not-yet-answerable", retryAt: end + 1 }]);
    expect(c.queries).toBe(0);
    const later = await joinTraffic([A], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: end + 1, client: c });
    expect(later).toEqual([WANT_A]);
  });

  it("records without a window stay without traffic", async () => {
    const got = await joinTraffic([record("shop", "checkout", { deleteRequestedAt: iso(600) })], {
      settings: config({}),
      now: NOW,
      client: client(),
    });
    expect(got).toEqual([{ noWindow: true }]);
  });

  it("Prometheus stopped mid-run: what was not answered is pending (nothing invented); after a restart it is filled", async () => {
    const settings = config({ DRAINWATCH_TRAFFIC_RETRY_SECONDS: "45" });
    const real = client();
    // Prometheus dies right after the first answer (istio's, for checkout).
    let stopped = false;
    const dying: SampleSource = {
      get queries() {
        return real.queries;
      },
      async rawSamples(selector: string, from: number, to: number): Promise<RawSeries[]> {
        const answer = await real.rawSamples(selector, from, to);
        if (!stopped) {
          stopped = true;
          await prom.stop();
        }
        return answer;
      },
    };
    try {
      const got = await joinTraffic([A, B, C, E], { settings, now: NOW, client: dying, concurrency: 1 });
      const pending = { pending: "metrics-unavailable", retryAt: NOW + 45_000 };
      expect(got).toEqual([WANT_A, pending, pending, pending]);
      const down = await real.rawSamples("up", at(0), at(1)).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(MetricsUnavailable);
      expect((down as MetricsUnavailable).reason).toBe("unreachable");
    } finally {
      await prom.restart();
    }
    const retried = await joinTraffic([B, C, E], { settings, now: NOW + 45_000, client: client() });
    expect(retried).toEqual([WANT_B, WANT_C, WANT_E]);
  }, 60_000);

  it("an error status from Prometheus is MetricsUnavailable with the status", async () => {
    const err = await client()
      .rawSamples('foo{a=~"("}', at(0), at(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsUnavailable);
    expect((err as MetricsUnavailable).httpStatus).toBe(400);
  });

  it("windows of one workload far apart (beyond the batch gap) are separate queries, each counted as alone", async () => {
    // (100, 140] needs samples from 60 - 300 s; (1100, 1140] from 1060 - 300 = 760 s: 620 s apart.
    const early = record("shop", "checkout", { deleteRequestedAt: iso(100), exitedAt: iso(130) });
    const late = record("shop", "checkout", { deleteRequestedAt: iso(1100), exitedAt: iso(1130) });
    const c = client();
    const settings = config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" });
    const got = await joinTraffic([late, early], { settings, now: NOW, client: c });
    expect(c.queries).toBe(2);
    // (100, 140]: the 200 series, 10 per 15 s, samples at 105, 120, 135 → 30; baseline (60, 100]: 75, 90 → 20.
    expect(got[1]).toEqual(traffic("istio", [100, 140], [30, 0, 20, 0]));
    // (1100, 1140]: samples at 1110, 1125, 1140 (on b) → 30; baseline (1060, 1100]: 1065, 1080, 1095 → 30.
    expect(got[0]).toEqual(traffic("istio", [1100, 1140], [30, 0, 30, 0]));
  });

  it("a rollout of one workload is answered by one query, every window counted", async () => {
    // 200 pods of checkout terminating one every 3 s from 400 s: windows (t, t+20] overlap.
    const pods = Array.from({ length: 200 }, (_, i) => {
      const t = 400 + i * 3;
      return record("shop", "checkout", { deleteRequestedAt: iso(t), exitedAt: iso(t + 10) });
    });
    const c = client();
    const got = await joinTraffic(pods, { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: NOW, client: c });
    expect(c.queries).toBe(1);
    // Spot check against separate one-record joins (each its own query).
    for (const i of [0, 67, 199]) {
      const alone = await joinTraffic([pods[i]!], { settings: config({ DRAINWATCH_TRAFFIC_SOURCE: "istio" }), now: NOW, client: client() });
      expect(got[i]).toEqual(alone[0]);
    }
    // The first window (400, 420]: the 200 series grows 10 per 15 s: samples at 405 and 420 → 20.
    expect((got[0] as Extract<TrafficJoin, { traffic: unknown }>).traffic).toMatchObject({ requests: 20, errors5xx: 0 });
  });
});
