// The resume backlog's merge (lib/sources/live/replay-order.ts): held facts come out in
// resourceVersion order, undated (`at: null`: history since the checkpoint, whose observation time
// is unknown, so the tracker dates it from the objects); what is not held keeps its time.
import { afterEach, describe, expect, it } from "vitest";
import type { FactItem } from "../../lib/sources/item.ts";
import { ReplayOrder } from "../../lib/sources/live/replay-order.ts";

const item = (name: string, at: number, rv?: string): FactItem => ({
  kind: "fact",
  position: "live:pods",
  fact: { at, type: "MODIFIED", object: { kind: "Pod", metadata: { name } } },
  ...(rv === undefined ? {} : { resume: { stream: "pods", resourceVersion: rv } }),
});
const names = (xs: FactItem[]): string[] => xs.map((x) => (x.fact.object as { metadata: { name: string } }).metadata.name);

let order: ReplayOrder | null = null;
afterEach(() => order?.release());

describe("ReplayOrder", () => {
  it("releases the held backlog in resourceVersion order with at: null, then passes facts through with their time", () => {
    const out: FactItem[] = [];
    order = new ReplayOrder({ quietMs: 60_000, maxHoldMs: 60_000, push: (x) => out.push(x) });
    order.push(item("rs-scaled", 1000, "12"));
    order.push(item("pod-deleted", 1001, "13"));
    order.push(item("pod-deleting", 1002, "11"));
    order.push(item("listed", 1003)); // a list's item: not sortable, passes at once
    expect(names(out)).toEqual(["listed"]);
    expect(out[0]!.fact.at).toBe(1003);
    expect(order.holdingBacklog).toBe(true);
    order.release();
    expect(order.holdingBacklog).toBe(false);
    expect(names(out)).toEqual(["listed", "pod-deleting", "rs-scaled", "pod-deleted"]);
    expect(out.slice(1).map((x) => x.fact.at)).toEqual([null, null, null]);
    expect(out.slice(1).map((x) => x.fact.receivedAt)).toEqual([1002, 1000, 1001]); // the latest each can have happened
    expect(out.slice(1).map((x) => x.resume?.resourceVersion)).toEqual(["11", "12", "13"]);
    order.push(item("live", 2000, "14"));
    expect(out.at(-1)!.fact.at).toBe(2000);
  });

  it("a quiet backlog is released by itself", async () => {
    const out: FactItem[] = [];
    order = new ReplayOrder({ quietMs: 20, maxHoldMs: 60_000, push: (x) => out.push(x) });
    order.push(item("a", 1, "5"));
    await new Promise((r) => setTimeout(r, 100));
    expect(order.holdingBacklog).toBe(false);
    expect(out.map((x) => x.fact.at)).toEqual([null]);
  });
});
