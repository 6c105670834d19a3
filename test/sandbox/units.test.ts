// Pure parts of the sandbox: the kubelet's termination plan, scenario validation, kubectl-like
// actions, selectors, and the virtual clock's ordering.
import { describe, expect, it } from "vitest";
import { planTermination, type ContainerProfile } from "../../lib/sandbox/sim/plan.ts";
import { parseScenario } from "../../lib/sandbox/scenario.ts";
import { parseKubectl } from "../../lib/sandbox/sim/kubectl-action.ts";
import { fieldMatcher, labelMatcher } from "../../lib/sandbox/selectors.ts";
import { VirtualClock } from "../../lib/sandbox/clock.ts";
import { humanDuration, rfc3339 } from "../../lib/sandbox/time.ts";
import type { KObject } from "../../lib/sandbox/types.ts";

const main = (over: Partial<ContainerProfile>): ContainerProfile => ({ name: "app", sidecar: null, behaviour: "clean", drainSeconds: 2, exitCode: 1, preStop: null, ...over });
const T0 = 1_000_000;

describe("planTermination", () => {
  it("clean exit after preStop + drain", () => {
    const p = planTermination([main({ preStop: { action: "sleep", seconds: 5, fail: false }, drainSeconds: 4 })], T0, 30, T0 + 30_000);
    expect(p.exits[0]).toMatchObject({ at: T0 + 9000, exitCode: 0, reason: "Completed", outcome: "clean" });
  });

  it("slow: SIGKILL at T0 + P + max(G − ⌊P⌋, 2)", () => {
    const p = planTermination([main({ behaviour: "slow", drainSeconds: 99, preStop: { action: "sleep", seconds: 3.5, fail: false } })], T0, 30, T0 + 30_000);
    expect(p.exits[0]).toMatchObject({ at: T0 + (3.5 + 27) * 1000, exitCode: 137, reason: "Error", killed: true, outcome: "sigkill" });
  });

  it("preStop overrunning the grace: SIGKILL at T0 + G + 2", () => {
    const p = planTermination([main({ behaviour: "slow", drainSeconds: 99, preStop: { action: "sleep", seconds: 40, fail: false } })], T0, 30, T0 + 30_000);
    expect(p.exits[0]!.at).toBe(T0 + 32_000);
  });

  it("ignore-sigterm: killed 2 s past the deadline; oom and exit codes", () => {
    expect(planTermination([main({ behaviour: "ignore-sigterm" })], T0, 30, T0 + 29_500).exits[0]).toMatchObject({ at: T0 + 31_500, exitCode: 137, outcome: "sigkill" });
    expect(planTermination([main({ behaviour: "oom-during-drain" })], T0, 30, T0).exits[0]).toMatchObject({ reason: "OOMKilled", firstReason: "Error", outcome: "oom" });
    expect(planTermination([main({ behaviour: "exit-143" })], T0, 30, T0).exits[0]).toMatchObject({ exitCode: 143, outcome: "sigterm" });
    expect(planTermination([main({ behaviour: "error", exitCode: 3 })], T0, 30, T0).exits[0]).toMatchObject({ exitCode: 3, outcome: "error" });
  });

  it("a failing preStop is reported when it ends; termination goes on", () => {
    const p = planTermination([main({ preStop: { action: "exec", seconds: 1, fail: true } })], T0, 30, T0);
    expect(p.preStopFailures).toEqual([{ name: "app", at: T0 + 1000 }]);
    expect(p.exits[0]!.outcome).toBe("clean");
  });

  it("classic sidecar exits ~5 s after start; native sidecars stop after the main containers, in reverse order", () => {
    const p = planTermination(
      [
        main({ drainSeconds: 10 }),
        { ...main({}), name: "istio-proxy", sidecar: "classic", drainSeconds: 5 },
        { ...main({}), name: "a", sidecar: "native", drainSeconds: 1 },
        { ...main({}), name: "b", sidecar: "native", drainSeconds: 1 },
      ],
      T0,
      30,
      T0,
    );
    const at = Object.fromEntries(p.exits.map((e) => [e.name, e.at - T0]));
    expect(at).toEqual({ app: 10_000, "istio-proxy": 5000, b: 11_000, a: 12_000 });
    expect(p.lastExitAt).toBe(T0 + 12_000);
  });
});

describe("scenario", () => {
  it("applies defaults and rejects bad input with paths", () => {
    const s = parseScenario("workloads: [{ name: web, containers: [{ name: app }] }]\n", "t");
    expect(s.workloads[0]).toMatchObject({ namespace: "default", replicas: 3, terminationGracePeriodSeconds: 30, maxSurge: "25%" });
    expect(s.settings.kubeletLatencySeconds).toBe(0.5);
    expect(() => parseScenario("workloads: [{ name: web, containers: [{ name: app, behaviour: nap }] }]\n", "t")).toThrow(/workloads\.0\.containers\.0\.behaviour/);
    expect(() => parseScenario("schedule: [{ at: 1, action: scale, target: x/y, replicas: 1 }]\n", "t")).toThrow(/no workload x\/y/);
    expect(() => parseScenario("workloads: [{ name: web, containers: [{ name: app }], sidecars: [{ name: fluentd }] }]\n", "t")).toThrow(/sidecars/);
  });
});

describe("kubectl actions", () => {
  it("parses rollout restart, scale and delete", () => {
    expect(parseKubectl("kubectl rollout restart deployment/web -n shop")).toEqual({ kind: "rollout", namespace: "shop", name: "web" });
    expect(parseKubectl("scale deploy/web --replicas=2")).toEqual({ kind: "scale", namespace: "default", name: "web", replicas: 2 });
    expect(parseKubectl("delete pod -n shop -l app=web --grace-period=0 --force")).toMatchObject({ kind: "delete", selector: "app=web", gracePeriodSeconds: 0, force: true });
    expect(() => parseKubectl("delete pod x --grace-period=0")).toThrow(/--force/);
    expect(() => parseKubectl("apply -f x.yaml")).toThrow(/unsupported/);
  });
});

describe("selectors", () => {
  const obj = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "shop", uid: "u", labels: { app: "web", tier: "fe" } } } as KObject;
  it("labels and fields", () => {
    expect(labelMatcher("app=web,tier!=be")(obj)).toBe(true);
    expect(labelMatcher("app==db")(obj)).toBe(false);
    expect(labelMatcher("!tier")(obj)).toBe(false);
    expect(fieldMatcher("metadata.name=a,metadata.namespace=shop")(obj)).toBe(true);
    expect(fieldMatcher("metadata.name=b")(obj)).toBe(false);
  });
});

describe("virtual clock and time", () => {
  it("runs tasks in virtual-time order, ties in scheduling order, seeing their due time", async () => {
    let wall = 0;
    const clock = new VirtualClock(0.001, 1_000_000, () => wall);
    const seen: string[] = [];
    clock.at(1_002_000, () => seen.push(`b@${clock.now()}`));
    clock.at(1_001_000, () => seen.push(`a@${clock.now()}`));
    clock.at(1_002_000, () => seen.push(`c@${clock.now()}`));
    wall = 5; // 5 wall ms = 5 virtual s
    await clock.idle();
    expect(seen).toEqual(["a@1001000", "b@1002000", "c@1002000"]);
  });
  it("formats like Kubernetes", () => {
    expect(rfc3339(Date.UTC(2026, 4, 11, 9, 30, 0, 999))).toBe("2026-05-11T09:30:00Z");
    expect([humanDuration(5000), humanDuration(150_000), humanDuration(24 * 3600_000)]).toEqual(["5s", "2m30s", "24h"]);
  });
});
