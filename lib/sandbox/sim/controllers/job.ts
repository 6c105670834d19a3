// The Job controller: a Job runs one pod (parallelism and completions 1, restartPolicy Never,
// the batch.kubernetes.io/job-tracking finalizer, reference 5.4) that exits 0 on its own after
// the workload's runSeconds: phase Succeeded with no deletion, which is no termination. Deleting
// a Job (kubectl's default, background propagation) removes it at once; the garbage collector
// then deletes its pods with their grace: a running pod terminates (a record), a finished one is
// removed with grace 0 (none). A pod that failed or was deleted while its Job runs counts as a
// failure: a new pod after the back-off (10 s doubling, at most 6 min), until backoffLimit (6)
// is exceeded and the Job fails. Serves standalone Job workloads and the CronJob controller.
import type { WorkloadConfig } from "../../scenario.ts";
import { rfc3339 } from "../../time.ts";
import type { KObject, OwnerReference, Pod, PodTemplate } from "../../types.ts";
import type { Sim } from "../context.ts";
import type { PodFactory } from "../pod-factory.ts";
import { isTerminalPod, podTemplate, setTerminal, setTerminated } from "../pods.ts";
import { newWorkload, type WorkloadState } from "../workload.ts";
import { Kicker } from "./kicker.ts";
import type { PodDeleter } from "./statefulset.ts";

const TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
/** Garbage collector: owner gone → dependents deleted this much later. */
export const GC_DELAY_S = 0.2;
const BACKOFF_LIMIT = 6;
const BACKOFF_BASE_S = 10;
const BACKOFF_MAX_S = 360;

export interface JobRun {
  workload: WorkloadState;
  name: string;
  uid: string;
  podUid: string | null;
  startedAt: number;
  /** completion timer set (the pod is running) */
  timed: boolean;
  finished: "Complete" | "Failed" | null;
  deleted: boolean;
  failures: number;
  /** a replacement pod is waiting out its back-off */
  retrying: boolean;
}

export class JobController {
  private readonly runs = new Map<string, JobRun>();
  private readonly kicker: Kicker;
  /** A Job reached Complete (the CronJob controller's history and status). */
  onFinished: ((run: JobRun) => void) | null = null;

  constructor(
    private readonly sim: Sim,
    private readonly pods: PodFactory,
    private readonly deleter: PodDeleter,
  ) {
    this.kicker = new Kicker(sim, (w) => this.reconcile(w));
  }

  /** A standalone Job workload: its Job starts with the cluster. */
  create(config: WorkloadConfig): WorkloadState {
    const w = newWorkload(config, this.sim.rng);
    this.start(w, config.name, null, w.uid);
    return w;
  }

  kick(w: WorkloadState): void {
    this.kicker.kick(w);
  }

  /** "<workload>-<5 random>", not taken by another Job (kubectl create job). */
  freeName(w: WorkloadState): string {
    let name = `${w.config.name}-${this.sim.rng.suffix(5)}`;
    while (this.sim.store.peek("jobs", w.config.namespace, name)) name = `${w.config.name}-${this.sim.rng.suffix(5)}`;
    return name;
  }

  /** The Job of that name, if it exists. */
  find(namespace: string, name: string): JobRun | undefined {
    return this.runs.get(`${namespace}/${name}`);
  }

  runsOf(w: WorkloadState): JobRun[] {
    return [...this.runs.values()].filter((r) => r.workload === w && !r.deleted);
  }

  /** Creates the Job object and its pod. */
  start(w: WorkloadState, name: string, owner: OwnerReference | null, uid = this.sim.rng.uid()): JobRun {
    const { store, clock } = this.sim;
    const c = w.config;
    const now = clock.now();
    const template = podTemplate(c, null);
    template.spec.restartPolicy = "Never";
    const jobLabels = { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name };
    template.metadata.labels = { ...template.metadata.labels, ...jobLabels };
    const job = store.create("jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: c.namespace,
        uid,
        generation: 1,
        creationTimestamp: rfc3339(now),
        labels: { ...jobLabels, app: c.name },
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": uid } }, template },
      status: { startTime: rfc3339(now), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} },
    });
    const run: JobRun = { workload: w, name, uid, podUid: null, startedAt: now, timed: false, finished: null, deleted: false, failures: 0, retrying: false };
    this.runs.set(`${c.namespace}/${name}`, run);
    this.createPod(run, job);
    return run;
  }

  private createPod(run: JobRun, job: KObject): void {
    const c = run.workload.config;
    const template = (job.spec as { template: PodTemplate }).template;
    const podName = this.pods.uniqueName(c.namespace, `${run.name}-`);
    const owner = { apiVersion: "batch/v1", kind: "Job", name: run.name, uid: run.uid, controller: true, blockOwnerDeletion: true };
    const pod = this.pods.createPod(run.workload, { name: podName, generateName: `${run.name}-`, template, owner, finalizers: [TRACKING_FINALIZER] }, false);
    run.podUid = pod.metadata.uid;
    run.timed = false;
    this.sim.events.record(job, "Normal", "SuccessfulCreate", `Created pod: ${podName}`, { component: "job-controller" });
  }

  /** The pod failed or was deleted while the Job runs: a new one after the back-off, or the Job fails. */
  private failed(run: JobRun): void {
    run.failures++;
    if (run.failures > BACKOFF_LIMIT) return this.finish(run, "Failed");
    run.retrying = true;
    const delay = Math.min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (run.failures - 1));
    this.sim.clock.after(delay, () => {
      run.retrying = false;
      const job = this.sim.store.peek("jobs", run.workload.config.namespace, run.name);
      if (job && !run.deleted && run.finished === null) this.createPod(run, job);
    });
  }

  /** `kubectl delete job` (background propagation): the Job goes now, its pods through the GC. */
  delete(run: JobRun): void {
    const { store, clock } = this.sim;
    const ns = run.workload.config.namespace;
    run.deleted = true;
    this.runs.delete(`${ns}/${run.name}`);
    store.remove("jobs", ns, run.name);
    clock.after(GC_DELAY_S, () => {
      const p = this.podOf(run);
      if (p && !p.metadata.deletionTimestamp) this.deleter.deletePod(p, "delete");
    });
  }

  private podOf(run: JobRun): Pod | undefined {
    const rt = run.podUid ? run.workload.pods.get(run.podUid) : undefined;
    if (!rt || rt.gone) return undefined;
    const p = this.sim.store.peek<Pod>("pods", rt.namespace, rt.name);
    return p?.metadata.uid === rt.uid ? p : undefined;
  }

  private reconcile(w: WorkloadState): void {
    for (const run of this.runsOf(w)) {
      const p = this.podOf(run);
      if (run.finished === null && !run.retrying && (!p || p.status.phase === "Failed")) this.failed(run);
      if (!p) continue;
      if (p.status.phase === "Running" && !p.metadata.deletionTimestamp && !run.timed) {
        run.timed = true;
        this.sim.clock.after(w.config.runSeconds, () => this.complete(run));
      }
      if (isTerminalPod(p) && p.metadata.finalizers?.includes(TRACKING_FINALIZER)) {
        // The Job controller has counted the pod: it lets go of it.
        this.sim.store.mutate<Pod>("pods", p.metadata.namespace, p.metadata.name, (x) => {
          x.metadata.finalizers = x.metadata.finalizers?.filter((f) => f !== TRACKING_FINALIZER);
          if (x.metadata.finalizers?.length === 0) delete x.metadata.finalizers;
        });
      }
      if (p.status.phase === "Succeeded" && run.finished === null && !run.deleted) this.finish(run, "Complete");
    }
  }

  /** The process exits 0 on its own: every container Completed, phase Succeeded, no deletion. */
  private complete(run: JobRun): void {
    const p = this.podOf(run);
    if (!p || p.metadata.deletionTimestamp || isTerminalPod(p)) return;
    const at = rfc3339(this.sim.clock.now());
    this.sim.store.mutate<Pod>("pods", p.metadata.namespace, p.metadata.name, (x) => {
      for (const s of [...x.status.containerStatuses, ...(x.status.initContainerStatuses ?? [])]) setTerminated(x, s.name, 0, "Completed", at);
      setTerminal(x, at);
    });
    this.kick(run.workload);
  }

  private finish(run: JobRun, how: "Complete" | "Failed"): void {
    const { store, clock, events } = this.sim;
    run.finished = how;
    const at = rfc3339(clock.now());
    const cond = (type: string, reason: string, message: string) => ({ type, status: "True", reason, message, lastProbeTime: at, lastTransitionTime: at });
    const job = store.mutate<KObject>("jobs", run.workload.config.namespace, run.name, (j) => {
      const base = { startTime: rfc3339(run.startedAt), active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
      j.status =
        how === "Complete"
          ? {
              ...base,
              completionTime: at,
              succeeded: 1,
              ...(run.failures > 0 ? { failed: run.failures } : {}),
              conditions: [
                cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
              ],
            }
          : {
              ...base,
              failed: run.failures,
              conditions: [cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")],
            };
    });
    if (job && how === "Complete") events.record(job, "Normal", "Completed", "Job completed", { component: "job-controller" });
    if (job && how === "Failed") events.record(job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", { component: "job-controller" });
    this.onFinished?.(run);
  }
}
