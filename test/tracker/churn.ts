// A synthetic, seeded capture of a busy cluster: rollouts (new revision seen before or after the
// Deployment), scale-downs, kubelet evictions whose events arrive before the pod, endpoints going
// unready before a deletion is seen, force deletes, relist stale deletes, pods that never finish
// (expiry), ReplicaSets garbage-collected mid-termination, late events after finalization,
// duplicates, facts without `at` and invalid objects, all interleaved by observation time.
import type { Fact } from "../../lib/tracker/fact";
import { Capture, T0, deleting, deployment, event, finalDelete, job, pod, replicaSet, slice, terminated, withStates } from "./kube";

/** mulberry32: a small seeded generator, so the capture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChurnOptions {
  seed: number;
  deployments: number;
  /** rollouts per deployment */
  rollouts: number;
  replicas: number;
}

export function churnCapture(o: ChurnOptions): Fact[] {
  const r = rng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const c = new Capture();
  let serial = 0;

  for (let d = 0; d < o.deployments; d++) {
    const name = `app${d}`;
    const ns = `ns${d % 3}`;
    let revision = 1;
    const rsOf = (rev: number) => replicaSet(name, `h${d}r${rev}`, rev, o.replicas, ns);
    const podsOf = (rev: number) =>
      Array.from({ length: o.replicas }, (_, i) =>
        pod({ name: `${name}-h${d}r${rev}-${i}`, ns, uid: `uid-${name}-r${rev}-${i}-${serial++}`, owner: { kind: "ReplicaSet", name: `${name}-h${d}r${rev}` }, labels: { "pod-template-hash": `h${d}r${rev}` }, containers: [{ name: "app", preStop: { sleep: { seconds: 3 } } }], sidecars: r() < 0.3 ? ["proxy"] : [] }),
      );
    let t = d * 7 + r() * 5;
    c.add(t, "ADDED", deployment(name, 1, o.replicas, ns)).add(t, "ADDED", rsOf(1));
    let current = podsOf(1);
    for (const p of current) c.add(t + r(), "ADDED", p);

    for (let k = 0; k < o.rollouts; k++) {
      t += 40 + r() * 60;
      const next = revision + 1;
      // The new ReplicaSet or the Deployment's new revision may be seen first.
      const depAt = t + (r() < 0.5 ? -0.5 : 2);
      c.add(depAt, "MODIFIED", deployment(name, next, o.replicas, ns)).add(t, "ADDED", rsOf(next));
      const fresh = podsOf(next);
      fresh.forEach((p, i) => c.add(t + 1 + i, "ADDED", p));
      current.forEach((p, i) => {
        const request = t + 2 + i * 3 + r();
        const grace = pick([0, 10, 30]);
        const kind = grace === 0 ? "force" : pick(["clean", "clean", "sigterm", "sigkill", "early-unready", "never", "stale"] as const);
        const podSlice = slice(`${name}-s${p.metadata.uid as string}`, [{ pod: p, ready: true, terminating: false }], ns);
        c.add(request - 20, "ADDED", podSlice);
        switch (kind) {
          case "force": {
            const d2 = deleting(p, request, 0);
            c.add(request + 0.1, "MODIFIED", d2).add(request + 0.2, "DELETED", d2);
            break;
          }
          case "never":
            c.add(request + 0.1, "MODIFIED", deleting(p, request, grace));
            break;
          case "stale":
            c.add(request + 50, "DELETED", p);
            break;
          default: {
            if (kind === "early-unready") c.add(request - 0.3, "MODIFIED", slice(`${name}-s${p.metadata.uid as string}`, [{ pod: p, ready: false, terminating: true }], ns));
            else c.add(request + 0.4, "MODIFIED", slice(`${name}-s${p.metadata.uid as string}`, [{ pod: p, ready: false, terminating: true }], ns));
            const finished = kind === "sigkill" ? request + grace + 1 : request + 3 + r() * (grace - 4);
            const exit =
              kind === "sigkill" ? terminated(137, "Error", Math.round(finished)) : kind === "sigterm" ? terminated(143, "Error", Math.round(finished)) : terminated(0, "Completed", Math.round(finished));
            c.graceful(p, { request, grace, exit: { app: exit, ...(p.spec as { initContainers: unknown[] }).initContainers.length ? { proxy: terminated(0, "Completed", Math.round(finished)) } : {} }, phase: kind === "clean" ? "Succeeded" : "Failed", finished });
            // A late warning for some, after the record is final: it must not start a second one.
            if (r() < 0.3) c.add(finished + 30, "ADDED", event(p, "FailedKillPod", "late", Math.round(finished + 29), { type: "Warning" }));
          }
        }
      });
      // The old ReplicaSet scaled to zero, sometimes garbage-collected before its pods' records are final.
      c.add(t + 3, "MODIFIED", replicaSet(name, `h${d}r${revision}`, revision, 0, ns, o.replicas));
      if (r() < 0.5) c.add(t + 8 + r() * 10, "DELETED", replicaSet(name, `h${d}r${revision}`, revision, 0, ns, 0));
      revision = next;
      current = fresh;
    }

    // A scale-down of one pod, and a kubelet eviction whose events arrive before the pod update.
    t += 30;
    c.add(t, "MODIFIED", replicaSet(name, `h${d}r${revision}`, revision, o.replicas - 1, ns, o.replicas));
    const down = current[0]!;
    c.graceful(down, { request: t + 0.5, grace: 10, exit: { app: terminated(0, "Completed", Math.round(t + 4)) }, finished: t + 4 });
    const evicted = current[1];
    if (evicted) {
      const at = t + 10 + r() * 5;
      c.add(at, "ADDED", event(evicted, "Evicted", "The node was low on resource: memory.", Math.round(at), { type: "Warning" }));
      c.add(at + 0.2, "ADDED", event(evicted, "Killing", "Stopping container app", Math.round(at)));
      c.add(at + 0.3, "MODIFIED", slice(`${name}-ev`, [{ pod: evicted, ready: false, terminating: false }], ns));
      const failed = withStates(evicted, { app: terminated(137, "ContainerStatusUnknown", null) }, "Failed", { reason: "Evicted", message: "The node was low on resource: memory." });
      c.add(at + 2, "MODIFIED", failed);
      // Cleaned up much later: already final, no second record.
      const gone = finalDelete(deleting(failed, at + 90, 0), at + 90);
      c.add(at + 90, "MODIFIED", gone).add(at + 90.1, "DELETED", gone);
    }
  }

  // A node drained at once: pods whose deletions (and so settle deadlines) fall on the same
  // instant, seen in descending UID order, so the order records come out in is the heap's.
  const drainAt = 200 + r() * 10;
  c.add(drainAt - 30, "ADDED", deployment("batchy", 1, 8, "ns9")).add(drainAt - 30, "ADDED", replicaSet("batchy", "hb", 1, 8, "ns9"));
  for (let i = 7; i >= 0; i--) {
    const p = pod({ name: `batchy-hb-${i}`, ns: "ns9", uid: `uid-drain-${i}`, owner: { kind: "ReplicaSet", name: "batchy-hb" }, labels: { "pod-template-hash": "hb" } });
    c.add(drainAt - 20, "ADDED", p);
    c.graceful(p, { request: drainAt, grace: 30, exit: { app: terminated(0, "Completed", Math.round(drainAt + 5)) }, finished: drainAt + 5 });
  }

  // Job pods first seen already terminal and being deleted: no record.
  const jp = pod({ name: "nightly-x", ns: "batch", owner: { kind: "Job", name: "nightly-1" }, restartPolicy: "Never" });
  const jdone = finalDelete(withStates(deleting(jp, 60, 30), { app: terminated(0, "Completed", 50) }, "Succeeded"), 60);
  c.add(1, "ADDED", job("nightly-1", "nightly", "batch")).add(61, "MODIFIED", jdone).add(61.1, "DELETED", jdone);

  // Interleave by observation time, then garble a few the way real streams do.
  const facts = [...c.facts].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const out: Fact[] = [];
  for (const f of facts) {
    const x = r();
    if (x < 0.04) out.push({ ...f, at: null });
    else out.push(f);
    if (x > 0.97) out.push(f); // duplicate delivery
    if (x > 0.4 && x < 0.41) out.push({ at: f.at, type: "MODIFIED", object: { kind: "Pod", metadata: { name: "no-uid" } } });
    if (x > 0.5 && x < 0.51) out.push({ at: f.at, type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "1" } } });
  }
  return out;
}

/** When the capture's first fact happened (for ticks). */
export const CHURN_T0 = T0;
