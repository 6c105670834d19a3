// Table-driven tracker tests: a capture in, exact record fields out. Each row is one rule of
// contract section 3 or one behaviour of shared/reference/kubernetes-termination.md.
import { describe, expect, it } from "vitest";
import { Tracker } from "../../lib/tracker/tracker";
import { Capture, T0, deleting, event, finalDelete, job, ms, one, pod, run, s, slice, statefulSet, terminated, withStates } from "./kube";
import { clean, owners, rows, web } from "./rows";

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
