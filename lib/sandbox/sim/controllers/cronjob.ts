// The CronJob controller on the virtual clock: at each scheduled minute it creates a Job named
// "<cronjob>-<minutes since the epoch>" owned by the CronJob (so drainwatch attributes its pods
// to the CronJob). concurrencyPolicy: Allow runs alongside, Forbid skips while one is active,
// Replace deletes the active Job first (its running pod terminates: a record). Finished Jobs
// beyond successfulJobsHistoryLimit are deleted, their finished pods with them (no record).
import type { WorkloadConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject } from "../../types.ts";
import { DAY_MS, type Sim } from "../context.ts";
import { nextRun, parseCron } from "../cron.ts";
import { newWorkload, type WorkloadState } from "../workload.ts";
import type { JobController, JobRun } from "./job.ts";

export class CronJobController {
  constructor(
    private readonly sim: Sim,
    private readonly jobs: JobController,
    /** Virtual epoch ms after which no more Jobs are scheduled (a finite scenario ends). */
    private readonly horizon: number,
  ) {
    jobs.onFinished = (run) => {
      if (run.workload.config.kind === "CronJob") this.finished(run);
    };
  }

  create(config: WorkloadConfig): WorkloadState {
    const w = newWorkload(config, this.sim.rng);
    this.sim.store.create("cronjobs", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: config.name, namespace: config.namespace, uid: w.uid, generation: 1, creationTimestamp: rfc3339(this.sim.startedAt - DAY_MS), labels: { app: config.name } },
      spec: {
        schedule: config.schedule,
        concurrencyPolicy: config.concurrencyPolicy,
        suspend: false,
        successfulJobsHistoryLimit: config.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: config.failedJobsHistoryLimit,
        jobTemplate: { spec: { backoffLimit: 6 } },
      },
      status: {},
    });
    this.scheduleNext(w);
    return w;
  }

  private scheduleNext(w: WorkloadState): void {
    const t = nextRun(parseCron(w.config.schedule), this.sim.clock.now());
    if (t === null || t > this.horizon) return;
    this.sim.clock.at(t, () => {
      this.fire(w, t);
      this.scheduleNext(w);
    });
  }

  private fire(w: WorkloadState, t: number): void {
    const { store, events } = this.sim;
    const c = w.config;
    const cron = store.peek("cronjobs", c.namespace, c.name);
    if (!cron) return;
    const active = this.jobs.runsOf(w).filter((r) => r.finished === null);
    if (active.length > 0 && c.concurrencyPolicy === "Forbid") return;
    if (c.concurrencyPolicy === "Replace") {
      for (const run of active) {
        this.jobs.delete(run);
        events.record(cron, "Normal", "SuccessfulDelete", `Deleted job ${run.name}`, { component: "cronjob-controller" });
      }
    }
    const name = `${c.name}-${Math.floor(t / 60_000)}`;
    this.jobs.start(w, name, { apiVersion: "batch/v1", kind: "CronJob", name: c.name, uid: w.uid, controller: true, blockOwnerDeletion: true });
    events.record(cron, "Normal", "SuccessfulCreate", `Created job ${name}`, { component: "cronjob-controller" });
    this.updateStatus(w, { lastScheduleTime: rfc3339(t) });
  }

  private finished(run: JobRun): void {
    const { store, clock, events } = this.sim;
    const w = run.workload;
    const cron = store.peek("cronjobs", w.config.namespace, w.config.name);
    if (cron) events.record(cron, "Normal", "SawCompletedJob", `Saw completed job: ${run.name}, condition: ${run.finished}`, { component: "cronjob-controller" });
    for (const [how, limit] of [
      ["Complete", w.config.successfulJobsHistoryLimit],
      ["Failed", w.config.failedJobsHistoryLimit],
    ] as const) {
      const done = this.jobs
        .runsOf(w)
        .filter((r) => r.finished === how)
        .sort((a, b) => b.startedAt - a.startedAt);
      for (const old of done.slice(limit)) {
        this.jobs.delete(old);
        if (cron) events.record(cron, "Normal", "SuccessfulDelete", `Deleted job ${old.name}`, { component: "cronjob-controller" });
      }
    }
    this.updateStatus(w, run.finished === "Complete" ? { lastSuccessfulTime: rfc3339(clock.now()) } : {});
  }

  private updateStatus(w: WorkloadState, times: { lastScheduleTime?: string; lastSuccessfulTime?: string }): void {
    const active = this.jobs
      .runsOf(w)
      .filter((r) => r.finished === null)
      .map((r) => ({ kind: "Job", namespace: w.config.namespace, name: r.name, uid: r.uid, apiVersion: "batch/v1" }));
    this.sim.store.mutate<KObject>("cronjobs", w.config.namespace, w.config.name, (c) => {
      const prev = (c.status ?? {}) as Record<string, unknown>;
      c.status = { ...prev, ...times, ...(active.length > 0 ? { active } : {}) };
      if (active.length === 0) delete (c.status as Record<string, unknown>).active;
    });
  }
}
