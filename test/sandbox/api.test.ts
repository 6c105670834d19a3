// The sandbox API server over real HTTP: discovery, list/get/watch shapes, bookmarks, 410 Gone,
// Status bodies, Leases with optimistic concurrency, Table printing, and a client-node informer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig, makeInformer, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { getJson, streamLines, until } from "./helpers.ts";

const SCENARIO = `
name: api
timeScale: 0.02
namespaces: [shop]
workloads:
  - name: web
    namespace: shop
    replicas: 2
    containers: [{ name: app }]
`;

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ scenario: SCENARIO, historyLimit: 5, bookmarkIntervalMs: 100 });
});
afterAll(async () => {
  await sb.close();
});

describe("discovery", () => {
  it("serves /version, /api, /apis and resource lists", async () => {
    expect((await getJson(`${sb.url}/version`)).body).toMatchObject({ major: "1", minor: "32" });
    expect((await getJson(`${sb.url}/api`)).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const apis = await getJson<{ kind: string; groups: { name: string; preferredVersion: { groupVersion: string } }[] }>(`${sb.url}/apis`);
    expect(apis.body.kind).toBe("APIGroupList");
    const gvs = apis.body.groups.map((g) => g.preferredVersion.groupVersion);
    for (const gv of ["apps/v1", "discovery.k8s.io/v1", "events.k8s.io/v1", "batch/v1", "coordination.k8s.io/v1"]) expect(gvs).toContain(gv);

    const core = await getJson<{ kind: string; resources: { name: string; kind: string; namespaced: boolean; verbs: string[]; shortNames?: string[] }[] }>(`${sb.url}/api/v1`);
    expect(core.body.kind).toBe("APIResourceList");
    expect(core.body.resources.find((r) => r.name === "pods")).toMatchObject({ kind: "Pod", namespaced: true, shortNames: ["po"] });
    expect(core.body.resources.find((r) => r.name === "events")?.shortNames).toEqual(["ev"]);
    const apps = await getJson<{ resources: { name: string; shortNames?: string[] }[] }>(`${sb.url}/apis/apps/v1`);
    expect(apps.body.resources.find((r) => r.name === "deployments")?.shortNames).toEqual(["deploy"]);
    expect(apps.body.resources.find((r) => r.name === "replicasets")?.shortNames).toEqual(["rs"]);
    expect((await getJson(`${sb.url}/apis/nope/v1`)).status).toBe(404);
  });
});

describe("list and get", () => {
  it("lists every resource with kind, apiVersion and resourceVersion, items typed too", async () => {
    const cases: [string, string, string][] = [
      ["/api/v1/pods", "PodList", "v1"],
      ["/api/v1/namespaces/shop/pods", "PodList", "v1"],
      ["/api/v1/events", "EventList", "v1"],
      ["/apis/discovery.k8s.io/v1/endpointslices", "EndpointSliceList", "discovery.k8s.io/v1"],
      ["/apis/apps/v1/replicasets", "ReplicaSetList", "apps/v1"],
      ["/apis/apps/v1/namespaces/shop/deployments", "DeploymentList", "apps/v1"],
      ["/apis/apps/v1/statefulsets", "StatefulSetList", "apps/v1"],
      ["/apis/apps/v1/daemonsets", "DaemonSetList", "apps/v1"],
      ["/apis/batch/v1/jobs", "JobList", "batch/v1"],
      ["/api/v1/nodes", "NodeList", "v1"],
      ["/api/v1/namespaces", "NamespaceList", "v1"],
      ["/apis/coordination.k8s.io/v1/leases", "LeaseList", "coordination.k8s.io/v1"],
      ["/apis/events.k8s.io/v1/events", "EventList", "events.k8s.io/v1"],
    ];
    for (const [path, kind, apiVersion] of cases) {
      const { status, body } = await getJson<{ kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: { kind: string; apiVersion: string }[] }>(sb.url + path);
      expect(status, path).toBe(200);
      expect(body.kind, path).toBe(kind);
      expect(body.apiVersion, path).toBe(apiVersion);
      expect(Number(body.metadata.resourceVersion), path).toBeGreaterThan(0);
      for (const item of body.items) expect([item.kind, item.apiVersion]).toEqual([kind.replace(/List$/, ""), apiVersion]);
    }
    const pods = await getJson<{ items: V1Pod[] }>(`${sb.url}/api/v1/namespaces/shop/pods`);
    expect(pods.body.items).toHaveLength(2);
    const pod = pods.body.items[0]!;
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", controller: true });
    expect(pod.metadata?.labels?.["pod-template-hash"]).toBeTruthy();
    expect(pod.status?.phase).toBe("Running");

    const one = await getJson<V1Pod>(`${sb.url}/api/v1/namespaces/shop/pods/${pod.metadata!.name}`);
    expect(one.body.metadata?.uid).toBe(pod.metadata?.uid);
    const missing = await getJson(`${sb.url}/api/v1/namespaces/shop/pods/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
  });

  it("serves meta.k8s.io/v1 Tables when asked, with Terminating pods", async () => {
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const { body } = await getJson<{ kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { metadata: { namespace: string } } }[] }>(
      `${sb.url}/api/v1/pods`,
      { headers: { accept } },
    );
    expect(body.kind).toBe("Table");
    expect(body.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age"]);
    expect(body.rows[0]!.cells[1]).toBe("1/1");
    expect(body.rows[0]!.cells[2]).toBe("Running");
    expect(body.rows[0]!.object.metadata.namespace).toBe("shop");
  });
});

describe("watch", () => {
  it("streams ADDED for resourceVersion 0, then changes; sends bookmarks when asked", async () => {
    const lines: Record<string, unknown>[] = [];
    const ctrl = new AbortController();
    const done = streamLines(`${sb.url}/api/v1/namespaces/shop/pods?watch=1&resourceVersion=0&allowWatchBookmarks=true`, (l) => lines.push(l), ctrl.signal);
    await until(() => lines.some((l) => l.type === "BOOKMARK"), 3000, "a bookmark");
    ctrl.abort();
    await done;
    expect(lines.filter((l) => l.type === "ADDED")).toHaveLength(2);
    const bookmark = lines.find((l) => l.type === "BOOKMARK")!.object as { kind: string; metadata: { resourceVersion: string } };
    expect(bookmark.kind).toBe("Pod");
    expect(Number(bookmark.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it("ends the stream after timeoutSeconds", async () => {
    const start = Date.now();
    await streamLines(`${sb.url}/api/v1/pods?watch=true&timeoutSeconds=1`, () => {}, new AbortController().signal);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect(Date.now() - start).toBeLessThan(3000);
  });

  it("answers a too-old resourceVersion with 410 Expired (in-stream and as HTTP status)", async () => {
    // historyLimit is 5: six lease writes push the first version out of the window.
    const base = `${sb.url}/apis/coordination.k8s.io/v1/namespaces/shop/leases`;
    const created = await getJson<{ metadata: { resourceVersion: string } }>(base, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "churn" }, spec: { holderIdentity: "a" } }),
    });
    const old = created.body.metadata.resourceVersion;
    for (let i = 0; i < 6; i++) {
      await fetch(`${base}/churn`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ metadata: { name: "churn" }, spec: { holderIdentity: `h${i}` } }) });
    }
    const lines: Record<string, unknown>[] = [];
    const status = await streamLines(`${base}?watch=true&resourceVersion=${Number(old) - 1}`, (l) => lines.push(l), new AbortController().signal);
    expect(status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });

    const sb2 = await startSandbox({ scenario: SCENARIO, historyLimit: 1, expiredWatch: "http" });
    try {
      const res = await fetch(`${sb2.url}/api/v1/pods?watch=true&resourceVersion=1`);
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    } finally {
      await sb2.close();
    }
  });
});

describe("leases", () => {
  it("creates, gets, updates with optimistic concurrency, lists and watches", async () => {
    const base = `${sb.url}/apis/coordination.k8s.io/v1/namespaces/shop/leases`;
    const json = { "content-type": "application/json" };
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "drainwatch-ingester" }, spec: { holderIdentity: "pod-a", leaseDurationSeconds: 15 } };
    const created = await getJson<{ metadata: { resourceVersion: string; uid: string } }>(base, { method: "POST", headers: json, body: JSON.stringify(lease) });
    expect(created.status).toBe(201);
    expect((await getJson(base, { method: "POST", headers: json, body: JSON.stringify(lease) })).body).toMatchObject({ reason: "AlreadyExists", code: 409 });

    const events: Record<string, unknown>[] = [];
    const ctrl = new AbortController();
    void streamLines(`${base}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`, (l) => events.push(l), ctrl.signal);

    const rv = created.body.metadata.resourceVersion;
    const update = (holder: string, resourceVersion: string) =>
      getJson<{ metadata: { resourceVersion: string }; spec: { holderIdentity: string } }>(`${base}/drainwatch-ingester`, {
        method: "PUT",
        headers: json,
        body: JSON.stringify({ ...lease, metadata: { name: "drainwatch-ingester", resourceVersion }, spec: { holderIdentity: holder } }),
      });
    const ok = await update("pod-b", rv);
    expect(ok.status).toBe(200);
    expect(ok.body.spec.holderIdentity).toBe("pod-b");
    const stale = await update("pod-c", rv);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });

    const got = await getJson<{ spec: { holderIdentity: string } }>(`${base}/drainwatch-ingester`);
    expect(got.body.spec.holderIdentity).toBe("pod-b");
    const list = await getJson<{ items: unknown[] }>(base);
    expect(list.body.items.length).toBeGreaterThanOrEqual(1);
    await until(() => events.some((e) => e.type === "MODIFIED"), 2000, "lease MODIFIED");
    ctrl.abort();
    expect((await getJson(`${base}/missing`, { method: "PUT", headers: json, body: "{}" })).status).toBe(404);
  });
});

describe("client-node", () => {
  it("an informer lists and watches pods and sees a deletion play out", async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sb.kubeconfigYaml());
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(kc, "/api/v1/namespaces/shop/pods", () => api.listNamespacedPod({ namespace: "shop" }));
    const seen: string[] = [];
    informer.on("add", (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on("update", (p) => seen.push(`update ${p.metadata?.name} ${p.status?.phase}`));
    informer.on("delete", (p) => seen.push(`delete ${p.metadata?.name} ${p.status?.phase}`));
    await informer.start();
    try {
      await until(() => seen.filter((s) => s.startsWith("add")).length === 2, 3000, "informer adds");
      const name = seen[0]!.split(" ")[1]!;
      await api.deleteNamespacedPod({ name, namespace: "shop", gracePeriodSeconds: 5 });
      await until(() => seen.includes(`delete ${name} Succeeded`), 5000, "informer delete");
    } finally {
      await informer.stop();
    }
  });
});
