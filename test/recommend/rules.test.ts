// Recommendation rules, table-tested: a workload's records in, recommendations out.
import { describe, expect, it } from "vitest";
import { recommend, type Recommendation } from "../../lib/recommend/index.ts";
import { percentileCont } from "../../lib/recommend/stats.ts";
import { terminationRecordSchema, type TerminationRecord } from "../../lib/tracker/record.ts";

const T0 = Date.parse("2026-03-02T14:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

interface Opts {
  i: number;
  outcome?: TerminationRecord["outcome"];
  drain?: number | null;
  grace?: number | null;
  lag?: number | null;
  preStop?: Partial<TerminationRecord["preStop"]> & { sleepSeconds?: number | null };
  app?: Partial<TerminationRecord["containers"][number]> & Partial<Omit<TerminationRecord["containerSpecs"][number], "name">>;
  sidecar?: Partial<TerminationRecord["containers"][number]> & { name: string };
  sidecarFirst?: boolean;
  traffic?: { errors5xx: number; baselineErrors5xx: number } | null;
  killingAt?: number | null;
  events?: TerminationRecord["events"];
}

/** Record i of workload shop/web, requested i minutes before T0 (so i = 0 is the newest). */
function rec(o: Opts): TerminationRecord {
  const start = -o.i * 60;
  const outcome = o.outcome ?? "clean";
  const drain = o.drain === undefined ? 10 : o.drain;
  const grace = o.grace === undefined ? 30 : o.grace;
  const exitCode = { clean: 0, sigterm: 143, sigkill: 137, oom: 137, error: 1, unknown: null }[outcome];
  const exited = drain === null ? null : at(start + Math.floor(drain));
  const { sleepSeconds = null, ...preStop } = o.preStop ?? {};
  const { image = "registry.example/web:3", command = null, args = null, stopSignal = null, ...appExit } = o.app ?? {};
  return terminationRecordSchema.parse({
    podUid: `uid-${o.i}`,
    cluster: "default",
    namespace: "shop",
    pod: `web-abc-${o.i}`,
    node: "node-1",
    workload: { kind: "Deployment", name: "web" },
    revision: "3",
    cause: "rollout",
    outcome,
    gracePeriodSeconds: grace,
    deleteRequestedAt: at(start),
    deadlineAt: grace === null ? null : at(start + grace),
    endpointsUnreadyAt: o.lag == null ? null : at(start + o.lag),
    killingAt: o.killingAt === null ? null : at(start + (o.killingAt ?? 0)),
    exitedAt: exited,
    deletedAt: exited,
    drainSeconds: drain,
    endpointLagSeconds: o.lag ?? null,
    preStop: { defined: false, action: null, failed: false, ...preStop },
    preStopSleepSeconds: sleepSeconds,
    containerSpecs: [{ name: "app", image, command, args, stopSignal }],
    sidecarExitedFirst: o.sidecarFirst ?? false,
    containers: [
      { name: "app", sidecar: false, exitCode, reason: outcome === "oom" ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error", finishedAt: exited, outcome, ...appExit },
      ...(o.sidecar ? [{ sidecar: true, exitCode: 0, reason: "Completed", finishedAt: at(start + 1), outcome: "clean", ...o.sidecar }] : []),
    ],
    events: o.events ?? [],
    traffic:
      o.traffic == null
        ? null
        : { source: "istio", requests: 1000, baselineRequests: 1000, baselineErrorRate: o.traffic.baselineErrors5xx / 1000, windowStart: at(start), windowEnd: at(start + 40), ...o.traffic },
    notes: [],
  });
}

const many = (n: number, o: (i: number) => Omit<Opts, "i">) => Array.from({ length: n }, (_, i) => rec({ i, ...o(i) }));
const ids = (rs: Recommendation[]) => rs.map((r) => `${r.severity}:${r.id}`);
const one = (rs: Recommendation[], id: string): Recommendation => {
  const r = rs.find((x) => x.id === id);
  if (!r) throw new Error(`no ${id} in ${ids(rs).join(", ")}`);
  return r;
};
const quiet = { lag: 0.3, preStop: { defined: true, action: "sleep" as const, sleepSeconds: 2 } };

describe("percentileCont", () => {
  it.each([
    [[], 0.5, null],
    [[7], 0.99, 7],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10, 0, 5], 0.95, 9.5], // sorted 0,5,10: h = 1.9 → 5 + 0.9 × 5
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99, 9.91],
  ])("%j p%s = %s", (values, p, want) => {
    const got = percentileCont(values, p);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 12);
  });
});

describe("recommend", () => {
  it("nothing to say: no records, or clean drains well inside grace with a preStop sleep covering the lag", () => {
    expect(recommend({ records: [] })).toEqual([]);
    expect(recommend({ records: many(20, () => ({ drain: 8, ...quiet })) })).toEqual([]);
  });

  it("SIGKILLs at the deadline: raise terminationGracePeriodSeconds to a stated value", () => {
    // 2 SIGKILLed at 30 s; 8 exited on their own after 10..17 s (p99 16.93 s).
    const records = many(10, (i) => (i < 2 ? { outcome: "sigkill", drain: 31, ...quiet } : { drain: 8 + i, ...quiet }));
    const rs = recommend({ records });
    expect(ids(rs)).toEqual(["critical:grace-too-short"]);
    const r = one(rs, "grace-too-short");
    // max(p99 + max(5, 20%), grace + 5) = max(21.93, 35) → 35 (rounded up to 5 s)
    expect(r.title).toBe("Raise terminationGracePeriodSeconds from 30 to 35");
    expect(r.change).toMatchObject({ target: "pod-spec", snippet: "terminationGracePeriodSeconds: 35" });
    expect(r.evidence.facts).toEqual([
      { label: "SIGKILLed at the deadline", value: 2, unit: "count" },
      { label: "terminations with a grace period", value: 10, unit: "count" },
      { label: "grace period", value: 30, unit: "seconds" },
      { label: "p99 drain of pods that exited on their own", value: 16.93, unit: "seconds" },
    ]);
    expect(r.evidence.examples).toEqual([
      { cluster: "default", podUid: "uid-0", pod: "web-abc-0" },
      { cluster: "default", podUid: "uid-1", pod: "web-abc-1" },
    ]);
  });

  it("no SIGKILL yet but the p99 drain is within the margin of the deadline: a warning", () => {
    const records = many(10, (i) => ({ drain: 20 + i * 0.8, ...quiet })); // up to 27.2 s of 30 s
    const r = one(recommend({ records }), "grace-too-short");
    expect(r.severity).toBe("warning");
    // p99 = 27.128; + 20% = 32.55 → 35
    expect(r.change.snippet).toBe("terminationGracePeriodSeconds: 35");
  });

  it("every exit a SIGKILL with `sh -c` as PID 1 (no exec): names the shell and adds exec", () => {
    const app = { command: ["/bin/sh", "-c"], args: ["./migrate && node server.js"] };
    const rs = recommend({ records: many(2, () => ({ outcome: "sigkill", drain: 31, app, ...quiet })) });
    expect(ids(rs)).toEqual(["critical:sigterm-ignored"]);
    const r = one(rs, "sigterm-ignored");
    expect(r.title).toContain("PID 1 of app is a shell");
    expect(r.evidence.text).toContain("`/bin/sh -c ./migrate && node server.js`");
    expect(r.change.snippet).toBe('containers:\n- name: app\n  args: ["exec ./migrate && node server.js"]');
  });

  it("script in command: exec goes into command", () => {
    const app = { command: ["bash", "-c", "java -jar app.jar"], args: null };
    const r = one(recommend({ records: many(1, () => ({ outcome: "sigkill", drain: 31, app })) }), "sigterm-ignored");
    expect(r.change.snippet).toBe('containers:\n- name: app\n  command: ["bash", "-c", "exec java -jar app.jar"]');
  });

  it("every exit a SIGKILL without a shell to blame (3+): the app ignores SIGTERM; with exec already: not the shell", () => {
    const rs = recommend({ records: many(3, () => ({ outcome: "sigkill", drain: 31, ...quiet })) });
    expect(ids(rs)).toEqual(["critical:sigterm-ignored"]);
    expect(one(rs, "sigterm-ignored").change.target).toBe("container-image");
    const exec = { command: ["sh", "-c", "exec node server.js"] };
    const r = one(recommend({ records: many(3, () => ({ outcome: "sigkill", drain: 31, app: exec, ...quiet })) }), "sigterm-ignored");
    expect(r.title).toBe("Every exit is a SIGKILL at the deadline: the app does not stop on SIGTERM");
    // Two SIGKILLs and no shell: too few to tell a deaf app from a short grace period.
    expect(ids(recommend({ records: many(2, () => ({ outcome: "sigkill", drain: 31, ...quiet })) }))).toEqual(["critical:grace-too-short"]);
  });

  it("endpoint lag beyond the preStop sleep: lengthen it to a stated value", () => {
    const records = many(10, (i) => ({ lag: 1 + i * 0.3, preStop: { defined: true, action: "sleep", sleepSeconds: 2 } }));
    const r = one(recommend({ records }), "prestop-sleep");
    // p99 lag 3.673 s + max(1 s, 20%) = 4.673 → 5
    expect(r.title).toBe("Lengthen the preStop sleep from 2 s to 5 s");
    expect(r.change.snippet).toBe("containers:\n- name: app\n  lifecycle:\n    preStop:\n      sleep:\n        seconds: 5");
    expect(r.evidence.facts[0]).toEqual({ label: "terminations with an endpoint lag", value: 10, unit: "count" });
    expect(r.evidence.examples.map((e) => e.podUid)).toEqual(["uid-4", "uid-5", "uid-6"]); // the first above 2 s
  });

  it("no preStop while endpoints lag: add a sleep when 5xx rose (warning) or metrics are missing (info); not when traffic was clean", () => {
    const errs = one(recommend({ records: many(4, () => ({ lag: 0.4, traffic: { errors5xx: 9, baselineErrors5xx: 1 } })) }), "prestop-sleep");
    expect(errs).toMatchObject({ severity: "warning", title: "Add a preStop sleep of 2 s" });
    expect(errs.evidence.facts).toContainEqual({ label: "5xx above baseline during terminations", value: 32, unit: "count" });
    expect(one(recommend({ records: many(4, () => ({ lag: 0.4 })) }), "prestop-sleep").severity).toBe("info");
    expect(recommend({ records: many(4, () => ({ lag: 0.4, traffic: { errors5xx: 1, baselineErrors5xx: 1 } })) })).toEqual([]);
  });

  it("nginx exiting within a second of SIGTERM while still routed: STOPSIGNAL SIGQUIT; not with stopSignal SIGQUIT or once unready", () => {
    const nginx = { image: "docker.io/library/nginx:1.27-alpine" };
    const fast = many(3, () => ({ drain: 1, killingAt: 0.5, lag: 3, ...{ preStop: quiet.preStop }, app: nginx }));
    const r = one(recommend({ records: fast }), "nginx-stop-signal");
    expect(r).toMatchObject({ severity: "warning", change: { snippet: "STOPSIGNAL SIGQUIT", target: "container-image" } });
    expect(r.title).toContain("docker.io/library/nginx:1.27-alpine");
    const sigquit = many(3, () => ({ drain: 1, killingAt: 0.5, lag: 3, app: { ...nginx, stopSignal: "SIGQUIT" }, preStop: quiet.preStop }));
    expect(recommend({ records: sigquit }).map((x) => x.id)).not.toContain("nginx-stop-signal");
    const unreadyFirst = many(3, () => ({ drain: 1, killingAt: 0.5, lag: 0.2, app: nginx, preStop: quiet.preStop }));
    expect(recommend({ records: unreadyFirst }).map((x) => x.id)).not.toContain("nginx-stop-signal");
    const notNginx = many(3, () => ({ drain: 1, killingAt: 0.5, lag: 3, app: { image: "ghcr.io/acme/engine:1" }, preStop: { defined: true, action: "sleep" as const, sleepSeconds: 5 } }));
    expect(recommend({ records: notNginx })).toEqual([]);
  });

  it("sidecar exited first: the mesh's setting for istio-proxy, a native sidecar otherwise", () => {
    const istio = one(recommend({ records: many(2, () => ({ ...quiet, sidecarFirst: true, sidecar: { name: "istio-proxy" } })) }), "sidecar-exited-first");
    expect(istio.change.target).toBe("mesh");
    expect(istio.change.snippet).toContain("EXIT_ON_ZERO_ACTIVE_CONNECTIONS");
    const other = one(recommend({ records: many(2, () => ({ ...quiet, sidecarFirst: true, sidecar: { name: "log-shipper" } })) }), "sidecar-exited-first");
    expect(other.change).toMatchObject({ target: "pod-spec", snippet: "initContainers:\n- name: log-shipper\n  restartPolicy: Always" });
  });

  it("OOM while draining, preStop failing (sleep → sleep action), exit 143", () => {
    const oom = recommend({ records: [rec({ i: 0, outcome: "oom", ...quiet }), ...many(3, () => quiet).map((r, i) => ({ ...r, podUid: `c${i}` }))] });
    expect(one(oom, "oom-while-draining").evidence.facts[0]).toEqual({ label: "OOMKilled while draining", value: 1, unit: "count" });

    const failed = rec({
      i: 0,
      lag: 0.3,
      preStop: { defined: true, action: "exec", failed: true, sleepSeconds: 5 },
      events: [{ reason: "FailedPreStopHook", type: "Warning", message: 'exec: "sleep": executable file not found in $PATH', at: at(1), count: 1 }],
    });
    const pf = one(recommend({ records: [failed] }), "prestop-failed");
    expect(pf.evidence.text).toContain('executable file not found');
    expect(pf.change.snippet).toBe("containers:\n- name: app\n  lifecycle:\n    preStop:\n      sleep:\n        seconds: 5");

    const e143 = one(recommend({ records: many(2, () => ({ outcome: "sigterm", ...quiet })) }), "exit-143");
    expect(e143).toMatchObject({ severity: "info", title: "app exits 143 on SIGTERM instead of 0" });
  });

  it("orders critical before warning before info", () => {
    const records = [
      ...many(3, () => ({ outcome: "sigterm" as const, ...quiet })),
      ...[rec({ i: 3, outcome: "sigkill", drain: 31, ...quiet }), rec({ i: 4, outcome: "oom", ...quiet })],
    ];
    expect(ids(recommend({ records }))).toEqual(["critical:grace-too-short", "warning:oom-while-draining", "info:exit-143"]);
  });
});
