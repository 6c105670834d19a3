// How big a tracker checkpoint is (JSON bytes), for the checkpoint test's bounds and
// bench/tracker-checkpoint.ts. Pods look like real ones: UUIDs, several labels and annotations
// (dropped at parse), an image, a native proxy sidecar, a preStop hook.
import { Tracker } from "../../lib/tracker/tracker";
import { T0, deleting, deployment, event, pod, replicaSet, slice } from "./kube";

const bytes = (t: Tracker): number => Buffer.byteLength(JSON.stringify(t.checkpoint()));

function realPod(name: string, ns: string, rs: string, hash: string) {
  const p = pod({
    name,
    ns,
    uid: crypto.randomUUID(),
    owner: { kind: "ReplicaSet", name: rs, uid: `uid-rs-${rs}` },
    labels: { "pod-template-hash": hash, app: rs, "app.kubernetes.io/name": rs, "app.kubernetes.io/instance": "prod", "app.kubernetes.io/version": "1.2.3", "helm.sh/chart": "web-4.5.6" },
    containers: [{ name: "app", preStop: { exec: { command: ["/bin/sh", "-c", "sleep 5"] } }, spec: { image: `registry.example.com/${ns}/${rs}:1.2.3`, command: ["/app/server"], args: ["--port=8080", "--log-format=json"] } }],
    sidecars: ["istio-proxy"],
  });
  (p.metadata as Record<string, unknown>).annotations = { "prometheus.io/scrape": "true", "sidecar.istio.io/status": "x".repeat(400), "checksum/config": "f".repeat(64) };
  return p;
}

export interface CheckpointSizes {
  /** an empty tracker's checkpoint */
  empty: number;
  /** `terminating` pods mid-drain (deleting, Killing event, endpoints unready, owners known) */
  terminatingTotal: number;
  perTerminatingPod: number;
  /** `running` running pods, 20 per Deployment, each Deployment with 3 ReplicaSets; nothing in termination */
  runningCluster: number;
  /** bytes per UID in the finished memory */
  perFinishedUid: number;
}

/** A tracker with `n` pods mid-drain (deleting, Killing event, endpoints unready, owners known). */
export function terminatingTracker(n: number): Tracker {
  const t = new Tracker({ cluster: "default" });
  t.ingest({ at: T0 - 10_000, type: "ADDED", object: deployment("web", 5, n) });
  t.ingest({ at: T0 - 10_000, type: "ADDED", object: replicaSet("web", "abc12", 4, n) });
  for (let i = 0; i < n; i++) {
    const p = realPod(`web-abc12-${i}`, "shop", "web-abc12", "abc12");
    const at = T0 + i * 10;
    t.ingest({ at, type: "MODIFIED", object: deleting(p, 0, 30) });
    t.ingest({ at: at + 500, type: "ADDED", object: event(p, "Killing", "Stopping container app", 0, { uid: crypto.randomUUID() }) });
    t.ingest({ at: at + 600, type: "MODIFIED", object: slice(`web-${i}`, [{ pod: p, ready: false, terminating: true }]) });
  }
  if (t.size !== n) throw new Error(`expected ${n} pods in termination, have ${t.size}`);
  return t;
}

/** A tracker that has seen `n` running pods, 20 per Deployment, each Deployment with 3 ReplicaSets. */
export function runningTracker(n: number): Tracker {
  const r = new Tracker({ cluster: "default" });
  const perDeployment = 20;
  for (let d = 0; d < n / perDeployment; d++) {
    const ns = `team-${d % 40}`;
    r.ingest({ at: T0, type: "ADDED", object: deployment(`svc-${d}`, 3, perDeployment, ns) });
    for (const [rev, replicas] of [[1, 0], [2, 0], [3, perDeployment]] as const) r.ingest({ at: T0, type: "ADDED", object: replicaSet(`svc-${d}`, `h${rev}x${d}`, rev, replicas, ns) });
    for (let i = 0; i < perDeployment; i++) r.ingest({ at: T0 + 1, type: "ADDED", object: realPod(`svc-${d}-h3x${d}-${i}`, ns, `svc-${d}-h3x${d}`, `h3x${d}`) });
  }
  return r;
}

/** A tracker whose finished memory holds `n` UIDs (force-deleted pods, settled) and nothing else in flight. */
export function finishedTracker(n: number): Tracker {
  const f = new Tracker({ cluster: "default", settleMs: 0 });
  for (let i = 0; i < n; i++) f.ingest({ at: T0 + i, type: "DELETED", object: deleting(pod({ name: `gone-${i}`, uid: crypto.randomUUID() }), 0, 0) });
  f.tick(T0 + n + 1);
  return f;
}

export function measureCheckpointSizes(o: { terminating: number; running: number; finished: number }): CheckpointSizes {
  const empty = bytes(new Tracker({ cluster: "default" }));
  const terminatingTotal = bytes(terminatingTracker(o.terminating));
  const finished = finishedTracker(o.finished).checkpoint();
  if (finished.finished.length !== o.finished || finished.entries.length !== 0) throw new Error("finished memory not as built");
  return {
    empty,
    terminatingTotal,
    perTerminatingPod: o.terminating === 0 ? 0 : (terminatingTotal - empty) / o.terminating,
    runningCluster: bytes(runningTracker(o.running)),
    perFinishedUid: o.finished === 0 ? 0 : Buffer.byteLength(JSON.stringify(finished.finished)) / o.finished,
  };
}
