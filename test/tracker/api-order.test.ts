// apiOrder (live ingest): facts come in the API server's order, so a pod seen DELETED sends nothing
// more. Its UID need not be remembered once its record is final; only pods that may still exist
// are (a kubelet termination, until its DELETED), so the checkpoint no longer carries every
// finalized UID. Captures (apiOrder off) still remember every one.
import { describe, expect, it } from "vitest";
import type { TerminationRecord } from "../../lib/tracker/record";
import { Tracker } from "../../lib/tracker/tracker";
import { Capture, T0, pod, terminated, withStates } from "./kube";
import { owners } from "./rows";

const SETTLE_MS = 5000;
const web = (i: number) => pod({ name: `web-abc12-${i}`, owner: { kind: "ReplicaSet", name: "web-abc12" }, labels: { "pod-template-hash": "abc12" } });
/** Node-pressure eviction: no deletionTimestamp, the pod stays Failed in the API until it is deleted. */
const evicted = (i: number) => withStates(web(i), { app: terminated(137, "ContainerStatusUnknown", null) }, "Failed", { reason: "Evicted", message: "The node was low on resource: memory." });

function feed(t: Tracker, c: Capture): TerminationRecord[] {
  const out: TerminationRecord[] = [];
  for (const f of c.facts) out.push(...t.ingest(f).records);
  return out;
}

describe("Tracker with apiOrder", () => {
  it("remembers no deleted pod once final; a kubelet-terminated pod until its DELETED, with no second record before or after", () => {
    const t = new Tracker({ cluster: "c", settleMs: SETTLE_MS, apiOrder: true });
    const c = owners(new Capture());
    for (let i = 0; i < 200; i++) c.graceful(web(i), { request: i, grace: 30, exit: { app: terminated(0, "Completed", i + 2) }, finished: i + 2 });
    c.add(300, "MODIFIED", evicted(999));
    const records = [...feed(t, c), ...t.tick(T0 + 400_000)];
    expect(records).toHaveLength(201);
    expect(t.stats().remembered).toBe(1); // the evicted pod: still in the API
    expect(t.checkpoint().finished).toEqual(["uid-pod-web-abc12-999"]);

    // It is seen again (a status update, a relist) and then deleted: no second record, and forgotten.
    const later = feed(t, new Capture().add(500, "MODIFIED", evicted(999)).add(600, "DELETED", evicted(999)));
    expect([...later, ...t.tick(T0 + 700_000)]).toEqual([]);
    expect(t.stats().remembered).toBe(0);
  });

  it("without it (captures), every finalized UID is remembered", () => {
    const t = new Tracker({ cluster: "c", settleMs: SETTLE_MS });
    const c = owners(new Capture());
    for (let i = 0; i < 20; i++) c.graceful(web(i), { request: i, grace: 30, exit: { app: terminated(0, "Completed", i + 2) }, finished: i + 2 });
    feed(t, c);
    t.tick(T0 + 400_000);
    expect(t.stats().remembered).toBe(20);
  });
});
