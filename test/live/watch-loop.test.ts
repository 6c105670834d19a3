// The list/watch loop against the sandbox cluster (its bounded watch history answers old versions
// by replaying them and 410 beyond): a list hands on its version, a stream started from a stored
// version watches without listing and replays exactly the events since, bookmarks advance the
// position, a resume past the history relists and reports a history-expired gap without inventing
// anything, and a relist's tombstones make the same stale-delete records as the whole objects.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import type { FactItem } from "../../lib/sources/item.ts";
import { startInformers, type LiveSource, type StreamGap } from "../../lib/sources/live/informers.ts";
import { kubeRequest } from "../../lib/sources/live/request.ts";
import { ObjectIndex } from "../../lib/sources/live/object-index.ts";
import { WATCHED_RESOURCES } from "../../lib/sources/live/resources.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";
import { kubeConfigOf, until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
const pods = WATCHED_RESOURCES.filter((r) => r.resource === "pods");
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const SCENARIO = `
name: watch-loop
timeScale: 1
seed: 3
namespaces: [shop]
nodes: [node-1]
workloads:
  - name: web
    namespace: shop
    replicas: 6
    terminationGracePeriodSeconds: 30
    containers:
      - name: app
        behaviour: clean
        preStop: { sleep: 2 }
    sidecars:
      - name: istio-proxy
`;

async function sandbox(opts: { historyLimit?: number; bookmarkIntervalMs?: number } = {}): Promise<{ sb: Sandbox; requests: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), "dw-watch-loop-"));
  const file = path.join(dir, "scenario.yaml");
  await writeFile(file, SCENARIO);
  const requests: string[] = [];
  const sb = await startSandbox({ scenario: file, ...opts, onRequest: (method, url) => requests.push(`${method} ${url}`) });
  cleanups.push(async () => {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { sb, requests };
}

function collect(source: LiveSource): { facts: FactItem[]; done: Promise<void> } {
  const facts: FactItem[] = [];
  const done = (async () => {
    for await (const batch of source.batches()) for (const item of batch) if (item.kind === "fact") facts.push(item);
  })();
  return { facts, done };
}

function start(sb: Sandbox, extra: Partial<Parameters<typeof startInformers>[0]> = {}): { source: LiveSource; facts: FactItem[]; gaps: StreamGap[] } {
  const gaps: StreamGap[] = [];
  const source = startInformers({ kubeConfig: kubeConfigOf(sb), resources: pods, metrics: createMetrics(), log: quiet, backoff: { initialMs: 50, maxMs: 200 }, onGap: (g) => gaps.push(g), ...extra });
  const { facts, done } = collect(source);
  cleanups.push(async () => {
    await source.stop();
    await done;
  });
  return { source, facts, gaps };
}

const lastPosition = (facts: FactItem[]): string | undefined => facts.filter((f) => f.resume).at(-1)?.resume?.resourceVersion;

/** Synced, and the consumer has taken the list (its position is the last thing the list hands on). */
async function synced(s: { source: LiveSource; facts: FactItem[] }): Promise<string> {
  expect(await s.source.waitForSync(5000)).toBe(true);
  await until(() => lastPosition(s.facts) !== undefined, 3000, "the stream position");
  return lastPosition(s.facts)!;
}
const podName = (f: FactItem): string => (f.fact.object as { metadata: { name: string } }).metadata.name;
const isPodList = (r: string): boolean => r.startsWith("GET /api/v1/pods?") && !r.includes("watch=true");

describe("list/watch loop against the sandbox", () => {
  it("lists page by page, then hands on the list's version as the stream position", async () => {
    const { sb, requests } = await sandbox();
    const { source, facts, gaps } = start(sb, { pageSize: 4 });
    await synced({ source, facts });
    const objects = facts.filter((f) => f.fact.type !== "BOOKMARK");
    expect(objects.map((f) => f.fact.type)).toEqual(Array(6).fill("ADDED"));
    expect(requests.filter(isPodList).length).toBe(2); // 6 pods, 4 per page
    // The position comes after every listed item, on a BOOKMARK fact.
    const positioned = facts.findIndex((f) => f.resume !== undefined);
    expect(positioned).toBe(objects.length);
    expect(facts[positioned]!.fact.type).toBe("BOOKMARK");
    expect(gaps).toEqual([]); // a fresh start with no checkpoint and no records misses nothing
  });

  it("resumes from a stored version without listing and replays exactly the events since", async () => {
    const { sb, requests } = await sandbox();
    const first = start(sb);
    const rv = await synced(first);
    await first.source.stop();

    // While nobody watches: two pods change, one is deleted.
    const live = sb.driver.livePods();
    for (const p of live.slice(0, 2)) sb.driver.updatePod(p.namespace, p.name, (x) => void (x.metadata.labels = { ...x.metadata.labels, touched: "yes" }));
    sb.driver.deletePod(live[2]!.namespace, live[2]!.name, 0);
    const listsBefore = requests.filter(isPodList).length;

    const second = start(sb, { start: { pods: { resourceVersion: rv, observedAt: sb.now() } } });
    expect(await second.source.waitForSync(5000)).toBe(true);
    await until(() => second.facts.some((f) => f.fact.type === "DELETED"), 5000, "the replayed delete");
    expect(requests.filter(isPodList).length, "no list on resume").toBe(listsBefore);
    const replayed = second.facts.filter((f) => f.fact.type !== "BOOKMARK");
    expect(replayed.every((f) => f.resume !== undefined && Number(f.resume.resourceVersion) > Number(rv))).toBe(true);
    // The changed pods and the deleted one, plus any replacement the ReplicaSet created since;
    // no pod from before is sent again unchanged (that would be a relist).
    const changed = new Set([live[0]!.name, live[1]!.name, live[2]!.name]);
    const before = new Set(first.facts.filter((f) => f.fact.type !== "BOOKMARK").map(podName));
    for (const name of changed) expect(replayed.map(podName)).toContain(name);
    for (const f of replayed) if (!changed.has(podName(f))) expect({ pod: podName(f), type: f.fact.type, known: before.has(podName(f)) }).toEqual({ pod: podName(f), type: "ADDED", known: false });
    expect(second.gaps).toEqual([]);
  });

  it("bookmarks advance a quiet stream's position", async () => {
    const { sb } = await sandbox({ bookmarkIntervalMs: 100 });
    const { source, facts } = start(sb);
    const listed = await synced({ source, facts });
    const p = sb.driver.livePods()[0]!;
    sb.driver.updatePod(p.namespace, p.name, (x) => void (x.metadata.labels = { ...x.metadata.labels, n: "1" }));
    await until(() => facts.some((f) => f.fact.type === "BOOKMARK" && Number(f.resume?.resourceVersion) > Number(listed)), 3000, "a bookmark past the list");
  });

  it("a resume past the watch history relists, reports a history-expired gap, and invents nothing", async () => {
    const { sb, requests } = await sandbox({ historyLimit: 5 });
    const first = start(sb);
    const rv = await synced(first);
    const seenAt = sb.now() - 60_000;
    await first.source.stop();
    // More changes than the history holds; one pod vanishes meanwhile.
    const live = sb.driver.livePods();
    for (let i = 0; i < 12; i++) sb.driver.updatePod(live[i % 3]!.namespace, live[i % 3]!.name, (x) => void (x.metadata.labels = { ...x.metadata.labels, n: String(i) }));
    sb.driver.deletePod(live[4]!.namespace, live[4]!.name, 0);

    const second = start(sb, { start: { pods: { resourceVersion: rv, observedAt: seenAt } }, clock: () => sb.now() });
    expect(await second.source.waitForSync(5000)).toBe(true);
    await until(() => second.gaps.length === 1, 5000, "the gap");
    const gap = second.gaps[0]!;
    expect(gap).toMatchObject({ stream: "pods", resource: "pods", reason: "history-expired", from: seenAt });
    expect(gap.to).toBeGreaterThan(seenAt);
    expect(requests.filter(isPodList).length).toBeGreaterThanOrEqual(2);
    // The relist shows the pods that exist; the vanished one is not made up as a delete.
    const objects = second.facts.filter((f) => f.fact.type !== "BOOKMARK");
    expect(objects.every((f) => f.fact.type === "ADDED")).toBe(true);
    expect(new Set(objects.map(podName))).toEqual(new Set(sb.driver.livePods().map((p) => p.name)));
    expect(objects.map(podName)).not.toContain(live[4]!.name);
  });

  it("a relist's tombstones give the same stale-delete records as the whole objects did", async () => {
    const { sb } = await sandbox();
    const kc = kubeConfigOf(sb);
    const get = async (p: string): Promise<Record<string, unknown>[]> => ((await kubeRequest(kc, { path: p })).body as { items: Record<string, unknown>[] }).items;
    const owners = [
      ...(await get("/apis/apps/v1/deployments")).map((o) => ({ apiVersion: "apps/v1", kind: "Deployment", ...o })),
      ...(await get("/apis/apps/v1/replicasets")).map((o) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", ...o })),
    ];
    const listed: Record<string, unknown>[] = (await get("/api/v1/pods")).map((o) => ({ apiVersion: "v1", kind: "Pod", ...o }));
    expect(listed.length).toBe(6);
    const index = new ObjectIndex("v1", "Pod");
    for (const p of listed) {
      const m = p.metadata as { uid: string; resourceVersion: string };
      index.remember(m.uid, m.resourceVersion, p);
    }
    const tombstones = index.staleAfterRelist(new Set());
    expect(index.size).toBe(0);
    expect(tombstones.length).toBe(6);
    const records = (objects: unknown[]) => {
      const t = new Tracker({ cluster: "sandbox", settleMs: 0 });
      const at = Date.parse("2026-12-01T12:00:00Z");
      for (const o of owners) t.ingest({ at, type: "ADDED", object: o });
      for (const o of objects) t.ingest({ at: at + 1000, type: "DELETED", object: o });
      return t.tick(at + 10_000).sort((a, b) => a.pod.localeCompare(b.pod));
    };
    const fromWhole = records(listed);
    expect(fromWhole.length).toBe(6);
    expect(fromWhole.every((r) => r.notes.includes("relist-stale-delete"))).toBe(true);
    expect(records(tombstones)).toEqual(fromWhole);
    // The shared container spec is kept once, not per pod.
    expect(JSON.stringify(tombstones[0]).length).toBeLessThan(JSON.stringify(listed[0]).length);
  });
});
