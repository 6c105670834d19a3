// The ingest pipeline with the real capture reader and the real tracker: summary counters,
// records handed to the sink as they are finalized (awaited: backpressure), problems from both the
// reader and the tracker, sink failures.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runIngest, type Problem } from "../../lib/ingest/pipeline.ts";
import { CollectSink, type RecordSink } from "../../lib/ingest/sink.ts";
import { readCapture } from "../../lib/sources/capture.ts";
import type { SourceItem } from "../../lib/sources/item.ts";
import { compareRecords, type TerminationRecord } from "../../lib/tracker/record.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";
import { expectExamples } from "../helpers/examples.ts";
import { sharedDocsDir } from "../helpers/shared-docs.ts";

const EXAMPLES = path.join(sharedDocsDir(), "examples");
const captures = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".ndjson"))
  .sort()
  .map((f) => path.join(EXAMPLES, f));
const dir = mkdtempSync(path.join(tmpdir(), "dw-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const expected = (capture: string): TerminationRecord[] =>
  readFileSync(capture.replace(/\.ndjson$/, ".records.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as TerminationRecord);

/** A sink that accepts slowly and notes how many sends were in flight at once. */
function slowSink(): RecordSink & { batches: TerminationRecord[][]; maxInFlight: number } {
  let inFlight = 0;
  const sink = {
    batches: [] as TerminationRecord[][],
    maxInFlight: 0,
    async send(records: readonly TerminationRecord[]) {
      sink.maxInFlight = Math.max(sink.maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      sink.batches.push([...records]);
      inFlight--;
    },
    close: async () => true,
  };
  return sink;
}

describe("runIngest", () => {
  it("feeds every example through one tracker and hands all records to the sink", async () => {
    const sink = slowSink();
    const s = await runIngest(readCapture(captures), { tracker: new Tracker({ cluster: "default" }), sink });
    const all = sink.batches.flat().sort(compareRecords);
    expectExamples(all, captures.flatMap(expected).sort(compareRecords));
    expect(sink.batches.every((b) => b.length > 0)).toBe(true);
    expect(sink.maxInFlight).toBe(1); // each send is awaited before reading on
    const lines = captures.map((c) => readFileSync(c, "utf8").split("\n").filter((l) => l.trim()).length);
    expect(s.events).toBe(lines.reduce((a, b) => a + b, 0));
    expect(s).toMatchObject({ records: all.length, problemCount: 0, errors: 0, skipped: 0 });
  });

  it("sends a record as soon as the tracker finalizes it, not when the source ends", async () => {
    const src = captures.find((c) => c.endsWith("sigkill.ndjson"))!;
    const items: SourceItem[] = [];
    for await (const batch of readCapture(src).batches()) items.push(...batch);
    const lastAt = Math.max(...items.map((i) => (i.kind === "fact" ? (i.fact.at ?? 0) : 0)));
    // An hour later, an unrelated running pod: the tracker's clock passes every settle time.
    const later: SourceItem = {
      kind: "fact",
      position: "later:1",
      fact: { at: lastAt + 3_600_000, type: "ADDED", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "idle", namespace: "x", uid: "idle-1" }, status: { phase: "Running" } } },
    };
    let pulled = 0;
    async function* oneByOne(): AsyncGenerator<SourceItem> {
      for (const item of [...items, later, later]) {
        pulled++;
        yield item;
      }
    }
    const sentAt: number[] = [];
    const out = new CollectSink();
    const s = await runIngest(oneByOne(), {
      tracker: new Tracker({ cluster: "default" }),
      sink: { send: (r) => (sentAt.push(pulled), out.send(r)), close: async () => true },
    });
    expectExamples(out.records, expected(src));
    expect(sentAt).toEqual([items.length + 1]); // right after the fact that moved the clock
    expect(s.records).toBe(expected(src).length);
  });

  it("counts ERROR events and problems (reader and tracker) separately, and keeps going", async () => {
    const src = captures.find((c) => c.endsWith("sigkill.ndjson"))!;
    const lines = readFileSync(src, "utf8").split("\n").filter((l) => l.trim() !== "");
    const extra = [
      JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", code: 410, reason: "Expired" } }),
      "not json",
      JSON.stringify({ type: "ADDED", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "x", namespace: "y" } } }),
    ];
    const f = path.join(dir, "mixed.ndjson");
    writeFileSync(f, [lines[0], ...extra, ...lines.slice(1)].join("\n"));
    const seen: Problem[] = [];
    const out = new CollectSink();
    const s = await runIngest(readCapture(f), {
      tracker: new Tracker({ cluster: "default" }),
      sink: out,
      onProblem: (p) => seen.push(p),
    });
    expectExamples(out.records, expected(src));
    expect(s.errors).toBe(1);
    expect(s.problemCount).toBe(2);
    expect(s.skipped).toBe(3);
    expect(s.events).toBe(lines.length + 1); // the uid-less pod reached the tracker
    expect(seen.map((p) => p.position)).toEqual([`${f}:3`, `${f}:4`]);
    expect(seen[1]?.reason).toMatch(/uid/);
    expect(s.problems).toEqual(seen);
  });

  it("accepts plain async iterables of items and caps the kept problems", async () => {
    async function* items(): AsyncGenerator<SourceItem> {
      for (let i = 0; i < 50; i++) yield { kind: "problem", position: `x:${i + 1}`, reason: "bad" };
    }
    const s = await runIngest(items(), { tracker: new Tracker({ cluster: "default" }), maxProblems: 10 });
    expect(s.problemCount).toBe(50);
    expect(s.problems).toHaveLength(10);
  });

  it("a failing sink fails the run", async () => {
    await expect(
      runIngest(readCapture(captures), {
        tracker: new Tracker({ cluster: "default" }),
        sink: { send: () => Promise.reject(new Error("disk full")), close: async () => false },
      }),
    ).rejects.toThrow("disk full");
  });
});
