// Live ingest against the sandbox: the watched traffic (pods, events, EndpointSlices,
// ReplicaSets, Deployments over raw HTTP watches) fed into drainwatch's tracker, stamped with
// the sandbox's virtual time, must reproduce the cause and outcome the simulator intended.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../../lib/sandbox/index.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { factsInOrder, recordTraffic, waitForEnds } from "./helpers.ts";

const EVERY_OUTCOME = fileURLToPath(new URL("../../sandbox/scenarios/every-outcome.yaml", import.meta.url));

describe("ground truth", () => {
  it("a fast scenario plays out in a few seconds and the tracker agrees with every termination", async () => {
    const wallStart = Date.now();
    const sb = await startSandbox({ scenario: EVERY_OUTCOME });
    const traffic = await recordTraffic(sb);
    try {
      await sb.done();
      const wall = Date.now() - wallStart;
      expect(wall).toBeLessThan(10_000);

      const truth = sb.groundTruth();
      // Every cause and outcome the scenario is meant to show.
      expect(new Set(truth.map((t) => t.cause))).toEqual(new Set(["rollout", "scale-down", "eviction", "delete", "node-pressure", "force-delete"]));
      expect(new Set(truth.map((t) => t.outcome))).toEqual(new Set(["clean", "sigkill", "oom", "sigterm", "error", "unknown"]));
      expect(truth.every((t) => t.endedAt !== null)).toBe(true);

      await waitForEnds(traffic.seen, truth.map((t) => t.podUid));
      const tracker = new Tracker({ cluster: "default" });
      const records: TerminationRecord[] = [];
      for (const fact of factsInOrder(traffic.seen)) {
        const r = tracker.ingest(fact);
        expect(r.problem).toBeNull();
        records.push(...r.records);
      }
      records.push(...tracker.tick(sb.now() + 60_000), ...tracker.finalizeAll());

      const byUid = new Map(records.map((r) => [r.podUid, r]));
      const got = truth.map((t) => ({ pod: t.pod, cause: byUid.get(t.podUid)?.cause, outcome: byUid.get(t.podUid)?.outcome }));
      const want = truth.map((t) => ({ pod: t.pod, cause: t.cause, outcome: t.outcome }));
      expect(got).toEqual(want);
      // ...and nothing the simulator did not terminate.
      expect(records.map((r) => r.podUid).sort()).toEqual(truth.map((t) => t.podUid).sort());
      // No record needed the tracker's fallbacks.
      for (const r of records) expect(r.notes.filter((n) => n !== "no-final-status"), r.pod).toEqual([]);
    } finally {
      traffic.stop();
      await sb.close();
    }
  });

  it("the built-in demo loads, and its first cycle covers every cause and outcome", async () => {
    // 50× real time: fast, yet slow enough that watch order across resources holds on a loaded machine.
    const sb = await startSandbox({ scenario: "demo", timeScale: 0.02 });
    const traffic = await recordTraffic(sb);
    try {
      const period = sb.scenario.period!;
      const start = sb.now();
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (sb.now() - start > period * 1000) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      const truth = sb.groundTruth();
      expect(new Set(truth.map((t) => t.cause))).toEqual(new Set(["rollout", "scale-down", "eviction", "delete", "node-pressure", "force-delete"]));
      expect(new Set(truth.map((t) => t.outcome))).toEqual(new Set(["clean", "sigkill", "oom", "sigterm", "error", "unknown"]));
      // The other workload kinds (the CronJob's first Replace may fall in the second cycle) and
      // the drain that waits on frontend's PodDisruptionBudget.
      for (const kind of ["Deployment", "StatefulSet", "DaemonSet", "Job"]) expect(truth.some((t) => t.workload.kind === kind), kind).toBe(true);
      const [drain] = sb.drains();
      expect(drain?.refusals.length, "429s during the demo's drain").toBeGreaterThan(0);
      expect(drain?.endedAt).not.toBeNull();
      const ended = truth.filter((x) => x.endedAt !== null);
      await waitForEnds(traffic.seen, ended.map((t) => t.podUid));

      const tracker = new Tracker({ cluster: "default" });
      const records: TerminationRecord[] = [];
      for (const fact of factsInOrder(traffic.seen)) records.push(...tracker.ingest(fact).records);
      records.push(...tracker.tick(sb.now() + 60_000));
      const byUid = new Map(records.map((r) => [r.podUid, r]));
      expect(ended.length).toBeGreaterThanOrEqual(8);
      for (const t of ended) {
        expect(byUid.has(t.podUid), t.pod).toBe(true);
        expect({ pod: t.pod, cause: byUid.get(t.podUid)!.cause, outcome: byUid.get(t.podUid)!.outcome }).toEqual({ pod: t.pod, cause: t.cause, outcome: t.outcome });
      }
    } finally {
      traffic.stop();
      await sb.close();
    }
  });
});
