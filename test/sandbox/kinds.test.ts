// Every workload kind through drainwatch's REAL live ingest (client-node informers → tracker →
// sink) against the sandbox playing sandbox/scenarios/every-kind.yaml: each termination the
// simulator plays out is recorded exactly once with the workload kind and name, cause, outcome,
// grace and exit codes it intended; pods that finish on their own (Jobs, CronJob Jobs, their
// history cleanup) get no record; a StatefulSet pod recreated under the same name is two records;
// the drain waits on the PodDisruptionBudget (429) and completes once the replacement is Ready.
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startChurn } from "../../bench/load.ts";
import { startLiveIngest } from "../../lib/ingest/live.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startSandbox, type GroundTruth } from "../../lib/sandbox/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { kubeConfigOf } from "../live/fixtures.ts";
import { recordTraffic, until, type Seen } from "./helpers.ts";

const EVERY_KIND = fileURLToPath(new URL("../../sandbox/scenarios/every-kind.yaml", import.meta.url));
/** Virtual start 30 s past a minute: the CronJobs fire at +30 s, +90 s, +150 s and +210 s. */
const START = Date.UTC(2026, 11, 1, 12, 0, 30);
const SETTLE_MS = 5000;
const quiet = pino({ level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function comparable(x: Pick<GroundTruth, "pod" | "cause" | "outcome" | "gracePeriodSeconds" | "containers"> & { workload: { kind: string; name: string } }): object {
  return {
    pod: x.pod,
    workload: `${x.workload.kind}/${x.workload.name}`,
    cause: x.cause,
    outcome: x.outcome,
    gracePeriodSeconds: x.gracePeriodSeconds,
    containers: x.containers.map((c) => ({ name: c.name, exitCode: c.exitCode })),
  };
}

type PodObject = Seen["object"] & { status?: { phase?: string }; metadata: { ownerReferences?: { kind: string; name: string }[]; deletionTimestamp?: string } };

describe("every workload kind through live ingest", () => {
  it("records each ground-truth termination once with its workload, cause and outcome, and nothing for pods that finish on their own", async () => {
    const sb = await startSandbox({ scenario: EVERY_KIND, startTime: START });
    cleanups.push(() => sb.close());
    const pods = await recordTraffic(sb, ["/api/v1/pods"]);
    cleanups.push(async () => pods.stop());
    const written: TerminationRecord[] = [];
    const metrics = createMetrics();
    const li = startLiveIngest({
      cluster: "sandbox",
      kubeConfig: kubeConfigOf(sb),
      sink: new StoreSink({ overflow: "drop", write: async (batch) => void written.push(...batch), batchSize: 50, metrics, log: quiet }),
      settleMs: SETTLE_MS,
      tickMs: 50,
      informers: { clock: () => sb.now() },
      metrics,
      log: quiet,
    });
    cleanups.push(() => li.stop({ flushTimeoutMs: 2000 }));
    expect(await li.waitForSync(5000)).toBe(true);
    expect(sb.now() - START, "informers synced before the first action (40 virtual s)").toBeLessThan(40_000);

    await sb.done();
    const truth = sb.groundTruth();
    const heartbeat = startChurn(sb.driver, { updatesPerSecond: 40 });
    try {
      await until(() => written.length >= truth.length, 15_000, `${truth.length} records (have ${written.length})`);
      await new Promise((r) => setTimeout(r, (4 * SETTLE_MS * sb.scenario.timeScale) | 0));
    } finally {
      heartbeat.stop();
    }
    await li.stop({ flushTimeoutMs: 2000 });

    // Exactly one record per ground-truth termination, none for any other pod, all agreeing.
    const uids = written.map((r) => r.podUid);
    expect(new Set(uids).size, "duplicate records").toBe(uids.length);
    expect([...uids].sort()).toEqual(truth.map((t) => t.podUid).sort());
    const byUid = new Map(written.map((r) => [r.podUid, r]));
    expect(truth.map((t) => comparable(byUid.get(t.podUid)!))).toEqual(truth.map(comparable));
    for (const r of written) expect(r.notes.filter((n) => n !== "no-final-status"), r.pod).toEqual([]);

    // What each kind contributes (the scenario's intent, so a silent change of it fails here).
    const kinds = (kind: string, cause?: string) => truth.filter((t) => t.workload.kind === kind && (cause === undefined || t.cause === cause));
    expect(kinds("StatefulSet", "rollout").map((t) => t.pod)).toEqual(["db-2", "db-1", "db-0", "db-2", "db-1", "db-0"]);
    expect(kinds("StatefulSet", "scale-down").map((t) => t.pod)).toEqual(["db-2"]);
    expect(kinds("DaemonSet", "rollout")).toHaveLength(3);
    expect(kinds("DaemonSet").every((t) => t.cause === "rollout" && t.outcome === "sigterm")).toBe(true);
    expect(kinds("Job").map((t) => [t.workload.name, t.cause, t.outcome])).toEqual([["migrate", "delete", "sigkill"]]);
    // Replace at +150 s and +210 s deletes the Job still running from the minute before.
    expect(kinds("CronJob", "delete").map((t) => t.workload.name)).toEqual(["report", "report"]);

    // A StatefulSet pod recreated under its name: distinct uids, one record each.
    const db2 = written.filter((r) => r.pod === "db-2");
    expect(db2.length).toBeGreaterThanOrEqual(2);
    expect(new Set(db2.map((r) => r.podUid)).size).toBe(db2.length);

    // Job pods that exited 0 on their own (backup, ticker, report's last), some later removed by
    // the CronJob's history limit: Succeeded without deletion, and no record.
    const seen = pods.seen as { type: string; object: PodObject }[];
    const finishedOnTheirOwn = new Set(
      seen.filter((s) => s.object.status?.phase === "Succeeded" && !s.object.metadata.deletionTimestamp && s.object.metadata.ownerReferences?.[0]?.kind === "Job").map((s) => s.object.metadata.uid!),
    );
    const historyCleaned = seen.filter((s) => s.type === "DELETED" && finishedOnTheirOwn.has(s.object.metadata.uid!));
    expect(finishedOnTheirOwn.size).toBeGreaterThanOrEqual(4);
    expect(historyCleaned.length).toBeGreaterThanOrEqual(1);
    for (const uid of finishedOnTheirOwn) expect(byUid.has(uid), uid).toBe(false);

    // The drain: DaemonSet pods left alone, the second web pod refused (429) until the first one's
    // replacement was Ready, then evicted; every evicted pod recorded as an eviction.
    const [drain] = sb.drains();
    expect(drain).toBeDefined();
    expect(drain!.failed).toBeNull();
    expect(drain!.endedAt).not.toBeNull();
    expect(drain!.pods.every((p) => !p.pod.startsWith("node-agent-"))).toBe(true);
    expect(drain!.refusals.length).toBeGreaterThanOrEqual(1);
    expect(drain!.refusals.every((r) => r.pod.startsWith("web-") && /^The disruption budget web /.test(r.message))).toBe(true);
    for (const p of drain!.pods) {
      expect(p.evictedAt, p.pod).not.toBeNull();
      // A finished Job pod is removed with grace 0: no termination, no record.
      expect(byUid.get(p.podUid)?.cause, p.pod).toBe(p.finished ? undefined : "eviction");
    }
    expect(drain!.pods.filter((p) => p.finished).length, "the finished backup pod on node-1").toBeGreaterThanOrEqual(1);
    const refused = drain!.pods.find((p) => p.podUid === drain!.refusals[0]!.podUid)!;
    expect(Date.parse(refused.evictedAt!) - Date.parse(drain!.refusals[0]!.at)).toBeGreaterThanOrEqual(5000);
  }, 60_000);
});
