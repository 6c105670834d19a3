// The new controllers' own rules, played out by the sandbox (no drainwatch in the loop): a
// StatefulSet partition, ordinal order with each replacement Ready before the next deletion, a
// Job's back-off after a failed pod, and a CronJob's Forbid policy.
import { describe, expect, it } from "vitest";
import { startSandbox } from "../../lib/sandbox/index.ts";
import { getJson } from "./helpers.ts";

/** 30 s past a minute, so CronJobs fire at +30 s, +90 s, +150 s… */
const START = Date.UTC(2026, 11, 1, 12, 0, 30);

describe("workload controllers", () => {
  it("StatefulSet: a rolling update stops at the partition, highest ordinal first, each after the previous replacement is Ready", async () => {
    const sb = await startSandbox({
      startTime: START,
      scenario: `
timeScale: 0.005
workloads:
  - { name: db, kind: StatefulSet, replicas: 3, partition: 1, terminationGracePeriodSeconds: 10, containers: [{ name: pg, drainSeconds: 1 }] }
schedule:
  - { at: 5, action: rollout, target: default/db }
`,
    });
    try {
      await sb.done();
      const truth = sb.groundTruth();
      expect(truth.map((t) => [t.pod, t.cause, t.outcome])).toEqual([
        ["db-2", "rollout", "clean"],
        ["db-1", "rollout", "clean"],
      ]);
      // db-1 waits for db-2's replacement: the old db-2 gone, then 2 s until the new one is Ready.
      expect(Date.parse(truth[1]!.startedAt) - Date.parse(truth[0]!.endedAt!)).toBeGreaterThanOrEqual(2000);
      const sts = (await getJson<{ status: Record<string, unknown> }>(`${sb.url}/apis/apps/v1/namespaces/default/statefulsets/db`)).body.status;
      expect(sts).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 2, currentReplicas: 1 });
      expect(sts.currentRevision).not.toBe(sts.updateRevision);
      const pods = (await getJson<{ items: { metadata: { name: string; uid: string; labels: Record<string, string> } }[] }>(`${sb.url}/api/v1/namespaces/default/pods`)).body.items;
      const revision = Object.fromEntries(pods.map((p) => [p.metadata.name, p.metadata.labels["controller-revision-hash"]]));
      expect(revision).toEqual({ "db-0": sts.currentRevision, "db-1": sts.updateRevision, "db-2": sts.updateRevision });
      // Same names, new uids.
      for (const t of truth) expect(pods.find((p) => p.metadata.name === t.pod)!.metadata.uid).not.toBe(t.podUid);
    } finally {
      await sb.close();
    }
  });

  it("Job: a pod that fails while the Job runs is replaced after the back-off; the Job then completes", async () => {
    const sb = await startSandbox({
      startTime: START,
      scenario: `
timeScale: 0.005
namespaces: [batch]
workloads:
  - { name: etl, kind: Job, namespace: batch, runSeconds: 20, containers: [{ name: etl, behaviour: exit-143, drainSeconds: 1 }] }
schedule:
  - { at: 5, action: delete-pod, target: batch/etl }
`,
    });
    try {
      await sb.done();
      expect(sb.groundTruth().map((t) => [t.workload.kind, t.workload.name, t.cause, t.outcome])).toEqual([["Job", "etl", "delete", "sigterm"]]);
      const job = (await getJson<{ status: { succeeded?: number; failed?: number; conditions?: { type: string }[] } }>(`${sb.url}/apis/batch/v1/namespaces/batch/jobs/etl`)).body.status;
      expect(job).toMatchObject({ succeeded: 1, failed: 1 });
      expect(job.conditions?.map((c) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
      const pods = (await getJson<{ items: { metadata: { creationTimestamp: string; finalizers?: string[] }; status: { phase: string } }[] }>(`${sb.url}/api/v1/namespaces/batch/pods`)).body.items;
      // The failed pod was deleted; its replacement ran to completion, its tracking finalizer removed.
      expect(pods.map((p) => [p.status.phase, p.metadata.finalizers])).toEqual([["Succeeded", undefined]]);
      const ended = Date.parse(sb.groundTruth()[0]!.endedAt!);
      expect(Date.parse(pods[0]!.metadata.creationTimestamp) - ended).toBeGreaterThanOrEqual(10_000 - 1000);
    } finally {
      await sb.close();
    }
  });

  it("CronJob: Forbid skips a run while the previous Job is active; finished Jobs are no terminations", async () => {
    const sb = await startSandbox({
      startTime: START,
      scenario: `
timeScale: 0.005
period: 200
namespaces: [batch]
workloads:
  - { name: sync, kind: CronJob, namespace: batch, schedule: "*/1 * * * *", concurrencyPolicy: Forbid, runSeconds: 70, containers: [{ name: sync }] }
`,
    });
    try {
      await sb.done();
      const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
      const jobs = (await getJson<{ items: { metadata: { name: string; ownerReferences: { kind: string; name: string }[] }; status: { succeeded?: number } }[] }>(`${sb.url}/apis/batch/v1/namespaces/batch/jobs`)).body.items;
      // Fires at +30 s (runs until ~+102 s), +90 s (skipped: still active), +150 s.
      expect(jobs.map((j) => j.metadata.name).sort()).toEqual([`sync-${minute("2026-12-01T12:01:00Z")}`, `sync-${minute("2026-12-01T12:03:00Z")}`]);
      expect(jobs.every((j) => j.metadata.ownerReferences[0]!.kind === "CronJob" && j.status.succeeded === 1)).toBe(true);
      expect(sb.groundTruth()).toEqual([]);
    } finally {
      await sb.close();
    }
  });

  it("PodDisruptionBudget status: percentages round up over the owners' desired scale, as the disruption controller does", async () => {
    const sb = await startSandbox({
      scenario: `
timeScale: 0.005
workloads:
  - { name: a, replicas: 3, containers: [{ name: a }] }
  - { name: b, replicas: 3, containers: [{ name: b }] }
  - { name: c, kind: StatefulSet, replicas: 3, containers: [{ name: c }] }
disruptionBudgets:
  - { name: a, matchLabels: { app: a }, maxUnavailable: "50%" }
  - { name: b, matchLabels: { app: b }, minAvailable: "50%" }
  - { name: c, matchLabels: { app: c }, maxUnavailable: 1 }
`,
    });
    try {
      const list = (await getJson<{ items: { metadata: { name: string }; status: Record<string, unknown> }[] }>(`${sb.url}/apis/policy/v1/namespaces/default/poddisruptionbudgets`)).body.items;
      const status = Object.fromEntries(list.map((p) => [p.metadata.name, p.status]));
      expect(status.a).toMatchObject({ expectedPods: 3, currentHealthy: 3, desiredHealthy: 1, disruptionsAllowed: 2, conditions: [{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods" }] });
      expect(status.b).toMatchObject({ expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
      expect(status.c).toMatchObject({ expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    } finally {
      await sb.close();
    }
  });
});
