// Builders for synthetic watch traffic, following the kubelet sequence of
// shared/reference/kubernetes-termination.md §1.5. Timestamps in objects have seconds precision
// (as Kubernetes writes them); `at` has milliseconds.
import type { Fact } from "../../lib/tracker/fact";
import { Tracker } from "../../lib/tracker/tracker";
import { compareRecords, type TerminationRecord } from "../../lib/tracker/record";

export const T0 = Date.parse("2026-06-01T10:00:00.000Z");
export const s = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
export const ms = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString();

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
const clone = <T>(o: T): T => structuredClone(o);

export function deployment(name: string, revision: number, replicas = 3, ns = "shop"): Obj {
  return {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name, namespace: ns, uid: `uid-deploy-${name}`, generation: revision, annotations: { "deployment.kubernetes.io/revision": String(revision) } },
    spec: { replicas }, status: { replicas },
  };
}

export function replicaSet(deploymentName: string | null, hash: string, revision: number | null, replicas = 3, ns = "shop", statusReplicas = replicas): Obj {
  const name = deploymentName ? `${deploymentName}-${hash}` : hash;
  return {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: {
      name, namespace: ns, uid: `uid-rs-${name}`,
      labels: { "pod-template-hash": hash },
      annotations: revision === null ? {} : { "deployment.kubernetes.io/revision": String(revision) },
      ownerReferences: deploymentName
        ? [{ apiVersion: "apps/v1", kind: "Deployment", name: deploymentName, uid: `uid-deploy-${deploymentName}`, controller: true }]
        : [],
    },
    spec: { replicas }, status: { replicas: statusReplicas },
  };
}

export function statefulSet(name: string, updateRevision: string, replicas = 3, ns = "shop"): Obj {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet",
    metadata: { name, namespace: ns, uid: `uid-sts-${name}`, generation: 1 },
    spec: { replicas }, status: { replicas, currentRevision: updateRevision, updateRevision },
  };
}

export function daemonSet(name: string, generation: number, ns = "kube-system"): Obj {
  return { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, namespace: ns, uid: `uid-daemonset-${name}`, generation }, spec: {}, status: {} };
}

export function job(name: string, cronJob: string | null, ns = "batch"): Obj {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: {
      name, namespace: ns, uid: `uid-job-${name}`,
      ownerReferences: cronJob ? [{ apiVersion: "batch/v1", kind: "CronJob", name: cronJob, uid: `uid-cj-${cronJob}`, controller: true }] : [],
    },
    spec: {}, status: {},
  };
}

export interface PodOptions {
  name: string;
  uid?: string;
  ns?: string;
  owner?: { kind: string; name: string; uid?: string } | null;
  labels?: Record<string, string>;
  containers?: { name: string; preStop?: Record<string, unknown>; spec?: Record<string, unknown> }[];
  sidecars?: string[]; // native sidecars (restartable init containers)
  grace?: number;
  restartPolicy?: string;
}

export function pod(o: PodOptions): Obj {
  const containers = o.containers ?? [{ name: "app" }];
  const owner = o.owner === undefined ? null : o.owner;
  const ownerUid = owner ? (owner.uid ?? `uid-${owner.kind === "ReplicaSet" ? "rs" : owner.kind.toLowerCase()}-${owner.name}`) : null;
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name: o.name, namespace: o.ns ?? "shop", uid: o.uid ?? `uid-pod-${o.name}`,
      labels: o.labels ?? {}, creationTimestamp: s(-86400),
      ownerReferences: owner ? [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, uid: ownerUid, controller: true }] : [],
    },
    spec: {
      nodeName: "node-1", restartPolicy: o.restartPolicy ?? "Always", terminationGracePeriodSeconds: o.grace ?? 30,
      initContainers: (o.sidecars ?? []).map((name) => ({ name, restartPolicy: "Always" })),
      containers: containers.map((c) => ({ name: c.name, ...c.spec, ...(c.preStop ? { lifecycle: { preStop: c.preStop } } : {}) })),
    },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      initContainerStatuses: (o.sidecars ?? []).map((name) => running(name)),
      containerStatuses: containers.map((c) => running(c.name)),
    },
  };
}

function running(name: string) {
  return { name, ready: true, restartCount: 0, state: { running: { startedAt: s(-86400) } } };
}

export function terminated(exitCode: number, reason: string, finishedAtOffset: number | null) {
  return { terminated: { exitCode, reason, startedAt: s(-86400), finishedAt: finishedAtOffset === null ? null : s(finishedAtOffset) } };
}

type Status = Record<string, unknown> & { containerStatuses: { name: string; state: unknown }[]; initContainerStatuses: { name: string; state: unknown }[] };

/** The pod with deletionTimestamp = request + grace (what the API server writes). */
export function deleting(p: Obj, requestOffset: number, grace: number): Obj {
  const out = clone(p);
  out.metadata.deletionTimestamp = s(requestOffset + grace);
  out.metadata.deletionGracePeriodSeconds = grace;
  return out;
}

/** The pod with container states set (by name) and optionally a phase and extra status fields. */
export function withStates(p: Obj, states: Record<string, unknown>, phase?: string, extra: Record<string, unknown> = {}): Obj {
  const out = clone(p);
  const st = out.status as Status;
  for (const list of [st.containerStatuses, st.initContainerStatuses]) {
    for (const cs of list) if (states[cs.name] !== undefined) cs.state = states[cs.name];
  }
  if (phase) st.phase = phase;
  Object.assign(st, extra);
  return out;
}

/** The kubelet's final delete: grace 0 and deletionTimestamp moved back to the request time. */
export function finalDelete(p: Obj, requestOffset: number): Obj {
  const out = clone(p);
  out.metadata.deletionTimestamp = s(requestOffset);
  out.metadata.deletionGracePeriodSeconds = 0;
  return out;
}

export function event(p: Obj, reason: string, message: string, offset: number, o: { type?: string; container?: string; count?: number; uid?: string } = {}): Obj {
  const m = p.metadata as { name: string; namespace: string; uid: string };
  return {
    apiVersion: "v1", kind: "Event",
    metadata: { name: `${m.name}.${reason}.${offset}`, namespace: m.namespace, uid: o.uid ?? `uid-ev-${m.name}-${reason}-${offset}` },
    involvedObject: { kind: "Pod", name: m.name, namespace: m.namespace, uid: m.uid, apiVersion: "v1", ...(o.container ? { fieldPath: `spec.containers{${o.container}}` } : {}) },
    reason, message, type: o.type ?? "Normal", count: o.count ?? 1,
    firstTimestamp: s(offset), lastTimestamp: s(offset), source: { component: "kubelet", host: "node-1" },
  };
}

export function slice(name: string, endpoints: { pod: Obj; ready: boolean; terminating: boolean }[], ns = "shop"): Obj {
  return {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name, namespace: ns, uid: `uid-slice-${name}` },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: ["10.0.0.1"],
      conditions: { ready: e.ready, serving: true, terminating: e.terminating },
      targetRef: { kind: "Pod", name: e.pod.metadata.name, namespace: ns, uid: e.pod.metadata.uid },
    })),
  };
}

export class Capture {
  readonly facts: Fact[] = [];
  add(offsetSeconds: number | null, type: Fact["type"], object: unknown): this {
    this.facts.push({ at: offsetSeconds === null ? null : T0 + offsetSeconds * 1000, type, object });
    return this;
  }

  /** A graceful deletion the way the API server and kubelet play it out. */
  graceful(p: Obj, o: { request: number; grace: number; exit: Record<string, unknown>; phase?: string; finished: number; killing?: number | null; container?: string }): this {
    const d = deleting(p, o.request, o.grace);
    this.add(o.request + 0.12, "MODIFIED", d);
    if (o.killing !== null) this.add((o.killing ?? o.request) + 0.6, "ADDED", event(p, "Killing", `Stopping container ${o.container ?? "app"}`, o.killing ?? o.request, { container: o.container ?? "app" }));
    const done = withStates(d, o.exit, o.phase ?? "Succeeded");
    this.add(o.finished + 0.8, "MODIFIED", done);
    const last = finalDelete(done, o.request);
    this.add(o.finished + 1, "MODIFIED", last);
    this.add(o.finished + 1.1, "DELETED", last);
    return this;
  }
}

/** Runs facts through a tracker exactly as replay does, records in contract order. */
export function run(facts: readonly Fact[], opts: { settleMs?: number; expireMs?: number } = {}): { records: TerminationRecord[]; problems: string[]; tracker: Tracker } {
  const tracker = new Tracker({ cluster: "default", ...opts });
  const records: TerminationRecord[] = [];
  const problems: string[] = [];
  for (const f of facts) {
    const r = tracker.ingest(f);
    records.push(...r.records);
    if (r.problem) problems.push(r.problem);
  }
  records.push(...tracker.finalizeAll());
  return { records: records.sort(compareRecords), problems, tracker };
}

export function one(facts: readonly Fact[]): TerminationRecord {
  const { records } = run(facts);
  if (records.length !== 1) throw new Error(`expected one record, got ${records.length}`);
  return records[0]!;
}
