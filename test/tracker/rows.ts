// The tracker's table of captures: each row is one rule of contract section 3 or one behaviour of
// shared/reference/kubernetes-termination.md, as a capture and the record fields it must give.
// Shared by tracker.test.ts (record fields) and checkpoint.test.ts (resume at every fact).
import type { z } from "zod";
import type { terminationRecordSchema } from "../../lib/tracker/record";
import { Capture, daemonSet, deleting, deployment, event, finalDelete, job, ms, pod, replicaSet, s, slice, statefulSet, terminated, withStates } from "./kube";

export const web = () => pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" } });
/** Deployment web at revision `current`, its old RS abc12 at `podRevision`. */
export const owners = (c: Capture, current = 5, podRevision = 4, rsReplicas = 3) =>
  c.add(-10, "ADDED", deployment("web", current)).add(-10, "ADDED", replicaSet("web", "abc12", podRevision, rsReplicas));
export const clean = { app: terminated(0, "Completed", 9) };

export interface Row {
  name: string;
  capture: () => Capture;
  /** Fields the record must have (containers: each listed field of each container). */
  expect: Partial<z.input<typeof terminationRecordSchema>> & Record<string, unknown>;
}

export const rows: Row[] = [
  {
    name: "an int64 grace period (3,000,000,000 s) keeps its exact value, request time and 95-year deadline",
    capture: () => owners(new Capture()).add(-5, "ADDED", web()).graceful(web(), { request: 0, grace: 3_000_000_000, exit: clean, finished: 9 }),
    expect: { gracePeriodSeconds: 3_000_000_000, deleteRequestedAt: ms(0), deadlineAt: ms(3_000_000_000), exitedAt: ms(9), drainSeconds: 9, outcome: "clean" },
  },
  {
    name: "a grace period beyond 2^53 (JSON.parse rounds it) is unknown (null): the pod still gets its record",
    capture: () => {
      const c = owners(new Capture()).add(-5, "ADDED", web());
      const d = deleting(web(), 0, 30);
      d.metadata.deletionGracePeriodSeconds = 2 ** 63; // int64 max, as JSON.parse reads 9223372036854775807
      c.add(0.12, "MODIFIED", d);
      const done = withStates(d, clean, "Succeeded");
      c.add(9.8, "MODIFIED", done);
      c.add(10.1, "DELETED", done);
      return c;
    },
    expect: { gracePeriodSeconds: null, deleteRequestedAt: ms(30), deadlineAt: ms(30), outcome: "clean" },
  },
  {
    name: "a grace period too large for its deadline (deadline − grace is no date) takes the observation as the request time",
    capture: () => {
      const c = owners(new Capture()).add(-5, "ADDED", web());
      const d = deleting(web(), 0, 30);
      d.metadata.deletionGracePeriodSeconds = 2 ** 52;
      c.add(0.12, "MODIFIED", d);
      const done = withStates(d, clean, "Succeeded");
      c.add(9.8, "MODIFIED", done);
      c.add(10.1, "DELETED", done);
      return c;
    },
    expect: { gracePeriodSeconds: 2 ** 52, deleteRequestedAt: ms(0.12), deadlineAt: ms(30), outcome: "clean" },
  },
  {
    name: "graceful rollout: first-observation grace and deadline survive the kubelet's grace-0 rewrite",
    capture: () => owners(new Capture()).add(-5, "ADDED", web()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: {
      cause: "rollout", outcome: "clean", gracePeriodSeconds: 30, deleteRequestedAt: ms(0), deadlineAt: ms(30),
      killingAt: ms(0), exitedAt: ms(9), deletedAt: ms(10.1), drainSeconds: 9, workload: { kind: "Deployment", name: "web" }, revision: "4", notes: [],
    },
  },
  {
    name: "scale-down: current revision and the ReplicaSet's desired replicas went down",
    capture: () => {
      const c = owners(new Capture(), 5, 5, 3);
      c.add(-1, "MODIFIED", replicaSet("web", "abc12", 5, 2, "shop", 3));
      return c.graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "scale-down", revision: "5" },
  },
  {
    name: "scale-down seen only as the Deployment's replicas going down",
    capture: () => owners(new Capture(), 5, 5, 3).add(-1, "MODIFIED", deployment("web", 5, 2)).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: { cause: "scale-down" },
  },
  {
    name: "scale-down seen as the ReplicaSet's desired-replicas annotation going down",
    capture: () => {
      const before = replicaSet("web", "abc12", 5, 3);
      (before.metadata.annotations as Record<string, string>)["deployment.kubernetes.io/desired-replicas"] = "3";
      const after = structuredClone(before);
      (after.metadata.annotations as Record<string, string>)["deployment.kubernetes.io/desired-replicas"] = "2";
      return new Capture().add(-10, "ADDED", deployment("web", 5)).add(-10, "ADDED", before).add(-1, "MODIFIED", after).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "scale-down" },
  },
  {
    name: "a scale-down long before the deletion does not explain it",
    capture: () =>
      new Capture()
        .add(-7200, "ADDED", deployment("web", 5))
        .add(-7200, "ADDED", replicaSet("web", "abc12", 5, 3))
        .add(-3600, "MODIFIED", replicaSet("web", "abc12", 5, 2))
        .graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: { cause: "delete" },
  },
  {
    name: "rollout: a newer ReplicaSet seen before the Deployment's revision annotation",
    capture: () =>
      owners(new Capture(), 4, 4)
        .add(-2, "ADDED", replicaSet("web", "new99", 5, 1))
        .graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: { cause: "rollout", revision: "4" },
  },
  {
    name: "rollout: the Deployment's new revision arrives just after the old pod's deletion",
    capture: () => {
      const c = owners(new Capture(), 4, 4).add(0.12, "MODIFIED", deleting(web(), 0, 30));
      c.add(0.5, "MODIFIED", deployment("web", 5));
      const last = finalDelete(withStates(deleting(web(), 0, 30), clean, "Succeeded"), 0);
      return c.add(9.8, "MODIFIED", last).add(9.9, "DELETED", last);
    },
    expect: { cause: "rollout" },
  },
  {
    name: "delete: a rollout that starts well after the deletion does not claim it",
    capture: () => {
      const c = owners(new Capture(), 4, 4).add(0.12, "MODIFIED", deleting(web(), 0, 60));
      c.add(20, "MODIFIED", deployment("web", 5)).add(20, "ADDED", replicaSet("web", "new99", 5, 1));
      const last = finalDelete(withStates(deleting(web(), 0, 60), { app: terminated(0, "Completed", 40) }, "Succeeded"), 0);
      return c.add(40.8, "MODIFIED", last).add(40.9, "DELETED", last);
    },
    expect: { cause: "delete" },
  },
  {
    name: "delete: current revision, replicas unchanged (kubectl delete pod)",
    capture: () => owners(new Capture(), 5, 5).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: { cause: "delete", outcome: "clean" },
  },
  {
    name: "eviction API: DisruptionTarget EvictionByEvictionAPI",
    capture: () => {
      const p = withStates(web(), {}, undefined, { conditions: [{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }] });
      return owners(new Capture(), 5, 5).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "eviction" },
  },
  {
    name: "scheduler preemption: PreemptionByScheduler",
    capture: () => {
      const p = withStates(web(), {}, undefined, { conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "preemption" },
  },
  {
    name: "taint manager: DeletionByTaintManager",
    capture: () => {
      const p = withStates(web(), {}, undefined, { conditions: [{ type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "taint" },
  },
  {
    name: "pod GC: DeletionByPodGC, force deleted with no final status",
    capture: () => {
      const p = withStates(web(), {}, "Failed", { conditions: [{ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" }] });
      const d = deleting(p, 0, 0);
      return owners(new Capture()).add(0.1, "MODIFIED", d).add(0.2, "DELETED", d);
    },
    // First seen already terminal (Failed) and being deleted: noted as such (contract §3).
    expect: { cause: "pod-gc", outcome: "unknown", notes: ["no-final-status", "first-seen-terminal"], gracePeriodSeconds: 0 },
  },
  {
    name: "a stale DisruptionTarget with status False is no disruption",
    capture: () => {
      const p = withStates(web(), {}, undefined, { conditions: [{ type: "DisruptionTarget", status: "False", reason: "EvictionByEvictionAPI" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { cause: "rollout" },
  },
  {
    name: "force delete: grace 0 while running, no final status ever",
    capture: () => {
      const d = deleting(web(), 0, 0);
      return owners(new Capture()).add(0.05, "MODIFIED", d).add(0.06, "DELETED", d);
    },
    expect: {
      cause: "force-delete", outcome: "unknown", gracePeriodSeconds: 0, deleteRequestedAt: ms(0), deadlineAt: ms(0),
      exitedAt: null, drainSeconds: null, deletedAt: ms(0.06), notes: ["no-final-status"],
      containers: [{ name: "app", sidecar: false, exitCode: null, reason: null, finishedAt: null, outcome: "unknown" }],
    },
  },
  {
    name: "force delete seen only as DELETED (the MODIFIED coalesced away)",
    capture: () => owners(new Capture()).add(0.06, "DELETED", deleting(web(), 0, 0)),
    expect: { cause: "force-delete", outcome: "unknown" },
  },
  {
    name: "node-pressure eviction: no deletionTimestamp, events before status, ContainerStatusUnknown",
    capture: () => {
      const p = web();
      const failed = withStates(p, { app: { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", finishedAt: null } } }, "Failed", {
        reason: "Evicted", message: "The node was low on resource: memory. ",
        conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "The node was low on resource: memory. " }],
      });
      return owners(new Capture(), 5, 5)
        .add(0.2, "ADDED", event(p, "Evicted", "The node was low on resource: memory. ", 0, { type: "Warning" }))
        .add(0.3, "ADDED", event(p, "Killing", "Stopping container app", 0, { container: "app" }))
        .add(3.4, "MODIFIED", failed);
    },
    expect: {
      cause: "node-pressure", outcome: "unknown", gracePeriodSeconds: null, deadlineAt: null, deleteRequestedAt: ms(0),
      killingAt: ms(0), exitedAt: null, deletedAt: null, notes: [],
    },
  },
  {
    name: "node-pressure before 1.26: status.reason Evicted alone",
    capture: () => owners(new Capture()).add(3, "MODIFIED", withStates(web(), { app: terminated(137, "Error", 2) }, "Failed", { reason: "Evicted" })),
    expect: { cause: "node-pressure", outcome: "error", deleteRequestedAt: ms(2), exitedAt: ms(2) },
  },
  {
    name: "node-pressure eviction later cleaned up with grace 0 keeps the kubelet cause",
    capture: () => {
      const failed = withStates(web(), { app: terminated(137, "Error", 2) }, "Failed", {
        reason: "Evicted", conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet" }],
      });
      const gone = deleting(failed, 4, 0);
      return owners(new Capture()).add(3, "MODIFIED", failed).add(4, "MODIFIED", gone).add(4.1, "DELETED", gone);
    },
    expect: { cause: "node-pressure", gracePeriodSeconds: null, deadlineAt: null, deleteRequestedAt: ms(2), deletedAt: ms(4.1) },
  },
  {
    name: "graceful node shutdown: TerminationByKubelet with reason Terminated",
    capture: () => owners(new Capture()).add(5, "MODIFIED", withStates(web(), { app: terminated(0, "Completed", 4) }, "Failed", {
      reason: "Terminated", message: "Pod was terminated in response to imminent node shutdown.",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "Pod was terminated in response to imminent node shutdown." }],
    })),
    expect: { cause: "node-shutdown", outcome: "clean", deleteRequestedAt: ms(4) },
  },
  {
    name: "kubelet preemption: status.reason Preempting",
    capture: () => owners(new Capture()).add(5, "MODIFIED", withStates(web(), { app: terminated(143, "Error", 4) }, "Failed", {
      reason: "Preempting", conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "Pod was preempted by Kubelet to accommodate a critical pod." }],
    })),
    expect: { cause: "preemption", outcome: "sigterm" },
  },
  {
    name: "first seen already terminal and being deleted: the request was never observed",
    capture: () => {
      const last = finalDelete(withStates(deleting(web(), 0, 30), clean, "Succeeded"), 0);
      return owners(new Capture()).add(10, "MODIFIED", last).add(10.1, "DELETED", last);
    },
    expect: { cause: "unknown", outcome: "clean", notes: ["deadline-rewritten", "first-seen-terminal"] },
  },
  {
    name: "first seen already terminal and being deleted with restartPolicy Never: still a record, noted",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" }, restartPolicy: "Never" });
      const last = finalDelete(withStates(deleting(p, 0, 30), { app: terminated(143, "Error", 4) }, "Failed"), 0);
      return owners(new Capture()).add(10, "MODIFIED", last).add(10.1, "DELETED", last);
    },
    expect: { cause: "unknown", outcome: "sigterm", notes: ["deadline-rewritten", "first-seen-terminal"] },
  },
  {
    name: "SIGKILL after grace: 137/Error at deadline + 2 s",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(137, "Error", 32) }, phase: "Failed", finished: 32 }),
    expect: { outcome: "sigkill", drainSeconds: 32, exitedAt: ms(32) },
  },
  {
    name: "137/Error at deadline − 1 s is still the SIGKILL",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(137, "Error", 29) }, phase: "Failed", finished: 29 }),
    expect: { outcome: "sigkill" },
  },
  {
    name: "137/Error well before the deadline is an error, not the grace SIGKILL",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(137, "Error", 5) }, phase: "Failed", finished: 5 }),
    expect: { outcome: "error" },
  },
  {
    name: "exit 143: died of SIGTERM",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(143, "Error", 3) }, phase: "Failed", finished: 3 }),
    expect: { outcome: "sigterm" },
  },
  {
    name: "exit 1: error",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(1, "Error", 3) }, phase: "Failed", finished: 3 }),
    expect: { outcome: "error" },
  },
  {
    name: "OOMKilled with exit code 0 is still oom",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: terminated(0, "OOMKilled", 3) }, phase: "Failed", finished: 3 }),
    expect: { outcome: "oom" },
  },
  {
    name: "Error → OOMKilled correction: the last status before DELETED wins",
    capture: () => {
      const d = deleting(web(), 0, 60);
      const first = withStates(d, { app: terminated(137, "Error", 14) });
      const fixed = withStates(d, { app: terminated(137, "OOMKilled", 14) }, "Failed");
      const last = finalDelete(fixed, 0);
      return owners(new Capture()).add(0.1, "MODIFIED", d).add(14.7, "MODIFIED", first).add(15.9, "MODIFIED", fixed).add(15, "MODIFIED", last).add(15.1, "DELETED", last);
    },
    expect: { outcome: "oom", drainSeconds: 14, deadlineAt: ms(60) },
  },
  {
    name: "ContainerStatusUnknown after a graceful delete is unknown",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: { app: { terminated: { exitCode: 137, reason: "ContainerStatusUnknown" } } }, phase: "Failed", finished: 5 }),
    expect: { outcome: "unknown", exitedAt: null, notes: [] },
  },
  {
    name: "pod outcome is the worst main container: sigkill beats clean",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "app" }, { name: "worker" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: { app: terminated(0, "Completed", 3), worker: terminated(137, "Error", 32) }, phase: "Failed", finished: 32 });
    },
    expect: { outcome: "sigkill", exitedAt: ms(32), drainSeconds: 32 },
  },
  {
    name: "classic Istio sidecar exits first; sidecars do not decide the pod outcome",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "istio-proxy" }, { name: "app" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 60, exit: { "istio-proxy": terminated(137, "Error", 61), app: terminated(1, "Error", 41) }, phase: "Failed", finished: 62 });
    },
    expect: {
      sidecarExitedFirst: false, outcome: "error", exitedAt: ms(41),
      containers: [
        { name: "istio-proxy", sidecar: true, exitCode: 137, reason: "Error", finishedAt: ms(61), outcome: "sigkill" },
        { name: "app", sidecar: false, exitCode: 1, reason: "Error", finishedAt: ms(41), outcome: "error" },
      ],
    },
  },
  {
    name: "classic sidecar (linkerd-proxy) finished before the app: sidecarExitedFirst",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "app" }, { name: "linkerd-proxy" }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 60, exit: { "linkerd-proxy": terminated(0, "Completed", 6), app: terminated(1, "Error", 41) }, phase: "Failed", finished: 41 });
    },
    expect: { sidecarExitedFirst: true, outcome: "error" },
  },
  {
    name: "native sidecar (restartable init container) exits after the app, listed after main containers",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, sidecars: ["istio-proxy"] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: { app: terminated(0, "Completed", 8), "istio-proxy": terminated(0, "Completed", 9) }, finished: 9 });
    },
    expect: {
      sidecarExitedFirst: false, exitedAt: ms(8),
      containers: [
        { name: "app", sidecar: false, exitCode: 0, reason: "Completed", finishedAt: ms(8), outcome: "clean" },
        { name: "istio-proxy", sidecar: true, exitCode: 0, reason: "Completed", finishedAt: ms(9), outcome: "clean" },
      ],
    },
  },
  {
    name: "native sidecar killed before the app: sidecarExitedFirst",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, sidecars: ["envoy-sidecar"] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: { app: terminated(0, "Completed", 8), "envoy-sidecar": terminated(0, "Completed", 2) }, finished: 9 });
    },
    expect: { sidecarExitedFirst: true },
  },
  {
    name: "preStop sleep: defined, action; FailedPreStopHook marks it failed",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "app", preStop: { exec: { command: ["/bin/drain"] } } }] });
      return owners(new Capture())
        .graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 })
        .add(9.5, "ADDED", event(p, "FailedPreStopHook", "PreStopHook failed", 2, { type: "Warning", container: "app" }));
    },
    expect: { preStop: { defined: true, action: "exec", failed: true }, preStopSleepSeconds: null },
  },
  {
    name: "preStop exec of a plain sleep (through sh -c): sleepSeconds; the container's image, command and args are kept",
    capture: () => {
      const p = pod({
        name: "web-abc12-x1",
        owner: { kind: "ReplicaSet", name: "web-abc12" },
        containers: [{
          name: "app",
          preStop: { exec: { command: ["/bin/sh", "-c", "sleep 7"] } },
          spec: { image: "nginx:1.27", command: ["sh", "-c"], args: ["nginx -g 'daemon off;'"] },
        }],
      });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: {
      preStop: { defined: true, action: "exec", failed: false },
      preStopSleepSeconds: 7,
      containers: [{ name: "app", sidecar: false, exitCode: 0, reason: "Completed", finishedAt: ms(9), outcome: "clean" }],
      containerSpecs: [{ name: "app", image: "nginx:1.27", command: ["sh", "-c"], args: ["nginx -g 'daemon off;'"], stopSignal: null }],
    },
  },
  {
    name: "stopSignal from lifecycle; a container without spec fields has nulls",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "app", spec: { lifecycle: { stopSignal: "SIGQUIT" } } }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: {
      preStop: { defined: false, action: null, failed: false },
      preStopSleepSeconds: null,
      containers: [{ name: "app", sidecar: false, exitCode: 0, reason: "Completed", finishedAt: ms(9), outcome: "clean" }],
      containerSpecs: [{ name: "app", image: null, command: null, args: null, stopSignal: "SIGQUIT" }],
    },
  },
  {
    name: "preStop sleep as long as the grace period overruns it",
    capture: () => {
      const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, containers: [{ name: "app", preStop: { sleep: { seconds: 30 } } }] });
      return owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: { app: terminated(137, "Error", 32) }, phase: "Failed", finished: 32 });
    },
    expect: { preStop: { defined: true, action: "sleep", failed: false }, preStopSleepSeconds: 30, notes: ["prestop-overran-grace"], outcome: "sigkill" },
  },
  {
    name: "a second delete with a shorter grace: first observation kept, deadline-rewritten noted",
    capture: () => {
      const first = deleting(web(), 0, 30);
      const shorter = deleting(web(), 5, 1);
      const done = withStates(shorter, { app: terminated(137, "Error", 8) }, "Failed");
      const last = finalDelete(done, 5);
      return owners(new Capture()).add(0.1, "MODIFIED", first).add(5.1, "MODIFIED", shorter).add(8.5, "MODIFIED", done).add(9, "MODIFIED", last).add(9.1, "DELETED", last);
    },
    expect: { gracePeriodSeconds: 30, deadlineAt: ms(30), notes: ["deadline-rewritten"], outcome: "error" },
  },
  {
    name: "events arriving before the deletion is observed, and after DELETED within the settle window",
    capture: () => {
      const p = web();
      const c = owners(new Capture()).add(-0.5, "ADDED", event(p, "Killing", "Stopping container app", 0, { container: "app" }));
      c.graceful(p, { request: 0, grace: 30, exit: clean, finished: 9, killing: null });
      return c.add(12, "ADDED", event(p, "FailedKillPod", "error killing pod: x", 11, { type: "Warning" }));
    },
    expect: { killingAt: ms(0), events: [
      { reason: "Killing", type: "Normal", message: "Stopping container app", at: ms(0), count: 1 },
      { reason: "FailedKillPod", type: "Warning", message: "error killing pod: x", at: ms(11), count: 1 },
    ] },
  },
  {
    name: "an aggregated event updated with a higher count appears once",
    capture: () => {
      const p = web();
      const c = owners(new Capture()).add(0.1, "MODIFIED", deleting(p, 0, 30));
      c.add(1, "ADDED", event(p, "Unhealthy", "Readiness probe failed", 1, { type: "Warning", uid: "ev-1" }));
      c.add(3, "MODIFIED", { ...event(p, "Unhealthy", "Readiness probe failed", 1, { type: "Warning", uid: "ev-1", count: 3 }), lastTimestamp: s(3) });
      const last = finalDelete(withStates(deleting(p, 0, 30), clean, "Succeeded"), 0);
      return c.add(9.8, "MODIFIED", last).add(9.9, "DELETED", last);
    },
    expect: { events: [{ reason: "Unhealthy", type: "Warning", message: "Readiness probe failed", at: ms(1), count: 3 }] },
  },
  {
    name: "events.k8s.io/v1 events join through `regarding`",
    capture: () => {
      const p = web();
      const ev = {
        apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "x", namespace: "shop", uid: "ev-new" },
        regarding: { kind: "Pod", name: "web-abc12-x1", namespace: "shop", uid: "uid-pod-web-abc12-x1" },
        reason: "Preempted", note: "Preempted by pod 3f2a on node node-7", type: "Normal", eventTime: "2026-06-01T10:00:00.250000Z", action: "Preempting",
      };
      return owners(new Capture()).add(0.1, "MODIFIED", deleting(p, 0, 30)).add(0.3, "ADDED", ev).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9, killing: null });
    },
    expect: { events: [{ reason: "Preempted", type: "Normal", message: "Preempted by pod 3f2a on node node-7", at: "2026-06-01T10:00:00.250Z", count: 1 }] },
  },
  {
    name: "EndpointSlice: first unready observation after the deletion began, joined by targetRef.uid",
    capture: () => {
      const p = web();
      const other = pod({ name: "web-abc12-x2", owner: { kind: "ReplicaSet", name: "web-abc12" } });
      const c = owners(new Capture()).add(-3, "ADDED", slice("web-1", [{ pod: p, ready: true, terminating: false }, { pod: other, ready: false, terminating: false }]));
      c.add(0.05, "MODIFIED", deleting(p, 0, 30));
      c.add(0.4, "MODIFIED", slice("web-1", [{ pod: p, ready: false, terminating: true }, { pod: other, ready: true, terminating: false }]));
      c.add(0.9, "MODIFIED", slice("web-1", [{ pod: p, ready: false, terminating: true }, { pod: other, ready: true, terminating: false }]));
      return c.graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { endpointsUnreadyAt: ms(0.4), endpointLagSeconds: 0.4 },
  },
  {
    name: "EndpointSlice update observed before the pod's deletion MODIFIED still counts",
    capture: () => {
      const p = web();
      return owners(new Capture()).add(0.3, "MODIFIED", slice("web-1", [{ pod: p, ready: false, terminating: true }])).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { endpointsUnreadyAt: ms(0.3) },
  },
  {
    name: "a readiness blip long before the deletion is not the endpoint removal",
    capture: () => {
      const p = web();
      return owners(new Capture()).add(-60, "MODIFIED", slice("web-1", [{ pod: p, ready: false, terminating: false }])).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { endpointsUnreadyAt: null, endpointLagSeconds: null },
  },
  {
    name: "StatefulSet: revision from controller-revision-hash; rollout when updateRevision differs",
    capture: () => {
      const p = pod({ name: "db-0", owner: { kind: "StatefulSet", name: "db" }, labels: { "controller-revision-hash": "db-6d4b5c8f7" } });
      return new Capture().add(-10, "ADDED", statefulSet("db", "db-7f8e9d0c1")).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { workload: { kind: "StatefulSet", name: "db" }, revision: "db-6d4b5c8f7", cause: "rollout" },
  },
  {
    name: "DaemonSet: revision hash; template generation behind is a rollout",
    capture: () => {
      const p = pod({ name: "agent-x9", ns: "kube-system", owner: { kind: "DaemonSet", name: "agent" }, labels: { "controller-revision-hash": "7c9d8", "pod-template-generation": "3" } });
      return new Capture().add(-10, "ADDED", daemonSet("agent", 4)).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { workload: { kind: "DaemonSet", name: "agent" }, revision: "7c9d8", cause: "rollout" },
  },
  {
    name: "DaemonSet: the new template generation arriving just after the deletion still makes it a rollout",
    capture: () => {
      const p = pod({ name: "agent-x9", ns: "kube-system", owner: { kind: "DaemonSet", name: "agent" }, labels: { "controller-revision-hash": "7c9d8", "pod-template-generation": "3" } });
      const c = new Capture().add(-10, "ADDED", daemonSet("agent", 3)).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 }).add(0.5, "MODIFIED", daemonSet("agent", 4));
      c.facts.sort((a, b) => (a.at ?? 0) - (b.at ?? 0)); // the DaemonSet's update lands between the pod's events
      return c;
    },
    expect: { workload: { kind: "DaemonSet", name: "agent" }, revision: "7c9d8", cause: "rollout" },
  },
  {
    name: "DaemonSet: a pod of the current generation deleted is a plain delete",
    capture: () => {
      const p = pod({ name: "agent-x9", ns: "kube-system", owner: { kind: "DaemonSet", name: "agent" }, labels: { "controller-revision-hash": "7c9d8", "pod-template-generation": "3" } });
      return new Capture().add(-10, "ADDED", daemonSet("agent", 3)).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    },
    expect: { workload: { kind: "DaemonSet", name: "agent" }, revision: "7c9d8", cause: "delete" },
  },
  {
    name: "Job → CronJob owner resolution; a deleted running Job pod is a termination",
    capture: () => {
      const p = pod({ name: "report-28391-abcde", ns: "batch", owner: { kind: "Job", name: "report-28391" }, restartPolicy: "Never" });
      return new Capture().add(-10, "ADDED", job("report-28391", "report")).graceful(p, { request: 0, grace: 30, exit: { app: terminated(143, "Error", 2) }, phase: "Failed", finished: 2 });
    },
    expect: { workload: { kind: "CronJob", name: "report" }, revision: null, cause: "delete", outcome: "sigterm" },
  },
  {
    name: "bare pod: workload is the pod itself",
    capture: () => new Capture().graceful(pod({ name: "debug" }), { request: 0, grace: 30, exit: clean, finished: 1 }),
    expect: { workload: { kind: "Pod", name: "debug" }, revision: null, cause: "delete" },
  },
  {
    name: "ReplicaSet garbage-collected before the record is final: cached mapping still resolves",
    capture: () => owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }).add(9.5, "DELETED", replicaSet("web", "abc12", 4)),
    expect: { workload: { kind: "Deployment", name: "web" }, revision: "4", cause: "rollout" },
  },
  {
    name: "ReplicaSet never seen: Deployment inferred from pod-template-hash, cause unknown",
    capture: () => new Capture().graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }),
    expect: { workload: { kind: "Deployment", name: "web" }, revision: null, cause: "unknown" },
  },
  {
    name: "relist after 410: a stale delete (no deletionTimestamp) gives unknown, not an invented outcome",
    capture: () => owners(new Capture()).add(50, "DELETED", web()),
    expect: { outcome: "unknown", cause: "unknown", notes: ["no-final-status", "relist-stale-delete"], deleteRequestedAt: null, deletedAt: ms(50) },
  },
  {
    name: "stale delete of a pod already in termination: no duplicate, note added, no invented outcome",
    capture: () => owners(new Capture()).add(0.1, "MODIFIED", deleting(web(), 0, 30)).add(50, "DELETED", web()),
    expect: { outcome: "unknown", cause: "rollout", deleteRequestedAt: ms(0), notes: ["no-final-status", "relist-stale-delete"] },
  },
];
