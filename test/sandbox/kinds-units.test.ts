// Pure parts behind the new kinds: cron schedules on the virtual clock, and the scenario rules
// for workload kinds, PodDisruptionBudgets and the drain actions.
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../lib/sandbox/scenario.ts";
import { isValidCron, nextRun, parseCron } from "../../lib/sandbox/sim/cron.ts";

const at = (iso: string) => Date.parse(iso);

describe("cron schedules", () => {
  it("next run is the first matching minute strictly after the given time (UTC)", () => {
    expect(nextRun(parseCron("*/2 * * * *"), at("2026-12-01T12:00:30Z"))).toBe(at("2026-12-01T12:02:00Z"));
    expect(nextRun(parseCron("*/2 * * * *"), at("2026-12-01T12:02:00Z"))).toBe(at("2026-12-01T12:04:00Z"));
    expect(nextRun(parseCron("30 3 * * *"), at("2026-12-01T12:00:00Z"))).toBe(at("2026-12-02T03:30:00Z"));
    expect(nextRun(parseCron("0 0 1 1 *"), at("2026-12-01T12:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(nextRun(parseCron("15,45 8-9 * * *"), at("2026-12-01T08:20:00Z"))).toBe(at("2026-12-01T08:45:00Z"));
  });

  it("day of month and day of week: either matches when both are restricted", () => {
    // 2026-12-01 is a Tuesday: the 5th (Saturday) or a Sunday (the 6th) — the 5th comes first.
    expect(nextRun(parseCron("0 0 5 * 0"), at("2026-12-01T12:00:00Z"))).toBe(at("2026-12-05T00:00:00Z"));
    expect(nextRun(parseCron("0 0 * * 0"), at("2026-12-01T12:00:00Z"))).toBe(at("2026-12-06T00:00:00Z"));
  });

  it("rejects what a CronJob would not accept", () => {
    for (const bad of ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "5-1 * * * *", "* * * * 7", "@hourly", "a * * * *"]) expect(isValidCron(bad), bad).toBe(false);
    expect(isValidCron("*/5 1,2 1-15 * 1-5")).toBe(true);
  });
});

describe("scenario rules for the new kinds", () => {
  const base = (extra: string) => `
nodes: [node-1, node-2]
workloads:
  - { name: db, kind: StatefulSet, replicas: 2, containers: [{ name: pg }] }
  - { name: batch, kind: Job, containers: [{ name: b }] }
  - { name: nightly, kind: CronJob, schedule: "0 3 * * *", containers: [{ name: n }] }
${extra}`;

  it("defaults: Deployment kind, CronJob Allow with history 3/1, drain ignoring DaemonSets with a 300 s timeout", () => {
    const s = parseScenario(base(`  - { name: web, containers: [{ name: w }] }\nschedule:\n  - { at: 1, action: drain, node: node-1 }`), "t");
    expect(s.workloads.map((w) => w.kind)).toEqual(["StatefulSet", "Job", "CronJob", "Deployment"]);
    expect(s.workloads[2]).toMatchObject({ concurrencyPolicy: "Allow", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(s.schedule[0]).toEqual({ at: 1, action: "drain", node: "node-1", ignoreDaemonSets: true, timeoutSeconds: 300 });
  });

  it("an action must fit its target's kind; nodes and cron schedules must exist and parse", () => {
    const bad = (extra: string) => () => parseScenario(base(extra), "t");
    expect(bad("schedule:\n  - { at: 1, action: rollout, target: default/batch }")).toThrow(/schedule\.0\.action: rollout does not apply to a Job/);
    expect(bad("schedule:\n  - { at: 1, action: scale, target: default/nightly, replicas: 2 }")).toThrow(/scale does not apply to a CronJob/);
    expect(bad("schedule:\n  - { at: 1, action: delete-job, target: default/db }")).toThrow(/delete-job does not apply to a StatefulSet/);
    expect(bad("schedule:\n  - { at: 1, action: run-job, target: default/nightly }")).toThrow(/run-job does not apply to a CronJob/);
    expect(bad("schedule:\n  - { at: 1, action: drain, node: node-9 }")).toThrow(/schedule\.0\.node: no node node-9/);
    expect(bad("  - { name: w, nodes: [node-3], containers: [{ name: w }] }")).toThrow(/workloads\.3\.nodes: no node node-3/);
    expect(bad('  - { name: c, kind: CronJob, schedule: "every minute", containers: [{ name: c }] }')).toThrow(/schedule: a five-field cron schedule/);
  });

  it("a PodDisruptionBudget has exactly one of minAvailable and maxUnavailable", () => {
    const pdb = (b: string) => () => parseScenario(base(`disruptionBudgets:\n  - { name: db, matchLabels: { app: db }${b} }`), "t");
    expect(pdb(", minAvailable: 1")()).toMatchObject({ disruptionBudgets: [{ name: "db", namespace: "default", minAvailable: 1 }] });
    expect(pdb(', maxUnavailable: "50%"')()).toMatchObject({ disruptionBudgets: [{ maxUnavailable: "50%" }] });
    expect(pdb("")).toThrow(/exactly one of minAvailable and maxUnavailable/);
    expect(pdb(", minAvailable: 1, maxUnavailable: 1")).toThrow(/exactly one of minAvailable and maxUnavailable/);
  });
});
