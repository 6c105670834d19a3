// Small object builders for the live tests: a Deployment → ReplicaSet → Pod chain whose pods go
// through a graceful deletion the way the API shows it.
import { KubeConfig } from "@kubernetes/client-node";
import type { FakeApiServer } from "./fake-apiserver.ts";

export const NS = "shop";

export function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: NS, uid: "dep-web", annotations: { "deployment.kubernetes.io/revision": "1" } },
    spec: { replicas: 3 },
    status: { replicas: 3 },
  };
}

export function replicaSet(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: "web-abc",
      namespace: NS,
      uid: "rs-web-abc",
      annotations: { "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "dep-web", controller: true }],
    },
    spec: { replicas: 3 },
    status: { replicas: 3 },
  };
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export interface PodState {
  name: string;
  uid: string;
  /** deletion requested at this time (epoch ms), grace seconds */
  deleteAt?: number;
  grace?: number;
  /** containers terminated: exit code and finish time */
  exit?: { code: number; reason: string; at: number };
}

export function pod(s: PodState): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    name: s.name,
    namespace: NS,
    uid: s.uid,
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { app: "web", "pod-template-hash": "abc" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "rs-web-abc", controller: true }],
  };
  if (s.deleteAt !== undefined) {
    const grace = s.grace ?? 30;
    metadata.deletionTimestamp = iso(s.deleteAt + grace * 1000);
    metadata.deletionGracePeriodSeconds = grace;
  }
  const state = s.exit
    ? { terminated: { exitCode: s.exit.code, reason: s.exit.reason, startedAt: "2026-01-01T00:00:01Z", finishedAt: iso(s.exit.at) } }
    : { running: { startedAt: "2026-01-01T00:00:01Z" } };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: { nodeName: "node-1", restartPolicy: "Always", terminationGracePeriodSeconds: s.grace ?? 30, containers: [{ name: "app", image: "app:1" }] },
    status: {
      phase: s.exit ? (s.exit.code === 0 ? "Succeeded" : "Failed") : "Running",
      containerStatuses: [{ name: "app", ready: !s.exit && s.deleteAt === undefined, restartCount: 0, state }],
    },
  };
}

export function killingEvent(podName: string, podUid: string, at: number): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${podName}.killing`, namespace: NS, uid: `ev-${podUid}` },
    involvedObject: { kind: "Pod", name: podName, namespace: NS, uid: podUid, apiVersion: "v1" },
    reason: "Killing",
    type: "Normal",
    message: "Stopping container app",
    firstTimestamp: iso(at),
    lastTimestamp: iso(at),
    count: 1,
    source: { component: "kubelet" },
  };
}

/** Seeds the workload objects and `n` running pods named web-abc-0…; returns the pod names. */
export function seed(api: FakeApiServer, n: number): string[] {
  api.apply("deployments", deployment());
  api.apply("replicasets", replicaSet());
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    api.apply("pods", pod({ name: `web-abc-${i}`, uid: `uid-${i}` }));
    names.push(`web-abc-${i}`);
  }
  return names;
}

/** A clean graceful termination of pod i: delete request, Killing, exit 0, final DELETED. */
export function terminateCleanly(api: FakeApiServer, i: number, deleteAt = Date.now()): void {
  const name = `web-abc-${i}`;
  const uid = `uid-${i}`;
  api.apply("pods", pod({ name, uid, deleteAt }));
  api.apply("events", killingEvent(name, uid, deleteAt));
  api.apply("pods", pod({ name, uid, deleteAt, exit: { code: 0, reason: "Completed", at: deleteAt + 1000 } }));
  api.remove("pods", NS, name);
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client-node KubeConfig for a sandbox cluster. */
export function kubeConfigOf(sb: { kubeconfigYaml(): string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sb.kubeconfigYaml());
  return kc;
}
