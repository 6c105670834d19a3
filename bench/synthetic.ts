// Deterministic synthetic capture (NDJSON) for the benchmark: a cluster of Deployments whose
// pods go through rollouts, scale-downs and evictions with the kubelet's full termination
// sequence (as in /work/shared/examples), plus a lot of status churn on running pods.
//
//   npx tsx bench/synthetic.ts OUT.ndjson [--terminations 12000] [--churn 110000] [--seed 42]
//
// Same arguments, same bytes. Prints {events, terminations, bytes} as JSON on stdout.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { MinHeap } from "../lib/tracker/heap.ts";

type Json = Record<string, unknown>;

// ---- deterministic randomness (mulberry32)
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

const START = Date.parse("2026-05-11T00:00:00.000Z");
const iso = (ms: number): string => new Date(ms).toISOString();
const isoS = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

// ---- scheduled events, emitted in (time, sequence) order
interface Scheduled {
  t: number;
  seq: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** Builds the object at emission time (so resourceVersions follow file order). */
  make: () => Json;
}

// ---- model
interface Deploy {
  ns: string;
  name: string;
  uid: string;
  revision: number;
  replicas: number;
  rs: Rs; // current ReplicaSet
  slice: Slice;
  preStop: boolean;
  grace: number;
  behaviour: "clean" | "slow" | "ignore" | "oom" | "sigterm";
}
interface Rs {
  name: string;
  uid: string;
  hash: string;
  revision: number;
  replicas: number;
}
interface Slice {
  name: string;
  uid: string;
  /** pod uid -> endpoint */
  endpoints: Map<string, { ip: string; node: string; name: string; ready: boolean; terminating: boolean }>;
}
interface PodState {
  d: Deploy;
  rs: Rs;
  name: string;
  uid: string;
  node: string;
  ip: string;
  created: number;
  terminating: boolean;
  restarts: number;
  churn: number;
}

export interface SyntheticOptions {
  terminations: number;
  churn: number;
  seed: number;
}

export async function generateCapture(out: string, opts: SyntheticOptions) {
  const rand = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hex = (n: number): string => {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)];
    return s;
  };
  const uuid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const alnum = (n: number): string => {
    let s = "";
    for (let i = 0; i < n; i++) s += "bcdfghjklmnpqrstvwxz2456789"[Math.floor(rand() * 27)];
    return s;
  };
  const ipOf = (): string => `10.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`;

  const ws = createWriteStream(out, { highWaterMark: 4 * 1024 * 1024 });
  let buf: string[] = [];
  let bufLen = 0;
  let bytes = 0;
  let events = 0;
  let rv = 1000;
  const write = async (line: string): Promise<void> => {
    buf.push(line);
    bufLen += line.length + 1;
    events++;
    if (bufLen >= 1 << 20) await flush();
  };
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const data = buf.join("\n") + "\n";
    buf = [];
    bufLen = 0;
    bytes += Buffer.byteLength(data);
    if (!ws.write(data)) await once(ws, "drain");
  };
  const emit = async (t: number, type: string, obj: Json): Promise<void> => {
    (obj.metadata as Json).resourceVersion = String(++rv);
    await write(JSON.stringify({ at: iso(t), type, object: obj }));
  };

  const nodes = Array.from({ length: 40 }, (_, i) => `node-${i + 1}`);
  const namespaces = Array.from({ length: 24 }, (_, i) => `team-${i + 1}`);
  const apps = ["checkout", "ledger", "search", "cart", "auth", "reports", "api", "web", "worker", "cache", "orders", "billing"];
  const behaviours: Deploy["behaviour"][] = ["clean", "clean", "clean", "clean", "slow", "ignore", "oom", "sigterm"];

  // ---- object builders (sizes like real API objects: ~1.5-3 KB for pods)
  const deployObj = (d: Deploy): Json => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: d.name,
      namespace: d.ns,
      uid: d.uid,
      generation: d.revision,
      labels: { app: d.name, "app.kubernetes.io/part-of": "shop" },
      annotations: { "deployment.kubernetes.io/revision": String(d.revision) },
    },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: { app: d.name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    },
    status: { replicas: d.replicas, readyReplicas: d.replicas, updatedReplicas: d.replicas, observedGeneration: d.revision },
  });
  const rsObj = (d: Deploy, rs: Rs): Json => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: rs.name,
      namespace: d.ns,
      uid: rs.uid,
      labels: { app: d.name, "pod-template-hash": rs.hash },
      annotations: {
        "deployment.kubernetes.io/revision": String(rs.revision),
        "deployment.kubernetes.io/desired-replicas": String(d.replicas),
        "deployment.kubernetes.io/max-replicas": String(d.replicas + 1),
      },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: d.name, uid: d.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { replicas: rs.replicas, selector: { matchLabels: { app: d.name, "pod-template-hash": rs.hash } } },
    status: { replicas: rs.replicas, readyReplicas: rs.replicas, availableReplicas: rs.replicas },
  });
  const sliceObj = (d: Deploy): Json => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    addressType: "IPv4",
    metadata: {
      name: d.slice.name,
      namespace: d.ns,
      uid: d.slice.uid,
      labels: { "kubernetes.io/service-name": d.name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
    },
    endpoints: [...d.slice.endpoints].map(([uid, e]) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready, serving: !e.terminating || e.ready, terminating: e.terminating },
      nodeName: e.node,
      targetRef: { kind: "Pod", name: e.name, namespace: d.ns, uid },
    })),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  });
  interface PodView {
    phase?: string;
    ready?: boolean;
    deletion?: { at: number; grace: number };
    terminated?: { exitCode: number; reason: string; finishedAt: number };
    disruption?: string;
    churnTick?: number;
  }
  const podObj = (p: PodState, v: PodView): Json => {
    const d = p.d;
    const ready = v.ready ?? true;
    const mainState = v.terminated
      ? {
          terminated: {
            exitCode: v.terminated.exitCode,
            reason: v.terminated.reason,
            startedAt: isoS(p.created + 2000),
            finishedAt: isoS(v.terminated.finishedAt),
            containerID: `containerd://${p.uid.replace(/-/g, "")}${p.uid.replace(/-/g, "")}`.slice(0, 77),
          },
        }
      : { running: { startedAt: isoS(p.created + 2000) } };
    const conditions: Json[] = [
      { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: isoS(p.created + 1000) },
      { type: "Initialized", status: "True", lastTransitionTime: isoS(p.created + 500) },
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: isoS(p.created + 3000 + (v.churnTick ?? 0) * 1000) },
      { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: isoS(p.created + 3000) },
      { type: "PodScheduled", status: "True", lastTransitionTime: isoS(p.created) },
    ];
    if (v.disruption) {
      conditions.push({
        type: "DisruptionTarget",
        status: "True",
        reason: v.disruption,
        message: "Eviction API: evicting",
        lastTransitionTime: isoS(v.deletion?.at ?? p.created),
      });
    }
    const metadata: Json = {
      name: p.name,
      generateName: `${p.rs.name}-`,
      namespace: d.ns,
      uid: p.uid,
      labels: { app: d.name, "pod-template-hash": p.rs.hash, "app.kubernetes.io/version": `1.${p.rs.revision}.0` },
      annotations: {
        "kubectl.kubernetes.io/restartedAt": isoS(p.created - 3600_000),
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
      },
      creationTimestamp: isoS(p.created),
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: p.rs.name, uid: p.rs.uid, controller: true, blockOwnerDeletion: true },
      ],
    };
    if (v.deletion) {
      metadata.deletionTimestamp = isoS(v.deletion.at + v.deletion.grace * 1000);
      metadata.deletionGracePeriodSeconds = v.deletion.grace;
    }
    const app: Json = {
      name: "app",
      image: `registry.example/${d.name}:1.${p.rs.revision}.0`,
      ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }, { containerPort: 9090, name: "metrics", protocol: "TCP" }],
      env: [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "LOG_LEVEL", value: "info" },
      ],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 2, failureThreshold: 2 },
      livenessProbe: { httpGet: { path: "/live", port: 8080 }, periodSeconds: 10 },
      volumeMounts: [{ name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
    };
    if (d.preStop) app.lifecycle = { preStop: { sleep: { seconds: 5 } } };
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata,
      spec: {
        nodeName: p.node,
        serviceAccountName: d.name,
        terminationGracePeriodSeconds: d.grace,
        restartPolicy: "Always",
        dnsPolicy: "ClusterFirst",
        containers: [app],
        tolerations: [
          { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
          { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        ],
      },
      status: {
        phase: v.phase ?? "Running",
        conditions,
        hostIP: `192.168.${nodes.indexOf(p.node)}.10`,
        podIP: p.ip,
        podIPs: [{ ip: p.ip }],
        startTime: isoS(p.created),
        qosClass: "Burstable",
        containerStatuses: [
          {
            name: "app",
            ready: ready && !v.terminated,
            started: !v.terminated,
            restartCount: p.restarts,
            image: `registry.example/${d.name}:1.${p.rs.revision}.0`,
            imageID: `registry.example/${d.name}@sha256:${p.rs.uid.replace(/-/g, "")}${p.rs.uid.replace(/-/g, "")}`.slice(0, 90),
            state: mainState,
          },
        ],
      },
    };
  };
  const eventObj = (p: PodState, t: number, reason: string, message: string, type = "Normal"): Json => ({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${p.name}.${hex(15)}`, namespace: p.d.ns, uid: uuid() },
    involvedObject: { kind: "Pod", namespace: p.d.ns, name: p.name, uid: p.uid, apiVersion: "v1", fieldPath: "spec.containers{app}" },
    reason,
    type,
    message,
    source: { component: "kubelet", host: p.node },
    firstTimestamp: isoS(t),
    lastTimestamp: isoS(t),
    count: 1,
    reportingComponent: "kubelet",
    reportingInstance: p.node,
  });

  // ---- initial cluster
  const deploys: Deploy[] = [];
  const pods = new Map<string, PodState>(); // running, not terminating
  const podList: PodState[] = []; // for random picks (lazy removal)
  let now = START;
  const newRs = (d: Deploy, revision: number, replicas: number): Rs => {
    const hash = alnum(9);
    return { name: `${d.name}-${hash}`, uid: uuid(), hash, revision, replicas };
  };
  const newPod = (d: Deploy, rs: Rs, t: number): PodState => {
    const p: PodState = {
      d,
      rs,
      name: `${rs.name}-${alnum(5)}`,
      uid: uuid(),
      node: pick(nodes),
      ip: ipOf(),
      created: t,
      terminating: false,
      restarts: 0,
      churn: 0,
    };
    pods.set(p.uid, p);
    podList.push(p);
    return p;
  };

  for (const ns of namespaces) {
    for (const app of apps) {
      if (rand() < 0.35) continue;
      const d: Deploy = {
        ns,
        name: app,
        uid: uuid(),
        revision: 1 + Math.floor(rand() * 20),
        replicas: 2 + Math.floor(rand() * 7),
        rs: undefined as unknown as Rs,
        slice: { name: `${app}-${alnum(5)}`, uid: uuid(), endpoints: new Map() },
        preStop: rand() < 0.5,
        grace: pick([30, 30, 30, 60, 10]),
        behaviour: pick(behaviours),
      };
      d.rs = newRs(d, d.revision, d.replicas);
      deploys.push(d);
      await emit(now, "ADDED", deployObj(d));
      await emit(now, "ADDED", rsObj(d, d.rs));
      for (let i = 0; i < d.replicas; i++) {
        const p = newPod(d, d.rs, now - 86_400_000);
        d.slice.endpoints.set(p.uid, { ip: p.ip, node: p.node, name: p.name, ready: true, terminating: false });
        await emit(now, "ADDED", podObj(p, {}));
      }
      await emit(now, "ADDED", sliceObj(d));
    }
  }

  // ---- scheduled lifecycle events
  const heap = new MinHeap<Scheduled>((x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq));
  let seq = 0;
  const at = (t: number, type: Scheduled["type"], make: () => Json): void => heap.push({ t, seq: seq++, type, make });
  const sliceUpdate = (t: number, d: Deploy, change: () => void): void =>
    at(t, "MODIFIED", () => {
      change();
      return sliceObj(d);
    });

  /** The kubelet sequence for an API deletion of p at time t (and a replacement pod). */
  const terminate = (p: PodState, t: number, kind: "rollout" | "scale-down" | "eviction" | "force"): void => {
    p.terminating = true;
    pods.delete(p.uid);
    const d = p.d;
    const grace = kind === "force" ? 0 : d.grace;
    const deletion = { at: t, grace };
    const disruption = kind === "eviction" ? "EvictionByEvictionAPI" : undefined;
    const deadline = t + grace * 1000;
    // exit time and status by behaviour
    let exitAt: number;
    let term: PodView["terminated"];
    switch (kind === "force" ? "force" : d.behaviour) {
      case "clean":
        exitAt = t + (d.preStop ? 5000 : 0) + 1000 + Math.floor(rand() * 3000);
        term = { exitCode: 0, reason: "Completed", finishedAt: exitAt };
        break;
      case "slow":
        exitAt = Math.min(deadline - 500, t + (d.preStop ? 5000 : 0) + Math.floor(rand() * grace * 900));
        term = { exitCode: 0, reason: "Completed", finishedAt: exitAt };
        break;
      case "ignore":
        exitAt = deadline + 2000;
        term = { exitCode: 137, reason: "Error", finishedAt: exitAt };
        break;
      case "oom":
        exitAt = t + 3000 + Math.floor(rand() * 5000);
        term = { exitCode: 137, reason: "OOMKilled", finishedAt: exitAt };
        break;
      case "sigterm":
        exitAt = t + 1000 + Math.floor(rand() * 2000);
        term = { exitCode: 143, reason: "Error", finishedAt: exitAt };
        break;
      default: // force delete: the pod object is gone at once, no final status
        exitAt = t + 100;
        term = undefined;
    }
    at(t + 50 + Math.floor(rand() * 100), "MODIFIED", () => podObj(p, { deletion, disruption }));
    if (kind !== "force") {
      at(t + 80 + Math.floor(rand() * 400), "ADDED", () => eventObj(p, t, "Killing", "Stopping container app"));
    }
    const epAt = t + 150 + Math.floor(rand() * 500);
    sliceUpdate(epAt, d, () => {
      const e = d.slice.endpoints.get(p.uid);
      if (e) {
        e.ready = false;
        e.terminating = true;
      }
    });
    if (kind === "force") {
      at(t + 60 + 200, "DELETED", () => podObj(p, { deletion, disruption, ready: true }));
    } else {
      at(t + 2000 + Math.floor(rand() * 500), "MODIFIED", () => podObj(p, { deletion, disruption, ready: false }));
      const phase = term && term.exitCode === 0 ? "Succeeded" : "Failed";
      at(exitAt + 300, "MODIFIED", () => podObj(p, { deletion, disruption, ready: false, terminated: term }));
      const g0 = { at: exitAt + 450 - 0, grace: 0 };
      // kubelet's final grace-0 delete rewrites deletionTimestamp/grace (must not win).
      at(exitAt + 450, "MODIFIED", () =>
        podObj(p, { deletion: { at: g0.at, grace: 0 }, disruption, ready: false, terminated: term, phase }),
      );
      at(exitAt + 500, "DELETED", () =>
        podObj(p, { deletion: { at: g0.at, grace: 0 }, disruption, ready: false, terminated: term, phase }),
      );
    }
    sliceUpdate(Math.max(epAt, exitAt) + 550, d, () => {
      d.slice.endpoints.delete(p.uid);
    });
    // Replacement (rollout/eviction/force); a scale-down is undone by a scale-up a minute later.
    if (kind !== "scale-down") {
      addPod(d, t + 200);
    } else {
      at(t + 60_000, "MODIFIED", () => {
        d.replicas++;
        d.rs.replicas++;
        return deployObj(d);
      });
      at(t + 60_001, "MODIFIED", () => rsObj(d, d.rs));
      addPod(d, t + 60_200);
    }
  };

  /** A new pod of d's current ReplicaSet: Pending, Running, Ready, then into the slice. */
  const addPod = (d: Deploy, t: number): void => {
    let np: PodState | null = null;
    at(t, "ADDED", () => {
      const rs = d.rs;
      np = {
        d,
        rs,
        name: `${rs.name}-${alnum(5)}`,
        uid: uuid(),
        node: pick(nodes),
        ip: ipOf(),
        created: t,
        terminating: false,
        restarts: 0,
        churn: 0,
      };
      return podObj(np, { phase: "Pending", ready: false });
    });
    at(t + 1300, "MODIFIED", () => podObj(np!, { ready: false }));
    at(t + 3300, "MODIFIED", () => podObj(np!, { ready: true }));
    sliceUpdate(t + 3400, d, () => {
      const p = np!;
      pods.set(p.uid, p);
      podList.push(p);
      d.slice.endpoints.set(p.uid, { ip: p.ip, node: p.node, name: p.name, ready: true, terminating: false });
    });
  };

  let terminations = 0;
  let churned = 0;
  let idle = 0;
  const churnPerTermination = opts.churn / Math.max(1, opts.terminations);
  while (terminations < opts.terminations || churned < opts.churn || heap.size > 0) {
    // one step: ~250 ms of virtual time
    now += 100 + Math.floor(rand() * 300);
    if (terminations < opts.terminations && rand() < 0.5) {
      const d = pick(deploys);
      const live = [...d.slice.endpoints.keys()].map((u) => pods.get(u)).filter((p): p is PodState => !!p);
      if (live.length > 1) {
        const r = rand();
        const p = pick(live);
        if (r < 0.7) {
          // rollout step: new revision when all pods run the current one
          if (p.rs === d.rs) {
            d.revision++;
            const old = d.rs;
            d.rs = newRs(d, d.revision, d.replicas);
            old.replicas = Math.max(0, old.replicas - 1);
            const rs = d.rs;
            at(now, "MODIFIED", () => deployObj(d));
            at(now + 1, "ADDED", () => rsObj(d, rs));
            at(now + 2, "MODIFIED", () => rsObj(d, old));
          }
          terminate(p, now + 10, p.rs === d.rs ? "eviction" : "rollout");
        } else if (r < 0.85) {
          const rs = p.rs;
          rs.replicas = Math.max(0, rs.replicas - 1);
          d.replicas = Math.max(1, d.replicas - 1);
          at(now, "MODIFIED", () => deployObj(d));
          at(now + 1, "MODIFIED", () => rsObj(d, rs));
          terminate(p, now + 10, "scale-down");
        } else if (r < 0.97) {
          terminate(p, now + 10, "eviction");
        } else {
          terminate(p, now + 10, "force");
        }
        terminations++;
        idle = 0;
      }
    }
    if (terminations < opts.terminations && ++idle > 100_000) {
      throw new Error("synthetic: no pod left to terminate (generator bug)");
    }
    // churn on running pods
    const n = churned < opts.churn ? Math.round(churnPerTermination * (0.5 + rand())) : 0;
    for (let i = 0; i < n && churned < opts.churn; i++) {
      const p = podList[Math.floor(rand() * podList.length)]!;
      if (!pods.has(p.uid)) continue; // gone or terminating
      p.churn++;
      churned++;
      idle = 0;
      if (rand() < 0.01) p.restarts++;
      at(now + Math.floor(rand() * 250), "MODIFIED", () => podObj(p, { churnTick: p.churn, ready: rand() < 0.97 }));
    }
    // compact the pick list now and then
    if (podList.length > pods.size * 4 + 1000) {
      const keep = podList.filter((p) => pods.has(p.uid));
      podList.length = 0;
      podList.push(...keep);
    }
    while (heap.size > 0 && heap.peek()!.t <= now) {
      const s = heap.pop()!;
      await emit(s.t, s.type, s.make());
    }
    if (terminations >= opts.terminations && churned >= opts.churn) now += 1000;
  }
  await flush();
  ws.end();
  await once(ws, "finish");
  return { events, terminations, bytes };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      terminations: { type: "string", default: "12000" },
      churn: { type: "string", default: "110000" },
      seed: { type: "string", default: "42" },
    },
  });
  const out = positionals[0];
  if (!out) {
    process.stderr.write("usage: tsx bench/synthetic.ts OUT.ndjson [--terminations N] [--churn N] [--seed S]\n");
    process.exit(2);
  }
  const r = await generateCapture(out, {
    terminations: Number(values.terminations),
    churn: Number(values.churn),
    seed: Number(values.seed),
  });
  process.stdout.write(JSON.stringify(r) + "\n");
}
