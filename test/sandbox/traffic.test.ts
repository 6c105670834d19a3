// Simulated client traffic (lib/sandbox/sim/traffic): the mechanism on the model alone, with hand
// counted expectations; the counters' tick rule; and a whole sandbox, where the joiner's counting
// of the built-in query API's raw samples must equal the ground truth of every window.
import { describe, expect, it } from "vitest";
import { startSandbox } from "../../lib/sandbox/index.ts";
import { WorkloadClients, type ClientEndpoint, type Outcome } from "../../lib/sandbox/sim/traffic/model.ts";
import { CounterHistory } from "../../lib/sandbox/sim/traffic/counters.ts";
import { PrometheusSamples } from "../../lib/traffic/prometheus.ts";
import { countWindow } from "../../lib/traffic/count.ts";

const T = 1_800_000_000_000; // a whole second

function ep(uid: string, state: "ready" | "terminating" | "gone-serving" = "ready"): ClientEndpoint {
  if (state === "ready") return { uid, ready: true, serving: true, terminating: false };
  if (state === "terminating") return { uid, ready: false, serving: true, terminating: true };
  return { uid, ready: false, serving: false, terminating: true };
}

/** A model settled at T with endpoints A and B, and everything it emits, summed per code/flags. */
function clients(opts: { rps: number; requestSeconds: number; delay: number; endpoints?: ClientEndpoint[] }) {
  const seen: { at: number; outcome: Outcome; count: number }[] = [];
  const m = new WorkloadClients({ rps: opts.rps, requestSeconds: opts.requestSeconds, propagationDelaySeconds: opts.delay, source: "loadgen" }, (at, outcome, count) =>
    seen.push({ at, outcome, count }),
  );
  m.setEndpoints(T, opts.endpoints ?? [ep("A"), ep("B")]);
  m.settled(T);
  const sum = (flags: string, from = -Infinity, to = Infinity) =>
    seen.filter((s) => s.outcome.flags === flags && s.at > from && s.at <= to).reduce((n, s) => n + s.count, 0);
  return { m, seen, sum };
}

describe("client traffic model", () => {
  it("requests routed to a pod after it closed its listener at SIGTERM are refused (503 UF) until the clients' view drops it", () => {
    // 10 rps round robin over A and B; A's endpoint goes terminating at T+5 s, seen by clients 1 s later.
    const { m, sum } = clients({ rps: 10, requestSeconds: 0.05, delay: 1 });
    m.setEndpoints(T + 5000, [ep("A", "terminating"), ep("B")]);
    m.sigterm("A", T + 5000, { closesListener: true, drainsInFlight: true }); // no preStop: SIGTERM at once
    m.advance(T + 20_000);
    // Arrivals in (T+5 s, T+6 s]: 10, alternating A and B → 5 refused. None before, none after.
    expect(sum("UF")).toBe(5);
    expect(sum("UF", T + 5000, T + 6000)).toBe(5);
    expect(sum("UC") + sum("UH")).toBe(0);
    expect(sum("-")).toBe(20 * 10 - 5 - 1); // the request arriving at T+20 s is still in flight
  });

  it("requests in flight when the container is SIGKILLed fail (503 UC) at the kill; new ones are refused after it", () => {
    // Long requests (2 s), an app that ignores SIGTERM and keeps its listener: killed at T+5.5 s while routed.
    const { m, sum } = clients({ rps: 10, requestSeconds: 2, delay: 3 });
    m.setEndpoints(T + 4000, [ep("A", "terminating"), ep("B")]); // clients see it at T+7 s
    m.sigterm("A", T + 4500, { closesListener: false, drainsInFlight: true });
    m.stop("A", T + 5500);
    m.advance(T + 30_000);
    // In flight at A at T+5.5 s: A's arrivals in (T+3.5 s, T+5.5 s] (those at or before T+3.5 s complete
    // by T+5.5 s): 20 arrivals, 10 to A.
    expect(sum("UC")).toBe(10);
    expect(sum("UC", T + 5499, T + 5500)).toBe(10);
    // Refused: A's share of the arrivals in (T+5.5 s, T+7 s]: 15 arrivals, alternating → 7 or 8.
    expect(sum("UF")).toBe(sum("UF", T + 5500, T + 7000));
    expect([7, 8]).toContain(sum("UF"));
  });

  it("a well-behaved pod (preStop sleep longer than endpoint lag + propagation, drains in flight) costs no 5xx", () => {
    const { m, sum, seen } = clients({ rps: 50, requestSeconds: 0.5, delay: 1 });
    // Deleted at T+10 s: slice 0.35 s later, clients 1 s after that; preStop 5 s, drain 2 s, exit.
    m.setEndpoints(T + 10_350, [ep("A", "terminating"), ep("B")]);
    m.sigterm("A", T + 15_500, { closesListener: true, drainsInFlight: true });
    m.setEndpoints(T + 17_850, [ep("B")]);
    m.stop("A", T + 17_500);
    m.advance(T + 40_000);
    expect(seen.filter((s) => s.outcome.code !== "200")).toEqual([]);
    expect(sum("-")).toBe(40 * 50 - 25); // all but the last 0.5 s still in flight
  });

  it("an app that abandons in-flight requests at SIGTERM fails them then", () => {
    const { m, sum } = clients({ rps: 10, requestSeconds: 1, delay: 0 });
    m.setEndpoints(T + 5000, [ep("A", "terminating"), ep("B")]);
    m.sigterm("A", T + 5000, { closesListener: true, drainsInFlight: false });
    m.advance(T + 10_000);
    // A's arrivals in (T+4 s, T+5 s]: 5, all in flight at T+5 s.
    expect(sum("UC")).toBe(5);
    expect(sum("UF")).toBe(0);
  });

  it("with no ready endpoint clients fall back to serving terminating ones, and with none get 503 UH", () => {
    const { m, sum } = clients({ rps: 10, requestSeconds: 0.05, delay: 0, endpoints: [ep("A")] });
    m.setEndpoints(T + 2000, [ep("A", "terminating")]);
    m.setEndpoints(T + 4000, [ep("A", "gone-serving")]);
    m.advance(T + 6000);
    // [T+4 s, T+6 s]: a view applies to an arrival at its very instant.
    expect(sum("UH")).toBe(21);
    // Before: 39 arrivals, to A, then A alone serving while terminating; each done 50 ms later.
    expect(sum("-")).toBe(39);
  });
});

describe("counter history", () => {
  it("counts what happened in (T − 1 s, T] at tick T; a range is (from, to]; totals before a series existed are 0", () => {
    const h = new CounterHistory();
    const l = { response_code: "200" };
    h.add(l, T + 1, 2);
    h.add(l, T + 1000, 3);
    h.publish(T + 1000);
    h.add({ response_code: "503" }, T + 1500, 1);
    h.publish(T + 2000);
    expect(() => h.add(l, T + 2000, 1)).toThrow(/behind the published tick/);
    expect(h.range(() => true, T, T + 2000)).toEqual([
      { labels: l, samples: [{ t: T + 1000, v: 5 }, { t: T + 2000, v: 5 }] },
      { labels: { response_code: "503" }, samples: [{ t: T + 2000, v: 1 }] },
    ]);
    expect(h.range(() => true, T + 1000, T + 2000).map((s) => s.samples.length)).toEqual([1, 1]);
    expect(h.totalAt((x) => x.response_code === "503", T + 1999)).toBe(0);
    expect(h.totalAt(() => true, T + 2500)).toBe(6);
  });
});

const SCENARIO = `
name: traffic
timeScale: 0.02
workloads:
  - name: good
    namespace: shop
    replicas: 2
    containers: [{ name: app, drainSeconds: 2, preStop: { sleep: 3 } }]
    sidecars: [{ name: istio-proxy }]
    clients: { rps: 10, requestSeconds: 0.2, propagationDelaySeconds: 1 }
  - name: bad
    namespace: shop
    replicas: 2
    terminationGracePeriodSeconds: 5
    containers: [{ name: app, behaviour: ignore-sigterm, drainsInFlight: false }]
    clients: { rps: 10, requestSeconds: 0.2, propagationDelaySeconds: 1 }
  - name: quiet
    namespace: shop
    replicas: 1
    containers: [{ name: app }]
schedule:
  - { at: 30, action: delete-pod, target: shop/good }
  - { at: 30, action: delete-pod, target: shop/bad }
  - { at: 31, action: delete-pod, target: shop/quiet }
  - { at: 50, action: force-delete, target: shop/good }
  - { at: 60, action: rollout, target: shop/bad }
  - { at: 60, action: rollout, target: shop/good }
`;

describe("sandbox with clients", () => {
  it("the joiner's counting of the built-in query API's raw samples equals the ground truth of every window; the good workload's drains cost nothing", async () => {
    const sb = await startSandbox({ scenario: SCENARIO });
    try {
      await sb.done();
      // Windows end 10 s (the tail) after the last termination ends.
      while (sb.groundTruth().some((t) => t.workload.name !== "quiet" && t.traffic === null)) await new Promise((r) => setTimeout(r, 20));
      const truth = sb.groundTruth();
      expect(truth).toHaveLength(8);
      expect(truth.find((t) => t.workload.name === "quiet")!.traffic).toBeNull();

      const prometheus = new PrometheusSamples({ url: sb.prometheusUrl, timeoutSeconds: 5 });
      for (const t of truth.filter((x) => x.traffic)) {
        const w = t.traffic!;
        const a = Date.parse(w.windowStart);
        const b = Date.parse(w.windowEnd);
        const series = await prometheus.rawSamples(
          `istio_requests_total{reporter="source",destination_workload="${t.workload.name}",destination_workload_namespace="shop"}`,
          a - (b - a) - 300_000,
          b,
        );
        expect(series.length).toBeGreaterThan(0);
        const counted = countWindow(
          series.map((s) => ({ samples: s.samples, requests: true, errors: /^5..$/.test(s.labels.response_code ?? "") })),
          a,
          b,
        );
        expect({ pod: t.pod, requests: counted.requests, errors5xx: counted.errors5xx, baselineRequests: counted.baselineRequests, baselineErrors5xx: counted.baselineErrors5xx }).toEqual({
          pod: t.pod,
          requests: w.requests,
          errors5xx: w.errors5xx,
          baselineRequests: w.baselineRequests,
          baselineErrors5xx: w.baselineErrors5xx,
        });
      }
      const good = truth.filter((t) => t.workload.name === "good");
      const bad = truth.filter((t) => t.workload.name === "bad");
      // Graceful drains of `good` cost nothing; its force delete (killed while routed) does.
      expect(good.filter((t) => t.cause !== "force-delete").map((t) => t.traffic!.errors5xx)).toEqual([0, 0, 0]);
      expect(good.find((t) => t.cause === "force-delete")!.traffic!.errors5xx).toBeGreaterThan(0);
      // `bad` loses the requests in flight at SIGTERM and refuses until its clients stop routing to it.
      expect(bad.every((t) => t.traffic!.errors5xx > 0)).toBe(true);
      expect(truth.every((t) => !t.traffic || t.traffic.requests > 0)).toBe(true);
    } finally {
      await sb.close();
    }
  });

  it("serves /metrics in the text format, the query API's errors as Prometheus does, and the ground truth read-only over HTTP", async () => {
    const sb = await startSandbox({ scenario: SCENARIO });
    try {
      await sb.done();
      while (sb.groundTruth().some((t) => t.workload.name !== "quiet" && t.traffic === null)) await new Promise((r) => setTimeout(r, 20));
      const metrics = await fetch(`${sb.url}/metrics`);
      expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toMatch(/^# TYPE istio_requests_total counter$/m);
      expect(text).toMatch(/^istio_requests_total\{[^}]*destination_workload="bad"[^}]*response_code="503",response_flags="UF"[^}]*\} \d+ \d{13}$/m);

      const bad = await fetch(`${sb.prometheusUrl}/api/v1/query?query=${encodeURIComponent("rate(istio_requests_total[1m])")}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ status: "error", errorType: "bad_data" });
      const post = await fetch(`${sb.prometheusUrl}/api/v1/query`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: 'istio_requests_total{destination_workload=~"go.d"}', time: String(sb.now() / 1000) }),
      });
      const vector = (await post.json()) as { status: string; data: { resultType: string; result: { metric: Record<string, string> }[] } };
      expect(vector.data.resultType).toBe("vector");
      expect(new Set(vector.data.result.map((r) => r.metric.destination_workload))).toEqual(new Set(["good"]));

      const gt = await fetch(`${sb.url}/sandbox/v1/ground-truth?tailSeconds=3`);
      const body = (await gt.json()) as { tailSeconds: number; items: unknown[] };
      expect(body.tailSeconds).toBe(3);
      expect(body.items).toEqual(JSON.parse(JSON.stringify(sb.groundTruth(3))));
      expect((await fetch(`${sb.url}/sandbox/v1/ground-truth?tailSeconds=x`)).status).toBe(400);
      expect((await fetch(`${sb.url}/sandbox/v1/ground-truth`, { method: "DELETE" })).status).toBe(405);
    } finally {
      await sb.close();
    }
  });
});

describe("kubelet-initiated terminations", () => {
  it("node pressure: clients keep routing to the evicted pod (not marked terminating, reference §4.5) and are refused, but there is no window (no API deletion), not even once the failed pod is deleted", async () => {
    const sb = await startSandbox({
      scenario: `
name: pressure
timeScale: 0.02
workloads:
  - name: cache
    namespace: shop
    replicas: 2
    containers: [{ name: app }]
    clients: { rps: 10, requestSeconds: 0.5, propagationDelaySeconds: 1 }
schedule:
  - { at: 10, action: node-pressure, target: shop/cache }
  - { at: 30, action: gc-failed }
`,
    });
    try {
      await sb.done();
      await new Promise((r) => setTimeout(r, 300));
      const truth = sb.groundTruth();
      expect(truth.map((t) => [t.cause, t.traffic])).toEqual([["node-pressure", null]]);
      const text = await (await fetch(`${sb.url}/metrics`)).text();
      expect(text).toMatch(/response_code="503",response_flags="UF"/);
    } finally {
      await sb.close();
    }
  });
});

describe("the demo's two workloads with clients", () => {
  it("checkout (preStop sleep, drains) causes no 5xx; cart (listener closed at SIGTERM while routed, then SIGKILL) 15 per rollout, as the demo states", async () => {
    const sb = await startSandbox({ scenario: "demo", timeScale: 0.01 });
    try {
      const start = sb.now();
      // checkout rolls out at 5 s, cart at 40 s; cart's last window ends by ~80 s.
      while (sb.now() < start + 100_000) await new Promise((r) => setTimeout(r, 20));
      const truth = sb.groundTruth();
      const of = (name: string) => truth.filter((t) => t.workload.name === name && t.cause === "rollout");
      expect(of("checkout").map((t) => t.traffic?.errors5xx)).toEqual([0, 0, 0]);
      expect(of("checkout").every((t) => t.outcome === "clean" && t.traffic!.requests > 0)).toBe(true);
      // Windows are the workload's (every pod): the first cart window holds all three pods' 5xx.
      expect(of("cart").map((t) => t.traffic?.errors5xx)).toEqual([15, 10, 5]);
      expect(of("cart").every((t) => t.outcome === "sigkill")).toBe(true);
      const text = await (await fetch(`${sb.url}/metrics`)).text();
      const fivexx = (workload: string) =>
        [...text.matchAll(/^istio_requests_total\{([^}]*)\} (\d+) \d+$/gm)]
          .filter((m) => m[1]!.includes(`destination_workload="${workload}"`) && /response_code="5\d\d"/.test(m[1]!))
          .reduce((n, m) => n + Number(m[2]), 0);
      expect(fivexx("checkout")).toBe(0);
      expect(fivexx("cart")).toBe(15);
    } finally {
      await sb.close();
    }
  });
});
