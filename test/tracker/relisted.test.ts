// Tracker.relisted: a complete list of pods that no longer holds a pod in termination means the
// pod was deleted while nothing watched (after a 410 on resume the source's index is empty, so
// only the tracker knows those pods). Such an entry gets exactly the stale-delete treatment a
// DELETED without deletionTimestamp gives it (contract §3, relist-stale-delete), at once, in the
// list's scope only.
import { describe, expect, it } from "vitest";
import type { TerminationRecord } from "../../lib/tracker/record";
import { Tracker } from "../../lib/tracker/tracker";
import { Capture, T0, deleting, ms, pod } from "./kube";
import { owners, web } from "./rows";

const SETTLE_MS = 5000;
const other = () => pod({ name: "api-def34-y1", ns: "other", owner: { kind: "ReplicaSet", name: "api-def34" }, labels: { "pod-template-hash": "def34" } });
const kept = () => pod({ name: "web-abc12-x2", owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" } });

/** Three pods in termination, the tracker written to a checkpoint and restored (as a new leader has it). */
function restoredWithThree(): Tracker {
  const t = new Tracker({ cluster: "c", settleMs: SETTLE_MS });
  const c = owners(new Capture()).add(0.1, "MODIFIED", deleting(web(), 0, 30)).add(0.2, "MODIFIED", deleting(other(), 0, 30)).add(0.3, "MODIFIED", deleting(kept(), 0, 30));
  for (const f of c.facts) t.ingest(f);
  expect(t.size).toBe(3);
  return Tracker.restore(JSON.parse(JSON.stringify(t.checkpoint())) as unknown, { cluster: "c", settleMs: SETTLE_MS });
}

const uid = (p: { metadata: Record<string, unknown> }): string => p.metadata.uid as string;

describe("Tracker.relisted", () => {
  it("a pod in termination absent from a namespace's list gets the stale delete a DELETED without deletionTimestamp gives it; others are untouched", () => {
    const t = restoredWithThree();
    expect(t.relisted("shop", new Set([uid(kept())]), T0 + 50_000)).toEqual([]);
    const records = t.tick(T0 + 50_000 + SETTLE_MS);
    expect(records.map((r) => r.pod)).toEqual(["web-abc12-x1"]);
    const r = records[0]!;
    expect(r).toMatchObject({ outcome: "unknown", cause: "rollout", deletedAt: ms(50), deleteRequestedAt: ms(0) });
    expect(r.notes).toContain("relist-stale-delete");
    expect(r.notes).not.toContain("expired");

    // The same entry, told by a stale DELETE (what the source's index sends for pods it has seen).
    const u = restoredWithThree();
    u.ingest({ at: T0 + 50_000, type: "DELETED", object: web() });
    const viaDelete: TerminationRecord[] = u.tick(T0 + 50_000 + SETTLE_MS);
    expect(records).toEqual(viaDelete);

    expect(t.size).toBe(2); // the other namespace's pod and the listed one go on
  });

  it("a list of all namespaces covers every entry; a listed pod and an already deleted one are left alone", () => {
    const t = restoredWithThree();
    t.ingest({ at: T0 + 40_000, type: "DELETED", object: deleting(web(), 0, 30) }); // seen deleted: its own time stays
    const records = [...t.relisted(null, new Set([uid(kept())]), T0 + 50_000), ...t.tick(T0 + 50_000 + SETTLE_MS)];
    expect(records.map((r) => [r.pod, r.deletedAt, r.notes.includes("relist-stale-delete")])).toEqual([
      ["web-abc12-x1", ms(40), false],
      ["api-def34-y1", ms(50), true],
    ]);
    expect(t.size).toBe(1);
  });

  it("a replayed fact (at null) is dated by its object, but no later than it was received", () => {
    const t = new Tracker({ cluster: "c", settleMs: SETTLE_MS });
    for (const f of owners(new Capture()).facts) t.ingest(f);
    // Dated by the object: the deletion request (deadline − grace) at +0 s, received at +20 s.
    t.ingest({ at: null, receivedAt: T0 + 20_000, type: "MODIFIED", object: deleting(web(), 0, 30) });
    expect(t.now).toBe(T0);
    // An object time past its receipt (a clock ahead of ours) is capped at the receipt.
    t.ingest({ at: null, receivedAt: T0 + 21_000, type: "MODIFIED", object: deleting(other(), 60, 30) });
    expect(t.now).toBe(T0 + 21_000);
  });
});
