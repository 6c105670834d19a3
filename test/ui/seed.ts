// The UI tests' data: known termination records, with times relative to the moment the test
// starts (so the 1 h / 24 h / 7 d presets select known subsets), and the numbers every page
// must show for them.
import { terminationRecordSchema, type Outcome, type TerminationRecord } from "../../lib/tracker/record.ts";

export const HOSTILE_POD = `"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
export const HOSTILE_EVENT = `<script>window.__pwned=3;alert(1)</script> "><img src=x onerror=alert(2)>`;
/** A 253-character pod name (the Kubernetes maximum), one unbroken DNS label run. */
export const LONG_POD = ("checkout-canary-" + "x".repeat(253)).slice(0, 249) + "-z9q";

const iso = (t: number): string => new Date(t).toISOString();

interface Spec {
  uid: string;
  cluster?: string;
  namespace: string;
  pod: string;
  workload: { kind: string; name: string };
  revision?: string | null;
  cause?: TerminationRecord["cause"];
  outcome: Outcome;
  /** Minutes before now of the delete request. */
  agoMin: number;
  grace?: number | null;
  drain?: number | null;
  lag?: number | null;
  errors5xx?: number | null;
  requests?: number;
  events?: TerminationRecord["events"];
  notes?: string[];
  preStopSleep?: number | null;
}

const EXIT: Record<Outcome, { code: number | null; reason: string | null }> = {
  clean: { code: 0, reason: "Completed" },
  sigterm: { code: 143, reason: "Error" },
  error: { code: 1, reason: "Error" },
  oom: { code: 137, reason: "OOMKilled" },
  sigkill: { code: 137, reason: "Error" },
  unknown: { code: null, reason: null },
};

function record(s: Spec, now: number): TerminationRecord {
  const req = now - s.agoMin * 60_000;
  const grace = s.grace === undefined ? 30 : s.grace;
  const drain = s.drain === undefined ? 5 : s.drain;
  const lag = s.lag === undefined ? 0.4 : s.lag;
  const exitedAt = drain === null ? null : iso(req + drain * 1000);
  const killingAt = iso(req + 1000);
  const exit = EXIT[s.outcome];
  const traffic =
    s.errors5xx === null || s.errors5xx === undefined
      ? null
      : {
          source: "istio" as const,
          requests: s.requests ?? 1000,
          errors5xx: s.errors5xx,
          baselineRequests: 1000,
          baselineErrors5xx: 1,
          baselineErrorRate: 0.001,
          windowStart: iso(req),
          windowEnd: iso(req + ((drain ?? 0) + 11) * 1000),
        };
  return terminationRecordSchema.parse({
    podUid: s.uid,
    cluster: s.cluster ?? "prod",
    namespace: s.namespace,
    pod: s.pod,
    node: "node-3",
    workload: s.workload,
    revision: s.revision === undefined ? "12" : s.revision,
    cause: s.cause ?? "rollout",
    outcome: s.outcome,
    gracePeriodSeconds: grace,
    deleteRequestedAt: iso(req),
    deadlineAt: grace === null ? null : iso(req + grace * 1000),
    endpointsUnreadyAt: lag === null ? null : iso(req + lag * 1000),
    killingAt,
    exitedAt,
    deletedAt: exitedAt === null ? null : iso(req + (drain ?? 0) * 1000 + 530),
    drainSeconds: drain,
    endpointLagSeconds: lag,
    preStop: { defined: true, action: "sleep", failed: false },
    preStopSleepSeconds: s.preStopSleep === undefined ? 5 : s.preStopSleep,
    sidecarExitedFirst: false,
    containers: [
      { name: "app", sidecar: false, exitCode: exit.code, reason: exit.reason, finishedAt: exitedAt, outcome: s.outcome },
      { name: "istio-proxy", sidecar: true, exitCode: 0, reason: "Completed", finishedAt: exitedAt, outcome: "clean" },
    ],
    events: s.events ?? [{ reason: "Killing", type: "Normal", message: "Stopping container app", at: killingAt, count: 1 }],
    traffic,
    notes: s.notes ?? [],
  });
}

const CHECKOUT = { kind: "Deployment", name: "checkout" };
const LEDGER = { kind: "StatefulSet", name: "ledger" };
const WORKER = { kind: "Deployment", name: "worker" };

/** Every record, and what the pages must show for them. */
export function seed(now: number): { records: TerminationRecord[]; expect: typeof EXPECT } {
  const specs: Spec[] = [
    // prod/shop checkout: a rollout 12 → 13 in the last hour: 3 SIGKILLed past grace, 1 OOM, 2 clean.
    { uid: "u-checkout-1", namespace: "shop", pod: "checkout-7d9f8c6b5-aaaa1", workload: CHECKOUT, outcome: "sigkill", agoMin: 50, drain: 32, errors5xx: 27, requests: 1843 },
    { uid: "u-checkout-2", namespace: "shop", pod: "checkout-7d9f8c6b5-aaaa2", workload: CHECKOUT, outcome: "sigkill", agoMin: 49, drain: 31.5, errors5xx: 12 },
    { uid: "u-checkout-3", namespace: "shop", pod: "checkout-7d9f8c6b5-aaaa3", workload: CHECKOUT, outcome: "sigkill", agoMin: 48, drain: 32.2, errors5xx: 4 },
    { uid: "u-checkout-4", namespace: "shop", pod: "checkout-7d9f8c6b5-aaaa4", workload: CHECKOUT, outcome: "oom", agoMin: 47, drain: 3.1, errors5xx: 0 },
    { uid: "u-checkout-5", namespace: "shop", pod: "checkout-7d9f8c6b5-aaaa5", workload: CHECKOUT, outcome: "clean", agoMin: 46, drain: 6.2, errors5xx: 0 },
    {
      uid: "u-checkout-6",
      namespace: "shop",
      pod: LONG_POD,
      workload: CHECKOUT,
      outcome: "clean",
      agoMin: 45,
      drain: 5.8,
      errors5xx: 1,
    },
    // prod/payments ledger: two clean scale-downs 5 h ago, no traffic data (no metrics source).
    { uid: "u-ledger-0", namespace: "payments", pod: "ledger-4", workload: LEDGER, revision: "ledger-6c9d5f7b8", cause: "scale-down", outcome: "clean", agoMin: 300, grace: 60, drain: 4, lag: 0.05 },
    { uid: "u-ledger-1", namespace: "payments", pod: "ledger-3", workload: LEDGER, revision: "ledger-6c9d5f7b8", cause: "scale-down", outcome: "clean", agoMin: 301, grace: 60, drain: 4.4, lag: 0.06 },
    // prod/batch: a bare pod with a hostile name and event message, 2 h ago.
    {
      uid: "u-hostile",
      namespace: "batch",
      pod: HOSTILE_POD,
      workload: { kind: "Pod", name: HOSTILE_POD },
      revision: null,
      cause: "delete",
      outcome: "error",
      agoMin: 120,
      drain: 2,
      events: [
        { reason: "Killing", type: "Normal", message: "Stopping container app", at: null, count: 1 },
        { reason: "FailedPreStopHook", type: "Warning", message: HOSTILE_EVENT, at: null, count: 2 },
      ],
      notes: ["no-final-status"],
    },
    // staging/web frontend: 3 days ago (inside 7 d, outside 24 h).
    { uid: "u-frontend-0", cluster: "staging", namespace: "web", pod: "frontend-5c8d-qq1", workload: { kind: "Deployment", name: "frontend" }, outcome: "error", agoMin: 3 * 24 * 60, drain: 1 },
  ];
  // prod/jobs worker: 24 terminations over the last 20 h, sigterm and clean, revision 7.
  for (let i = 0; i < 24; i++) {
    specs.push({
      uid: `u-worker-${String(i).padStart(2, "0")}`,
      namespace: "jobs",
      pod: `worker-6f7c9-${String(i).padStart(3, "0")}`,
      workload: WORKER,
      revision: "7",
      cause: "scale-down",
      outcome: i % 3 === 0 ? "sigterm" : "clean",
      agoMin: 70 + i * 48,
      drain: 8 + (i % 5),
      grace: 45,
      lag: 0.2 + (i % 4) * 0.1,
      errors5xx: 0,
    });
  }
  return { records: specs.map((s) => record(s, now)), expect: EXPECT };
}

/** The numbers the seed implies. */
export const EXPECT = {
  last24h: {
    terminations: 6 + 2 + 1 + 24,
    failed: 3 + 1 + 1, // checkout sigkill ×3, oom ×1; hostile error ×1
    errors5xx: 27 + 12 + 4 + 1,
    workloads: 4,
    /** Workloads with a failed shutdown or 5xx: checkout, the hostile pod. */
    affected: 2,
  },
  last7d: { terminations: 34, failed: 6, workloads: 5 },
  last1h: { terminations: 6, failed: 4 },
  checkout: { terminations: 6, sigkill: 3, oom: 1, clean: 2, errors5xx: 44, grace: 30 },
} as const;
