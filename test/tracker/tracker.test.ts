// Table-driven tracker tests: a capture in, exact record fields out. Each row is one rule of
// contract section 3 or one behaviour of shared/reference/kubernetes-termination.md.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { terminationRecordSchema } from "../../lib/tracker/record";
import { Tracker } from "../../lib/tracker/tracker";
import { Capture, T0, daemonSet, deleting, deployment, event, finalDelete, job, ms, one, pod, replicaSet, run, s, slice, statefulSet, terminated, withStates } from "./kube";

const web = () => pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" } });
/** Deployment web at revision `current`, its old RS abc12 at `podRevision`. */
const owners = (c: Capture, current = 5, podRevision = 4, rsReplicas = 3) =>
  c.add(-10, "ADDED", deployment("web", current)).add(-10, "ADDED", replicaSet("web", "abc12", podRevision, rsReplicas));
const clean = { app: terminated(0, "Completed", 9) };

interface Row {
  name: string;
  capture: () => Capture;
  /** Fields the record must have (containers: each listed field of each container). */
  expect: Partial<z.input<typeof terminationRecordSchema>> & Record<string, unknown>;
}

const rows: Row[] = [
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

describe("tracker: capture in, record out", () => {
  it.each(rows)("$name", ({ capture, expect: want }) => {
    const record = one(capture().facts);
    expect(record).toMatchObject(want);
  });
});

describe("tracker: what is not a termination", () => {
  it("a liveness-probe restart produces no record", () => {
    const p = web();
    const restarted = withStates(p, {}, undefined, {});
    (restarted.status as { containerStatuses: Record<string, unknown>[] }).containerStatuses[0]!.lastState = terminated(137, "Error", 5);
    const c = owners(new Capture())
      .add(4, "ADDED", event(p, "Unhealthy", "Liveness probe failed: HTTP probe failed", 4, { type: "Warning" }))
      .add(5, "ADDED", event(p, "Killing", "Container app failed liveness probe, will be restarted", 5))
      .add(6, "MODIFIED", restarted);
    const { records, tracker } = run(c.facts);
    expect(records).toEqual([]);
    expect(tracker.stats().pending).toBe(0);
  });

  it("a Job's pod first seen already terminal and being deleted produces no record (routine cleanup)", () => {
    const p = pod({ name: "nightly-x1", owner: { kind: "Job", name: "nightly" }, restartPolicy: "Never" });
    const last = finalDelete(withStates(deleting(p, 0, 30), { app: terminated(1, "Error", 4) }, "Failed"), 0);
    expect(run(new Capture().add(10, "MODIFIED", last).add(10.1, "DELETED", last).facts).records).toEqual([]);
  });

  it("a pod seen to finish on its own gets no record, even when it is deleted later", () => {
    const p = pod({ name: "web-abc12-x1", owner: { kind: "ReplicaSet", name: "web-abc12" }, restartPolicy: "Never" });
    const done = withStates(p, { app: terminated(1, "Error", 4) }, "Failed");
    const last = finalDelete(deleting(done, 20, 30), 20);
    expect(run(owners(new Capture()).add(5, "MODIFIED", done).add(20.5, "MODIFIED", last).add(21, "DELETED", last).facts).records).toEqual([]);
  });

  it("a Job pod that completes on its own, then is cleaned up with grace 0, produces no record", () => {
    const p = pod({ name: "report-1-x", ns: "batch", owner: { kind: "Job", name: "report-1" }, restartPolicy: "Never" });
    const done = withStates(p, { app: terminated(0, "Completed", 5) }, "Succeeded");
    const gone = deleting(done, 100, 0);
    const c = new Capture().add(-10, "ADDED", job("report-1", null)).add(6, "MODIFIED", done).add(100, "MODIFIED", gone).add(100.1, "DELETED", gone);
    expect(run(c.facts).records).toEqual([]);
  });

  it("a container that crashes while its pod lives on produces no record", () => {
    const crashed = withStates(web(), { app: { waiting: { reason: "CrashLoopBackOff" } } });
    expect(run(owners(new Capture()).add(1, "MODIFIED", crashed).facts).records).toEqual([]);
  });
});

describe("tracker: identity, settling and memory", () => {
  it("a StatefulSet pod recreated under the same name gives two records keyed by UID", () => {
    const v1 = pod({ name: "db-0", uid: "uid-a", owner: { kind: "StatefulSet", name: "db" }, labels: { "controller-revision-hash": "db-1" } });
    const v2 = pod({ name: "db-0", uid: "uid-b", owner: { kind: "StatefulSet", name: "db" }, labels: { "controller-revision-hash": "db-2" } });
    const c = new Capture().add(-10, "ADDED", statefulSet("db", "db-2"));
    c.graceful(v1, { request: 0, grace: 10, exit: clean, finished: 9 });
    c.add(12, "ADDED", v2);
    c.graceful(v2, { request: 100, grace: 10, exit: { app: terminated(137, "Error", 112) }, phase: "Failed", finished: 112 });
    const { records } = run(c.facts);
    expect(records.map((r) => [r.podUid, r.pod, r.cause, r.outcome])).toEqual([
      ["uid-a", "db-0", "rollout", "clean"],
      ["uid-b", "db-0", "delete", "sigkill"],
    ]);
  });

  it("the same deletion replayed twice (duplicate watch events) yields one record", () => {
    const c = owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 });
    const facts = [...c.facts, ...c.facts.slice(2)];
    expect(run(facts).records).toHaveLength(1);
  });

  it("a record becomes final only after the settle window, and a late event still joins it", () => {
    const p = web();
    const c = owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    const tracker = new (run([]).tracker.constructor as typeof import("../../lib/tracker/tracker").Tracker)({ cluster: "default", settleMs: 5000 });
    for (const f of c.facts) expect(tracker.ingest(f).records).toEqual([]);
    expect(tracker.size).toBe(1);
    tracker.ingest({ at: T0 + 12_000, type: "ADDED", object: event(p, "FailedKillPod", "late", 11, { type: "Warning" }) });
    expect(tracker.tick(T0 + 14_000)).toEqual([]);
    const [record] = tracker.tick(T0 + 15_200);
    expect(record?.events.map((e) => e.reason)).toEqual(["Killing", "FailedKillPod"]);
    expect(tracker.size).toBe(0);
    // Anything after finalization is ignored, not a second record.
    tracker.ingest({ at: T0 + 16_000, type: "ADDED", object: event(p, "Killing", "Stopping container app", 16) });
    expect(tracker.finalizeAll()).toEqual([]);
  });

  it("an entry that never ends expires with a note instead of leaking", () => {
    const tracker = run([]).tracker;
    const fresh = new (tracker.constructor as typeof import("../../lib/tracker/tracker").Tracker)({ cluster: "default", expireMs: 60_000 });
    owners(new Capture()).facts.forEach((f) => fresh.ingest(f));
    fresh.ingest({ at: T0 + 100, type: "MODIFIED", object: deleting(web(), 0, 30) });
    expect(fresh.tick(T0 + 89_000)).toEqual([]);
    const [record] = fresh.tick(T0 + 90_001);
    expect(record).toMatchObject({ outcome: "unknown", deletedAt: null, notes: ["no-final-status", "expired"] });
    expect(fresh.size).toBe(0);
  });

  it("memory is bounded by pods in termination, not by cluster size", () => {
    const c = owners(new Capture());
    for (let i = 0; i < 5000; i++) {
      const p = pod({ name: `web-abc12-${i}`, owner: { kind: "ReplicaSet", name: "web-abc12" } });
      c.add(i / 100, "ADDED", p).add(i / 100 + 1, "MODIFIED", withStates(p, {}, undefined, { podIP: "10.0.0.2" }));
      c.add(i / 100 + 2, "MODIFIED", slice(`s-${i}`, [{ pod: p, ready: true, terminating: false }]));
    }
    const { records, tracker } = run(c.facts);
    expect(records).toEqual([]);
    expect(tracker.stats()).toMatchObject({ tracking: 0, pending: 0, remembered: 0 });
  });
});

describe("tracker: time without `at`", () => {
  it("uses the object's own timestamps (seconds precision)", () => {
    const c = owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 });
    const facts = c.facts.map((f) => ({ ...f, at: null }));
    expect(one(facts)).toMatchObject({ deleteRequestedAt: ms(0), deadlineAt: ms(30), exitedAt: ms(9), drainSeconds: 9, killingAt: ms(0), outcome: "clean", cause: "rollout" });
  });
});

describe("tracker: bad input", () => {
  it("reports objects without metadata.uid and wrong types, and loses no valid fact around them", () => {
    const good = owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }).facts;
    const bad = [
      { at: T0, type: "MODIFIED" as const, object: { kind: "Pod", metadata: { name: "x" } } },
      { at: T0, type: "MODIFIED" as const, object: { kind: "Pod", metadata: { uid: "u", deletionTimestamp: s(30), deletionGracePeriodSeconds: "thirty" } } },
      { at: T0, type: "ADDED" as const, object: { kind: "Event", metadata: {} } },
      { at: T0, type: "ADDED" as const, object: { kind: "EndpointSlice", metadata: { uid: "s" }, endpoints: "nope" } },
      { at: T0, type: "ADDED" as const, object: { kind: "ReplicaSet", metadata: { uid: 7 } } },
      { at: T0, type: "ADDED" as const, object: "not an object" },
      { at: T0, type: "ADDED" as const, object: { metadata: { uid: "no-kind" } } },
      { at: T0, type: "ADDED" as const, object: { kind: "ConfigMap", metadata: {} } },
      { at: T0, type: "BOOKMARK" as const, object: { kind: "Pod", metadata: { resourceVersion: "12" } } },
    ];
    const mixed = [good[0]!, ...bad.slice(0, 4), ...good.slice(1, 4), ...bad.slice(4), ...good.slice(4)];
    const { records, problems } = run(mixed);
    expect(problems).toEqual([
      "Pod: missing metadata.uid",
      "Pod: metadata.deletionGracePeriodSeconds: Invalid input: expected number, received string",
      "Event: missing metadata.uid",
      "EndpointSlice: endpoints: Invalid input: expected array, received string",
      "ReplicaSet: missing metadata.uid",
      "object is not a JSON object",
      "object has no kind",
    ]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ cause: "rollout", outcome: "clean", drainSeconds: 9 });
  });

  it("survives huge strings", () => {
    const p = web();
    (p.metadata as Record<string, unknown>).annotations = { big: "x".repeat(5_000_000) };
    const c = owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 });
    expect(one(c.facts).outcome).toBe("clean");
  });
});

describe("tracker: shutdown", () => {
  it("finalizeDeleted releases deleted pods still in their settle window, and leaves draining pods", () => {
    const tracker = run([]).tracker;
    const t = new (tracker.constructor as typeof import("../../lib/tracker/tracker").Tracker)({ cluster: "default", settleMs: 60_000 });
    const draining = pod({ name: "web-abc12-d1", owner: { kind: "ReplicaSet", name: "web-abc12" } });
    const c = owners(new Capture()).graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }).add(10, "MODIFIED", deleting(draining, 9, 30));
    for (const f of c.facts) expect(t.ingest(f).records).toEqual([]);
    const released = t.finalizeDeleted();
    expect(released.map((r) => [r.pod, r.outcome, r.deletedAt])).toEqual([["web-abc12-x1", "clean", ms(10.1)]]);
    expect(t.size).toBe(1); // the draining pod resumes in the next process
  });
});

describe("in-flight view (the live page's data)", () => {
  it("shows a pod from its deletion until it is gone, as its record would read now, and finalizes nothing", () => {
    const c = owners(new Capture()).add(-5, "ADDED", web());
    const all = c.graceful(web(), { request: 0, grace: 30, exit: clean, finished: 9 }).facts;
    // Up to the Killing event: deleting, containers still running.
    const t = new Tracker({ cluster: "default" });
    const upTo = (offset: number) => all.filter((f) => f.at !== null && f.at <= T0 + offset * 1000);
    for (const f of upTo(1)) t.ingest(f);
    const now = t.inFlight();
    expect(now).toHaveLength(1);
    expect(now[0]).toMatchObject({ pod: "web-abc12-x1", cause: "rollout", gracePeriodSeconds: 30, deleteRequestedAt: ms(0), deadlineAt: ms(30), killingAt: ms(0), exitedAt: null, deletedAt: null });
    expect(t.inFlight()).toHaveLength(1); // reading it changes nothing
    expect(t.size).toBe(1);
    // Deleted: no longer in flight (it only waits out its settle window).
    for (const f of all.slice(upTo(1).length)) t.ingest(f);
    expect(t.inFlight()).toEqual([]);
  });
});
