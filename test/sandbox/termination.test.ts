// Terminations through the sandbox's API, checked against reference sections 1, 4 and 6: the
// exact watch sequence of a graceful delete, force delete, API eviction, node-pressure eviction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { getJson, podEvents, recordTraffic, until, waitForEnds, type Seen } from "./helpers.ts";

const SCENARIO = `
name: termination
timeScale: 0.02
seed: 3
namespaces: [shop]
workloads:
  - name: web
    namespace: shop
    replicas: 4
    terminationGracePeriodSeconds: 30
    containers:
      - name: app
        behaviour: clean
        drainSeconds: 4
        preStop: { sleep: 5 }
    sidecars: [{ name: istio-proxy }]
  - name: stubborn
    namespace: shop
    replicas: 1
    terminationGracePeriodSeconds: 10
    containers: [{ name: worker, behaviour: ignore-sigterm }]
  - name: cache
    namespace: shop
    replicas: 1
    containers: [{ name: cache }]
schedule:
  - { at: 30, action: node-pressure, target: shop/cache }
`;

type Obj = Seen["object"] & {
  status?: { phase?: string; reason?: string; conditions?: { type: string; status: string; reason?: string }[]; containerStatuses?: { name: string; ready: boolean; state: Record<string, { exitCode?: number; reason?: string; finishedAt?: string | null }> }[] };
};

let sb: Sandbox;
let traffic: Awaited<ReturnType<typeof recordTraffic>>;

beforeAll(async () => {
  sb = await startSandbox({ scenario: SCENARIO });
  traffic = await recordTraffic(sb);
});
afterAll(async () => {
  traffic.stop();
  await sb.close();
});

async function runningPod(app: string): Promise<string> {
  const { body } = await getJson<{ items: Obj[] }>(`${sb.url}/api/v1/namespaces/shop/pods?labelSelector=app%3D${app}`);
  const pod = body.items.find((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp);
  if (!pod) throw new Error(`no running ${app} pod`);
  return pod.metadata.name;
}

function del(name: string, body: object): Promise<{ status: number; body: Obj }> {
  return getJson<Obj>(`${sb.url}/api/v1/namespaces/shop/pods/${name}`, { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

const deleted = (name: string) => () => traffic.seen.some((s) => s.type === "DELETED" && s.object.metadata.name === name);
const byRv = (a: Seen, b: Seen) => a.rv - b.rv;
const dgps = (s: Seen) => s.object.metadata.deletionGracePeriodSeconds as number | undefined;
const dts = (s: Seen) => s.object.metadata.deletionTimestamp as string | undefined;

describe("graceful delete", () => {
  it("plays out the kubelet sequence: deletionTimestamp, Killing, readiness, terminal status, grace-0 MODIFIED, DELETED", async () => {
    const name = await runningPod("web");
    const res = await del(name, { kind: "DeleteOptions", apiVersion: "v1" });
    expect(res.status).toBe(200);
    expect(res.body.metadata.deletionGracePeriodSeconds).toBe(30);
    await until(deleted(name), 5000, "DELETED");

    const pod = podEvents(traffic.seen, name).filter((s) => s.type !== "ADDED").sort(byRv);
    const uid = pod[0]!.object.metadata.uid;
    // 1. first terminating MODIFIED: deletionTimestamp = request + 30 s, still running
    const first = pod[0]!;
    expect(first.type).toBe("MODIFIED");
    expect(dgps(first)).toBe(30);
    expect((first.object as Obj).status?.phase).toBe("Running");
    const requestAt = Date.parse(dts(first)!) - 30_000;
    // seconds precision everywhere
    expect(dts(first)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // 2. Killing per container, after the deletion, before the terminal status
    const events = traffic.seen.filter((s) => s.object.kind === "Event" && (s.object.involvedObject as { uid: string }).uid === uid);
    const killing = events.filter((e) => e.object.reason === "Killing").sort(byRv);
    expect(killing.map((k) => k.object.message)).toEqual(["Stopping container app", "Stopping container istio-proxy"]);
    expect((killing[0]!.object.involvedObject as { fieldPath: string }).fieldPath).toBe("spec.containers{app}");
    expect(killing[0]!.rv).toBeGreaterThan(first.rv);

    // 3. readiness false while still Running
    const notReady = pod.find((s) => (s.object as Obj).status?.conditions?.some((c) => c.type === "Ready" && c.status === "False" && c.reason === "ContainersNotReady"));
    expect(notReady).toBeDefined();
    expect(notReady!.rv).toBeGreaterThan(killing[0]!.rv);

    // 4. terminal status before the kubelet's final delete, deletion fields unchanged
    const terminal = pod.find((s) => (s.object as Obj).status?.phase === "Succeeded")!;
    expect(terminal).toBeDefined();
    expect(dgps(terminal)).toBe(30);
    const cs = (terminal.object as Obj).status!.containerStatuses!;
    expect(cs.map((c) => [c.name, c.state.terminated?.exitCode, c.state.terminated?.reason])).toEqual([
      ["app", 0, "Completed"],
      ["istio-proxy", 0, "Completed"],
    ]);
    const appFinished = Date.parse(cs[0]!.state.terminated!.finishedAt!);
    const proxyFinished = Date.parse(cs[1]!.state.terminated!.finishedAt!);
    expect(proxyFinished).toBeLessThan(appFinished); // the classic sidecar leaves first
    expect(appFinished - requestAt).toBeGreaterThanOrEqual(9000); // preStop 5 s + drain 4 s
    expect(appFinished - requestAt).toBeLessThan(12000);
    expect((terminal.object as Obj).status!.conditions!.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });

    // 5. grace-0 MODIFIED with the deletion timestamp moved back to the request time, 6. DELETED
    const last2 = pod.slice(-2);
    expect(last2.map((s) => s.type)).toEqual(["MODIFIED", "DELETED"]);
    expect(last2.map(dgps)).toEqual([0, 0]);
    expect(Date.parse(dts(last2[0]!)!)).toBe(requestAt);
    expect(last2[1]!.object.status).toEqual(last2[0]!.object.status);
    expect(terminal.rv).toBeLessThan(last2[0]!.rv);

    // EndpointSlice: terminating (not ready) after the request, removed at the end
    const endpointOf = (s: Seen) => (s.object.endpoints as { targetRef: { uid: string }; conditions: { ready: boolean; terminating: boolean } }[]).find((e) => e.targetRef.uid === uid);
    const slicesNow = () => traffic.seen.filter((s) => s.object.kind === "EndpointSlice" && s.rv > first.rv).sort(byRv);
    await until(() => slicesNow().some((s) => endpointOf(s) === undefined), 2000, "endpoint removal");
    const slices = slicesNow();
    const unready = slices.find((s) => endpointOf(s)?.conditions.terminating === true);
    expect(unready).toBeDefined();
    expect(endpointOf(unready!)!.conditions.ready).toBe(false);
    expect(unready!.rv).toBeGreaterThan(first.rv);
    const removed = slices.find((s) => s.rv > unready!.rv && endpointOf(s) === undefined);
    expect(removed).toBeDefined();
  });

  it("refuses a delete whose UID precondition does not match (409)", async () => {
    const name = await runningPod("web");
    const res = await del(name, { preconditions: { uid: "not-this-one" } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });
    expect((await getJson<Obj>(`${sb.url}/api/v1/namespaces/shop/pods/${name}`)).body.metadata.deletionTimestamp).toBeUndefined();
  });

  it("SIGKILLs an app that ignores SIGTERM 2 s after its deadline (137/Error)", async () => {
    const name = await runningPod("stubborn");
    await del(name, {});
    await until(deleted(name), 5000, "DELETED");
    const pod = podEvents(traffic.seen, name).sort(byRv);
    const deadline = Date.parse(dts(pod.find((s) => dgps(s) === 10)!)!);
    const final = pod.at(-1)!.object as Obj;
    expect(final.status?.phase).toBe("Failed");
    const t = final.status!.containerStatuses![0]!.state.terminated!;
    expect([t.exitCode, t.reason]).toEqual([137, "Error"]);
    expect(Date.parse(t.finishedAt!) - deadline).toBe(2000);
  });
});

describe("force delete", () => {
  it("grace 0: MODIFIED with grace 0 then DELETED at once, still running, no kubelet status", async () => {
    const name = await runningPod("web");
    const res = await del(name, { gracePeriodSeconds: 0, propagationPolicy: "Background" });
    expect(res.status).toBe(200);
    await until(deleted(name), 2000, "DELETED");
    const pod = podEvents(traffic.seen, name).filter((s) => s.type !== "ADDED").sort(byRv);
    expect(pod.map((s) => s.type)).toEqual(["MODIFIED", "DELETED"]);
    expect(pod.map(dgps)).toEqual([0, 0]);
    expect(pod[1]!.rv).toBe(pod[0]!.rv + 1);
    const status = (pod[1]!.object as Obj).status!;
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses!.every((c) => c.state.running !== undefined)).toBe(true);
    expect(sb.groundTruth().find((g) => g.pod === name)).toMatchObject({ cause: "force-delete", outcome: "unknown", gracePeriodSeconds: 0 });
  });
});

describe("eviction", () => {
  it("adds DisruptionTarget EvictionByEvictionAPI, then deletes with the spec grace", async () => {
    const name = await runningPod("web");
    const before = Number((await getJson<{ metadata: { resourceVersion: string } }>(`${sb.url}/api/v1/pods`)).body.metadata.resourceVersion);
    const res = await getJson(`${sb.url}/api/v1/namespaces/shop/pods/${name}/eviction`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "shop" } }),
    });
    expect(res.status).toBe(201);
    await until(() => podEvents(traffic.seen, name).some((s) => dts(s) !== undefined), 2000, "deletion");
    const pod = podEvents(traffic.seen, name).filter((s) => s.rv > before).sort(byRv);
    const condition = (s: Seen) => (s.object as Obj).status?.conditions?.find((c) => c.type === "DisruptionTarget");
    expect(condition(pod[0]!)).toMatchObject({ status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" });
    expect(dts(pod[0]!)).toBeUndefined();
    expect(dgps(pod[1]!)).toBe(30);
    expect(condition(pod[1]!)).toBeDefined();
    expect(sb.groundTruth().find((g) => g.pod === name)).toMatchObject({ cause: "eviction", outcome: "clean", gracePeriodSeconds: 30 });
    expect((await getJson(`${sb.url}/api/v1/namespaces/shop/pods/nope/eviction`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("node-pressure eviction", () => {
  it("no deletionTimestamp: Evicted, Killing, then Failed/Evicted with TerminationByKubelet and ContainerStatusUnknown; the object stays", async () => {
    await until(() => sb.groundTruth().some((g) => g.cause === "node-pressure" && g.endedAt !== null), 5000, "node pressure");
    const truth = sb.groundTruth().find((g) => g.cause === "node-pressure")!;
    await waitForEnds(traffic.seen, [truth.podUid]); // the simulator knows before the watch delivers
    const pod = podEvents(traffic.seen, truth.pod).sort(byRv);
    expect(pod.every((s) => dts(s) === undefined && s.type !== "DELETED")).toBe(true);
    const final = pod.at(-1)!.object as Obj;
    expect(final.status).toMatchObject({ phase: "Failed", reason: "Evicted" });
    expect(final.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "TerminationByKubelet" });
    expect(final.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 137, reason: "ContainerStatusUnknown", finishedAt: null });
    // DisruptionTarget only arrives together with the terminal phase
    for (const s of pod) {
      const o = s.object as Obj;
      if (o.status?.conditions?.some((c) => c.type === "DisruptionTarget")) expect(o.status.phase).toBe("Failed");
    }
    const events = traffic.seen.filter((s) => s.object.kind === "Event" && (s.object.involvedObject as { uid: string }).uid === truth.podUid).sort(byRv);
    expect(events.map((e) => e.object.reason)).toEqual(["Evicted", "Killing"]);
    expect(events[0]!.object.message).toMatch(/^The node was low on resource: memory\. /);
    const still = await getJson(`${sb.url}/api/v1/namespaces/shop/pods/${truth.pod}`);
    expect(still.status).toBe(200);
  });
});
