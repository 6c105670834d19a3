// Tracker checkpoint/restore (issue 10 point 1). The property a resuming leader depends on: stop
// a tracker after any fact, write its checkpoint as JSON, restore it in a new tracker and feed it
// the rest: it emits exactly what the uninterrupted tracker emits from there on (same JSON, same
// order), and nothing it had emitted before the split again.
import { describe, expect, it } from "vitest";
import type { Fact } from "../../lib/tracker/fact";
import { CheckpointError, TRACKER_CHECKPOINT_VERSION, trackerCheckpointSchema } from "../../lib/tracker/checkpoint";
import { Tracker, type TrackerOptions } from "../../lib/tracker/tracker";
import { exampleCaptures, readExampleFacts } from "../helpers/examples";
import { measureCheckpointSizes, runningTracker } from "./checkpoint-sizes";
import { churnCapture } from "./churn";
import { Capture, T0, deleting, deployment, event, pod, replicaSet, slice } from "./kube";
import { clean, owners, rows, web } from "./rows";

/** One thing done to a tracker: a fact, or a tick of the clock between facts. */
type Step = { fact: Fact } | { tick: number };

function apply(t: Tracker, step: Step): string[] {
  const records = "fact" in step ? t.ingest(step.fact).records : t.tick(step.tick);
  return records.map((r) => JSON.stringify(r));
}

/** Records emitted per step; the last element is what finalizeAll emits at the end. */
function play(t: Tracker, steps: readonly Step[], from = 0): string[][] {
  const out: string[][] = [];
  for (let i = from; i < steps.length; i++) out.push(apply(t, steps[i]!));
  out.push(t.finalizeAll().map((r) => JSON.stringify(r)));
  return out;
}

/** The checkpoint the way it is stored and read back: JSON text. */
const roundTrip = (t: Tracker): unknown => JSON.parse(JSON.stringify(t.checkpoint())) as unknown;

const asSteps = (facts: readonly Fact[]): Step[] => facts.map((fact) => ({ fact }));

/** Facts with ticks between them: at the midpoint, or past the settle window, so splits fall inside settle windows. */
function withTicks(facts: readonly Fact[], settleMs: number): Step[] {
  const steps: Step[] = [];
  facts.forEach((fact, i) => {
    steps.push({ fact });
    const next = facts[i + 1]?.at ?? null;
    if (fact.at === null) return;
    if (i % 3 === 0 && next !== null && next > fact.at) steps.push({ tick: (fact.at + next) / 2 });
    if (i % 5 === 1) steps.push({ tick: fact.at + settleMs * 0.6 });
  });
  return steps;
}

/**
 * Splits at each index in `at` (all by default): the restored tracker's records from the split on
 * equal the uninterrupted run's; none of them was emitted before the split (unless `allowRepeat`,
 * for deliberately tiny memory bounds); restoring and checkpointing again gives the same JSON.
 */
function expectResumable(steps: readonly Step[], opts: TrackerOptions, o: { at?: readonly number[]; allowRepeat?: boolean } = {}): void {
  const whole = play(new Tracker(opts), steps);
  const splits = o.at ?? steps.map((_, k) => k).concat(steps.length);
  expect(whole.flat().length).toBeGreaterThan(0);

  // The original tracker keeps going after each checkpoint: taking one must not change it.
  const original = new Tracker(opts);
  const uidsBefore = new Set<string>();
  let k = 0;
  for (const split of [...splits].sort((a, b) => a - b)) {
    for (; k < split; k++) for (const r of apply(original, steps[k]!)) uidsBefore.add((JSON.parse(r) as { podUid: string }).podUid);
    const cp = roundTrip(original);
    const restored = Tracker.restore(cp, opts);
    expect(JSON.stringify(restored.checkpoint()), `re-checkpoint at ${split}`).toBe(JSON.stringify(cp));
    expect(restored.stats()).toEqual(original.stats());
    expect(restored.inFlight()).toEqual(original.inFlight());
    const rest = play(restored, steps, split);
    expect(rest, `records after a restore at step ${split} of ${steps.length}`).toEqual(whole.slice(split));
    if (!o.allowRepeat) {
      const again = rest.flat().map((r) => (JSON.parse(r) as { podUid: string }).podUid).filter((u) => uidsBefore.has(u));
      expect(again, `emitted again after a restore at ${split}`).toEqual([]);
    }
  }
  const tail = play(original, steps, k);
  expect([...whole.slice(0, k).map(() => null), ...tail].slice(k)).toEqual(whole.slice(k));
}

/** Restores from a checkpoint after EVERY step of one run: state survives any chain of restarts. */
function expectChainResumable(steps: readonly Step[], opts: TrackerOptions): void {
  const whole = play(new Tracker(opts), steps);
  let t = new Tracker(opts);
  const out: string[][] = [];
  for (const step of steps) {
    t = Tracker.restore(roundTrip(t), opts);
    out.push(apply(t, step));
  }
  out.push(Tracker.restore(roundTrip(t), opts).finalizeAll().map((r) => JSON.stringify(r)));
  expect(out).toEqual(whole);
}

const examples = exampleCaptures();

describe("tracker checkpoint: resume at every fact", () => {
  it("the contract's examples are present", () => expect(examples.length).toBeGreaterThanOrEqual(5));

  it.each(examples)("example %s, facts only", (file) => {
    expectResumable(asSteps(readExampleFacts(file)), { cluster: "default" });
  });

  it.each(examples)("example %s, with ticks between facts (settle windows across the split)", (file) => {
    expectResumable(withTicks(readExampleFacts(file), 5000), { cluster: "default" });
  });

  it.each(rows)("tracker table: $name", ({ capture }) => {
    const facts = capture().facts;
    expectResumable(asSteps(facts), { cluster: "default" });
    expectResumable(withTicks(facts, 5000), { cluster: "default", settleMs: 5000 });
  });

  it("owner lookups by name resolve to the same controller after a restore", () => {
    // ReplicaSet web-abc12 recreated under a new uid, then the old one's deletion seen: lookups by
    // name now answer the old one, although the new one was inserted later. Pods whose owner
    // reference has no uid are resolved by name.
    const rs = (uid: string, revision: number) => ({ ...replicaSet("web", "abc12", revision), metadata: { ...replicaSet("web", "abc12", revision).metadata, uid } });
    const byName = (name: string) => {
      const p = pod({ name, owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" } });
      (p.metadata.ownerReferences as { uid?: string }[])[0]!.uid = undefined;
      return p;
    };
    const c = new Capture().add(-30, "ADDED", deployment("web", 5)).add(-20, "ADDED", rs("rs-old", 3)).add(-10, "ADDED", rs("rs-new", 5)).add(-5, "DELETED", rs("rs-old", 3));
    c.graceful(byName("web-abc12-a"), { request: 0, grace: 30, exit: clean, finished: 9 });
    c.add(20, "ADDED", rs("rs-newest", 6));
    c.graceful(byName("web-abc12-b"), { request: 30, grace: 30, exit: clean, finished: 39 });
    const records = play(new Tracker({ cluster: "default" }), asSteps(c.facts)).flat().map((r) => JSON.parse(r) as { revision: string; cause: string });
    expect(records.map((r) => [r.revision, r.cause])).toEqual([["3", "rollout"], ["6", "delete"]]);
    expectResumable(asSteps(c.facts), { cluster: "default" });
  });

  it("a late event joins a record whose settle window spans the split", () => {
    const p = web();
    const steps: Step[] = [
      ...asSteps(owners(new Capture()).graceful(p, { request: 0, grace: 30, exit: clean, finished: 9 }).facts),
      { tick: T0 + 12_000 },
      { fact: { at: T0 + 13_000, type: "ADDED", object: event(p, "FailedKillPod", "late", 12, { type: "Warning" }) } },
      { tick: T0 + 14_000 },
      { tick: T0 + 15_200 },
      // After finalization: ignored, also by a restored tracker.
      { fact: { at: T0 + 16_000, type: "ADDED", object: event(p, "Killing", "Stopping container app", 16) } },
    ];
    const whole = play(new Tracker({ cluster: "default" }), steps);
    expect(whole.flat().map((r) => (JSON.parse(r) as { events: { reason: string }[] }).events.map((e) => e.reason))).toEqual([["Killing", "FailedKillPod"]]);
    expectResumable(steps, { cluster: "default" });
  });
});

describe("tracker checkpoint: synthetic churn", () => {
  const facts = churnCapture({ seed: 7, deployments: 8, rollouts: 3, replicas: 4 });
  const opts: TrackerOptions = { cluster: "default", expireMs: 120_000 };
  const steps = withTicks(facts, 5000);
  const dense = (n: number, every: number) => Array.from({ length: Math.floor(n / every) + 1 }, (_, i) => i * every);

  it("is a busy capture: many records of every kind, nothing repeated", () => {
    const records = play(new Tracker(opts), steps).flat().map((r) => JSON.parse(r) as { podUid: string; cause: string; notes: string[] });
    expect(records.length).toBeGreaterThan(100);
    expect(new Set(records.map((r) => r.podUid)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.cause))).toEqual(new Set(["rollout", "force-delete", "scale-down", "node-pressure", "delete", "unknown"]));
    expect(records.some((r) => r.notes.includes("expired"))).toBe(true);
    expect(records.some((r) => r.notes.includes("relist-stale-delete"))).toBe(true);
  });

  it("restores at a dense sample of steps (every 7th)", () => {
    expectResumable(steps, opts, { at: dense(steps.length, 7) });
  });

  it("restores after every step of one run (a chain of restarts)", () => {
    expectChainResumable(steps, opts);
    expectChainResumable(asSteps(facts), opts);
  });

  it("keeps the bounded memories' eviction order (tiny finished/pending bounds)", () => {
    const tiny: TrackerOptions = { ...opts, rememberFinished: 5, maxPending: 2 };
    expectResumable(steps, tiny, { at: dense(steps.length, 11), allowRepeat: true });
    expectChainResumable(steps, tiny);
  });

  it("restored with a smaller finished bound, keeps the newest", () => {
    const t = new Tracker(opts);
    play(t, steps.slice(0, Math.floor(steps.length / 2)));
    const cp = t.checkpoint();
    expect(cp.finished.length).toBeGreaterThan(10);
    const small = Tracker.restore(roundTrip(t), { ...opts, rememberFinished: 10 });
    expect(small.checkpoint().finished).toEqual(cp.finished.slice(-10));
  });
});

describe("tracker checkpoint: the data", () => {
  it("is JSON-safe: parses with its schema, survives JSON unchanged, no infinities before the first fact", () => {
    const fresh = new Tracker({ cluster: "c1" }).checkpoint();
    expect(fresh).toMatchObject({ version: TRACKER_CHECKPOINT_VERSION, cluster: "c1", clock: null, lastPrune: null, entries: [], finished: [] });
    const t = new Tracker({ cluster: "c1" });
    for (const step of withTicks(churnCapture({ seed: 3, deployments: 3, rollouts: 2, replicas: 3 }), 5000).slice(0, 300)) apply(t, step);
    const cp = t.checkpoint();
    expect(cp.entries.length + cp.pending.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(cp))).toEqual(cp);
    expect(trackerCheckpointSchema.parse(cp)).toEqual(cp);
  });

  it("is a snapshot: the tracker moving on does not change a checkpoint already taken", () => {
    const t = new Tracker({ cluster: "default" });
    const c = owners(new Capture()).add(0.1, "MODIFIED", deleting(web(), 0, 30));
    for (const f of c.facts) t.ingest(f);
    const cp = t.checkpoint();
    const before = JSON.stringify(cp);
    t.ingest({ at: T0 + 500, type: "ADDED", object: event(web(), "Killing", "Stopping container app", 0) });
    t.ingest({ at: T0 + 600, type: "MODIFIED", object: slice("s", [{ pod: web(), ready: false, terminating: true }]) });
    t.ingest({ at: T0 + 700, type: "MODIFIED", object: deployment("web", 6) });
    expect(JSON.stringify(cp)).toBe(before);
  });

  it("carries no pod annotations and only the pod labels the tracker reads", () => {
    const p = web();
    p.metadata.annotations = { big: "x".repeat(1_000_000) };
    p.metadata.labels = { ...(p.metadata.labels as Record<string, string>), ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`team.example.com/label-${i}`, "v".repeat(60)])) };
    const t = new Tracker({ cluster: "default" });
    for (const f of owners(new Capture()).add(0.1, "MODIFIED", deleting(p, 0, 30)).facts) t.ingest(f);
    const cp = t.checkpoint();
    expect(cp.entries[0]!.pod.metadata).not.toHaveProperty("annotations");
    expect(cp.entries[0]!.pod.metadata.labels).toEqual({ "pod-template-hash": "abc12" });
    expect(JSON.stringify(cp).length).toBeLessThan(3000);
  });

  it("stays small: grows with pods in termination and controllers, not with running pods", () => {
    const sizes = measureCheckpointSizes({ terminating: 500, running: 5000, finished: 1000 });
    expect(sizes.perTerminatingPod).toBeLessThan(2000);
    expect(sizes.perFinishedUid).toBeLessThanOrEqual(40);
    // Running pods themselves are nowhere in it: only their 1,000 controllers (250 Deployments, 750 ReplicaSets).
    const running = runningTracker(5000).checkpoint();
    expect([running.entries.length, running.pending.length, running.finished.length, running.owners.controllers.length]).toEqual([0, 0, 0, 1000]);
    expect(sizes.runningCluster / 1000).toBeLessThan(300);
  });
});

describe("tracker checkpoint: bad checkpoints", () => {
  const good = () => {
    const t = new Tracker({ cluster: "default" });
    for (const f of owners(new Capture()).add(0.1, "MODIFIED", deleting(web(), 0, 30)).facts) t.ingest(f);
    return roundTrip(t) as Record<string, unknown> & { entries: { pod: { metadata: Record<string, unknown> } }[] };
  };
  const refused = (cp: unknown, message: RegExp, cluster = "default") => {
    let error: unknown = null;
    try {
      Tracker.restore(cp, { cluster });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(message);
  };

  it("a good one restores", () => expect(Tracker.restore(good(), { cluster: "default" }).size).toBe(1));

  it("another version is named as such", () => {
    refused({ ...good(), version: 2 }, /^tracker checkpoint: version 2 is not supported \(this build reads version 1\)$/);
    refused({ ...good(), version: "1" }, /version "1" is not supported/);
    const { version: _, ...none } = good();
    refused(none, /version \(none\) is not supported/);
  });

  it("not an object", () => {
    for (const v of [null, "{}", 1, [], undefined]) refused(v, /^tracker checkpoint: not a JSON object$/);
  });

  it("a malformed field is named by its path", () => {
    const noUid = good();
    delete noUid.entries[0]!.pod.metadata.uid;
    refused(noUid, /^tracker checkpoint: entries\.0\.pod\.metadata\.uid: /);
    refused({ ...good(), clock: "soon" }, /^tracker checkpoint: clock: /);
    refused({ ...good(), clock: Infinity }, /^tracker checkpoint: clock: /);
    refused({ ...good(), seq: -1 }, /^tracker checkpoint: seq: /);
    refused({ ...good(), finished: [7] }, /^tracker checkpoint: finished\.0: /);
    refused({ ...good(), owners: undefined }, /^tracker checkpoint: owners: /);
  });

  it("another cluster's checkpoint is refused", () => {
    refused(good(), /written for cluster "default", not "prod"/, "prod");
  });
});
