// Hand-built termination records (contract section 3) for the store tests.
import { terminationRecordSchema, type TerminationRecord } from "../../lib/tracker/record";

export function sigkillRecord(over: Partial<TerminationRecord> = {}): TerminationRecord {
  return terminationRecordSchema.parse({
    podUid: "2b6c0d7e-1111-4a4a-9b9b-000000000001",
    cluster: "default",
    namespace: "shop",
    pod: "checkout-7d9f8c6b5-x2x4q",
    node: "node-3",
    workload: { kind: "Deployment", name: "checkout" },
    revision: "12",
    cause: "rollout",
    outcome: "sigkill",
    gracePeriodSeconds: 30,
    deleteRequestedAt: "2026-03-02T14:00:00.000Z",
    deadlineAt: "2026-03-02T14:00:30.000Z",
    endpointsUnreadyAt: "2026-03-02T14:00:00.412Z",
    killingAt: "2026-03-02T14:00:01.000Z",
    exitedAt: "2026-03-02T14:00:32.000Z",
    deletedAt: "2026-03-02T14:00:32.530Z",
    drainSeconds: 32.0,
    endpointLagSeconds: 0.412,
    preStop: { defined: true, action: "sleep", failed: false },
    sidecarExitedFirst: true,
    containers: [
      { name: "app", sidecar: false, exitCode: 137, reason: "Error", finishedAt: "2026-03-02T14:00:32.000Z", outcome: "sigkill" },
      { name: "istio-proxy", sidecar: true, exitCode: 0, reason: "Completed", finishedAt: "2026-03-02T14:00:05.000Z", outcome: "clean" },
      { name: "log-shipper", sidecar: true, exitCode: null, reason: null, finishedAt: null, outcome: "unknown" },
    ],
    events: [
      { reason: "Killing", type: "Normal", message: "Stopping container app", at: "2026-03-02T14:00:01.000Z", count: 1 },
      { reason: "Killing", type: "Normal", message: "Stopping container istio-proxy", at: "2026-03-02T14:00:01.000Z", count: 1 },
      { reason: "Unhealthy", type: "Warning", message: "Readiness probe failed: HTTP probe failed with statuscode: 503", at: null, count: 4 },
    ],
    traffic: {
      source: "istio",
      requests: 1843,
      errors5xx: 27,
      baselineRequests: 1667,
      baselineErrors5xx: 2,
      baselineErrorRate: 0.0012,
      windowStart: "2026-03-02T13:59:30.000Z",
      windowEnd: "2026-03-02T14:01:02.530Z",
    },
    notes: ["prestop-overran-grace", "deadline-rewritten"],
    ...over,
  });
}

export function cleanRecord(over: Partial<TerminationRecord> = {}): TerminationRecord {
  return terminationRecordSchema.parse({
    podUid: "7f1e2a3b-2222-4c4c-8d8d-000000000002",
    cluster: "default",
    namespace: "payments",
    pod: "ledger-0",
    node: "node-1",
    workload: { kind: "StatefulSet", name: "ledger" },
    revision: "ledger-6c9d5f7b8",
    cause: "scale-down",
    outcome: "clean",
    gracePeriodSeconds: 60,
    deleteRequestedAt: "2026-03-02T15:10:00.250Z",
    deadlineAt: "2026-03-02T15:11:00.250Z",
    endpointsUnreadyAt: "2026-03-02T15:10:00.300Z",
    killingAt: "2026-03-02T15:10:00.400Z",
    exitedAt: "2026-03-02T15:10:07.000Z",
    deletedAt: "2026-03-02T15:10:07.812Z",
    drainSeconds: 6.75,
    endpointLagSeconds: 0.05,
    preStop: { defined: false, action: null, failed: false },
    sidecarExitedFirst: false,
    containers: [
      { name: "ledger", sidecar: false, exitCode: 0, reason: "Completed", finishedAt: "2026-03-02T15:10:07.000Z", outcome: "clean" },
    ],
    events: [
      { reason: "Killing", type: "Normal", message: "Stopping container ledger", at: "2026-03-02T15:10:00.400Z", count: 1 },
    ],
    traffic: null,
    notes: [],
    ...over,
  });
}

/** A node-pressure eviction seen late: unknown request time, no revision, bare pod, no events. */
export function unknownRecord(over: Partial<TerminationRecord> = {}): TerminationRecord {
  return terminationRecordSchema.parse({
    podUid: "c0ffee00-3333-4e4e-af af-000000000003".replace(" ", ""),
    cluster: "default",
    namespace: "batch",
    pod: "scratch",
    node: null,
    workload: { kind: "Pod", name: "scratch" },
    revision: null,
    cause: "unknown",
    outcome: "unknown",
    gracePeriodSeconds: null,
    deleteRequestedAt: null,
    deadlineAt: null,
    endpointsUnreadyAt: null,
    killingAt: null,
    exitedAt: null,
    deletedAt: "2026-03-02T16:00:00.001Z",
    drainSeconds: null,
    endpointLagSeconds: null,
    preStop: { defined: false, action: null, failed: false },
    sidecarExitedFirst: false,
    containers: [{ name: "main", sidecar: false, exitCode: null, reason: null, finishedAt: null, outcome: "unknown" }],
    events: [],
    traffic: null,
    notes: ["no-final-status"],
    ...over,
  });
}

/** n synthetic records spread over time, namespaces, workloads, outcomes and causes. */
export function manyRecords(n: number, cluster = "default"): TerminationRecord[] {
  const outcomes = ["clean", "sigterm", "sigkill", "oom", "error", "unknown"] as const;
  const causes = ["rollout", "scale-down", "eviction", "delete"] as const;
  const base = Date.parse("2026-03-01T00:00:00.000Z");
  return Array.from({ length: n }, (_, i) => {
    // Some share a deleteRequestedAt (ties broken by podUid), a few have none.
    const at = i % 17 === 0 ? null : new Date(base + Math.floor(i / 3) * 1000 + (i % 3 === 0 ? 0 : 7)).toISOString();
    return sigkillRecord({
      podUid: `uid-${cluster}-${String(i).padStart(6, "0")}`,
      cluster,
      namespace: `ns-${i % 4}`,
      pod: `app${i % 5}-abc-${i}`,
      workload: { kind: "Deployment", name: `app${i % 5}` },
      revision: String(1 + (i % 3)),
      outcome: outcomes[i % outcomes.length]!,
      cause: causes[i % causes.length]!,
      deleteRequestedAt: at,
      drainSeconds: at === null ? null : (i % 50) / 3,
      notes: i % 2 ? [] : ["n" + i],
      traffic: i % 3 ? null : { source: "envoy", requests: i, errors5xx: i % 7, baselineRequests: 2 * i, baselineErrors5xx: 0, baselineErrorRate: i === 0 ? null : 0, windowStart: "2026-03-01T00:00:00.000Z", windowEnd: "2026-03-01T00:01:00.000Z" },
    });
  });
}
