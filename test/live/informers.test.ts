// The live source against the fake API server: raw objects with type meta, restarts after HTTP
// errors, 410 relists with stale deletes, silent-watch reconnects, malformed events.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createMetrics, type Metrics } from "../../lib/metrics/registry.ts";
import { startInformers, type LiveSource, type StreamGap } from "../../lib/sources/live/informers.ts";
import { WATCHED_RESOURCES } from "../../lib/sources/live/resources.ts";
import type { FactItem } from "../../lib/sources/item.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { startFakeApiServer, type FakeApiServer } from "./fake-apiserver.ts";
import { NS, pod, seed, terminateCleanly, until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
const podsOnly = WATCHED_RESOURCES.filter((r) => r.resource === "pods");

let api: FakeApiServer;
let metrics: Metrics;
let source: LiveSource | null = null;
let facts: FactItem[] = [];
let pumping: Promise<void> | null = null;

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

function start(extra: Partial<Parameters<typeof startInformers>[0]> = {}): LiveSource {
  source = startInformers({
    kubeConfig: api.kubeConfig(),
    metrics,
    log: quiet,
    backoff: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
  const s = source;
  pumping = (async () => {
    for await (const batch of s.batches()) facts.push(...batch);
  })();
  return s;
}

const podFacts = (name: string): FactItem[] =>
  facts.filter((f) => (f.fact.object as { kind?: string; metadata?: { name?: string } }).kind === "Pod" && (f.fact.object as { metadata: { name: string } }).metadata.name === name);

beforeEach(async () => {
  api = await startFakeApiServer();
  metrics = createMetrics();
  facts = [];
});

afterEach(async () => {
  await source?.stop();
  await pumping;
  source = null;
  await api.close();
});

describe("live informers", () => {
  it("lists and watches every kind, with apiVersion/kind set and timestamps as strings", async () => {
    seed(api, 2);
    const s = start();
    expect(await s.waitForSync(5000)).toBe(true);
    await until(() => facts.length >= 4, 3000, "initial facts");
    // Each list ends with a BOOKMARK carrying the list's version (the stream's resume position).
    const objects = facts.filter((f) => f.fact.type !== "BOOKMARK");
    const kinds = new Set(objects.map((f) => (f.fact.object as { kind: string }).kind));
    expect(kinds).toEqual(new Set(["Pod", "ReplicaSet", "Deployment"]));
    for (const f of facts.filter((x) => x.fact.type === "BOOKMARK")) expect(f.resume?.resourceVersion).toMatch(/^\d+$/);
    for (const f of objects) {
      expect(f.fact.type).toBe("ADDED");
      expect(typeof f.fact.at).toBe("number");
      expect((f.fact.object as { apiVersion: string }).apiVersion).toMatch(/^(v1|apps\/v1)$/);
    }
    const p = podFacts("web-abc-0")[0]!.fact.object as { metadata: { creationTimestamp: unknown } };
    expect(p.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    // Every resource was listed and watched at cluster scope, bookmarks requested.
    for (const r of WATCHED_RESOURCES) expect(api.listRequests(r.resource).length).toBeGreaterThan(0);
    await until(() => api.watchRequests("pods").length > 0, 2000, "pod watch");
    expect(api.watchRequests("pods")[0]!.query.allowWatchBookmarks).toBe("true");

    terminateCleanly(api, 0);
    await until(() => podFacts("web-abc-0").some((f) => f.fact.type === "DELETED"), 3000, "DELETED");
    expect(podFacts("web-abc-0").map((f) => f.fact.type)).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
  });

  it("watches a namespace list with one informer per namespace", async () => {
    seed(api, 1);
    const s = start({ namespaces: [NS, "other"], resources: podsOnly });
    expect(await s.waitForSync(5000)).toBe(true);
    const paths = api.listRequests("pods").map((r) => r.path).sort();
    expect(paths).toEqual(["/api/v1/namespaces/other/pods", `/api/v1/namespaces/${NS}/pods`]);
    await until(() => podFacts("web-abc-0").length === 1, 2000, "pod fact");
  });

  it("restarts after an HTTP 500 on the watch, counts it, and keeps delivering events", async () => {
    seed(api, 2);
    api.fail("watch", "pods", 500, 1);
    const s = start({ resources: podsOnly });
    expect(await s.waitForSync(5000)).toBe(true);
    await until(() => api.openWatches("pods") === 1, 5000, "watch after restart");
    expect(await counter("drainwatch_informer_restarts_total", { resource: "pods" })).toBe(1);
    terminateCleanly(api, 1);
    await until(() => podFacts("web-abc-1").some((f) => f.fact.type === "DELETED"), 3000, "events after restart");
  });

  it("restarts after an HTTP 500 on the initial list", async () => {
    seed(api, 1);
    api.fail("list", "pods", 500, 2);
    const s = start({ resources: podsOnly });
    expect(s.synced()).toBe(false);
    expect(await s.waitForSync(5000)).toBe(true);
    expect(await counter("drainwatch_informer_restarts_total", { resource: "pods" })).toBe(2);
    expect(podFacts("web-abc-0")).toHaveLength(1);
  });

  it("relists on an in-stream 410; a pod deleted while disconnected becomes one stale-delete record", async () => {
    seed(api, 3);
    const tracker = new Tracker({ cluster: "test", settleMs: 0 });
    const records: TerminationRecord[] = [];
    const gaps: StreamGap[] = [];
    const s = start({ resources: podsOnly, onGap: (g) => gaps.push(g) });
    expect(await s.waitForSync(5000)).toBe(true);
    await until(() => api.openWatches("pods") === 1, 3000, "watch");

    // web-abc-0 ends normally while connected: one record.
    terminateCleanly(api, 0);
    await until(() => podFacts("web-abc-0").some((f) => f.fact.type === "DELETED"), 3000, "DELETED");
    // web-abc-1 vanishes while the watch history is compacted: only the relist can tell.
    api.remove("pods", NS, "web-abc-1", { silent: true });
    api.compact({ notifyOpen: true });
    await until(() => podFacts("web-abc-1").some((f) => f.fact.type === "DELETED"), 5000, "stale delete");
    expect(api.listRequests("pods").length).toBe(2); // initial list + relist
    expect(await counter("drainwatch_informer_restarts_total", { resource: "pods" })).toBe(0);
    const stale = podFacts("web-abc-1").find((f) => f.fact.type === "DELETED")!;
    expect((stale.fact.object as { metadata: Record<string, unknown> }).metadata.deletionTimestamp).toBeUndefined();
    // The running watch fell past the history: the time from its last event to the relist is a gap.
    const lastSeen = Math.max(...facts.filter((f) => f.resume && f.fact.type !== "BOOKMARK").map((f) => f.fact.at ?? 0));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ stream: "pods", resource: "pods", reason: "watch-expired" });
    expect(gaps[0]!.from).toBeGreaterThanOrEqual(lastSeen);
    expect(gaps[0]!.to).toBeGreaterThanOrEqual(gaps[0]!.from);

    // Events after the relist still arrive.
    terminateCleanly(api, 2);
    await until(() => podFacts("web-abc-2").some((f) => f.fact.type === "DELETED"), 3000, "events after relist");

    for (const f of facts) records.push(...tracker.ingest(f.fact).records);
    records.push(...tracker.tick(Date.now() + 60_000));
    records.push(...tracker.finalizeAll());
    const byPod = new Map<string, TerminationRecord[]>();
    for (const r of records) byPod.set(r.pod, [...(byPod.get(r.pod) ?? []), r]);
    expect([...byPod.keys()].sort()).toEqual(["web-abc-0", "web-abc-1", "web-abc-2"]);
    for (const list of byPod.values()) expect(list).toHaveLength(1);
    const r1 = byPod.get("web-abc-1")![0]!;
    expect(r1.outcome).toBe("unknown");
    expect(r1.notes).toContain("relist-stale-delete");
    expect(byPod.get("web-abc-0")![0]!.outcome).toBe("clean");
    expect(byPod.get("web-abc-0")![0]!.notes).not.toContain("relist-stale-delete");
  });

  it("reconnects a silent watch after the timeout, without relisting", async () => {
    seed(api, 2);
    api.silence("pods", 1);
    const s = start({ resources: podsOnly, silenceTimeoutMs: 600 });
    expect(await s.waitForSync(5000)).toBe(true);
    terminateCleanly(api, 0); // published while the only watch is silent
    await sleep(200);
    expect(podFacts("web-abc-0").some((f) => f.fact.type === "DELETED")).toBe(false);
    await until(() => podFacts("web-abc-0").some((f) => f.fact.type === "DELETED"), 4000, "events after reconnect");
    expect(await counter("drainwatch_watch_silent_reconnects_total", { resource: "pods" })).toBe(1);
    expect(await counter("drainwatch_informer_restarts_total", { resource: "pods" })).toBe(0);
    expect(api.listRequests("pods")).toHaveLength(1);
    expect(api.watchRequests("pods").length).toBeGreaterThanOrEqual(2);
  });

  it("bookmarks keep a quiet watch alive", async () => {
    seed(api, 1);
    api.bookmarkIntervalMs = 100;
    start({ resources: podsOnly, silenceTimeoutMs: 500 });
    await sleep(1500);
    expect(await counter("drainwatch_watch_silent_reconnects_total", { resource: "pods" })).toBe(0);
  });

  it("counts and skips malformed watch events", async () => {
    seed(api, 2);
    const s = start({ resources: podsOnly });
    expect(await s.waitForSync(5000)).toBe(true);
    await until(() => api.openWatches("pods") === 1, 3000, "watch");
    api.sendRaw("pods", JSON.stringify({ type: "MODIFIED", object: null }));
    api.sendRaw("pods", JSON.stringify({ type: "MODIFIED", object: { kind: "Pod", metadata: { namespace: NS } } }));
    api.sendRaw("pods", JSON.stringify({ type: "SOMETHING", object: {} }));
    api.sendRaw("pods", JSON.stringify({ type: "ERROR", object: null }));
    terminateCleanly(api, 1);
    await until(() => podFacts("web-abc-1").some((f) => f.fact.type === "DELETED"), 3000, "events after bad ones");
    expect(await counter("drainwatch_watch_events_invalid_total", { resource: "pods" })).toBe(4);
    expect(await counter("drainwatch_informer_restarts_total", { resource: "pods" })).toBe(0);
  });

  it("stamps facts with the injected clock", async () => {
    seed(api, 1);
    const s = start({ resources: podsOnly, clock: () => 1234 });
    expect(await s.waitForSync(5000)).toBe(true);
    await until(() => facts.length > 0, 2000, "facts");
    expect(facts.every((f) => f.fact.at === 1234)).toBe(true);
    expect(podFacts("web-abc-0")[0]!.fact.object).toMatchObject(pod({ name: "web-abc-0", uid: "uid-0" }));
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
