// The ingest pipeline with the real capture reader and the real tracker: summary counters,
// batching into the sink, problems from both the reader and the tracker, sink failures.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runIngest, type Problem } from "../../lib/pipeline/ingest.ts";
import { readCapture } from "../../lib/sources/capture.ts";
import type { SourceItem } from "../../lib/sources/item.ts";
import { compareRecords, type TerminationRecord } from "../../lib/tracker/record.ts";
import { Tracker } from "../../lib/tracker/tracker.ts";

const EXAMPLES = "/work/shared/examples";
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

describe("runIngest", () => {
  it("feeds every example through one tracker and hands all records to the sink", async () => {
    const batches: TerminationRecord[][] = [];
    const s = await runIngest(readCapture(captures), {
      tracker: new Tracker({ cluster: "default" }),
      sink: async (b) => {
        await new Promise((r) => setTimeout(r, 1));
        batches.push(b);
      },
      batchSize: 2,
    });
    const all = batches.flat().sort(compareRecords);
    expect(all).toEqual(captures.flatMap(expected).sort(compareRecords));
    expect(batches.every((b) => b.length > 0 && b.length <= 2)).toBe(true);
    const lines = captures.map((c) => readFileSync(c, "utf8").split("\n").filter((l) => l.trim()).length);
    expect(s.events).toBe(lines.reduce((a, b) => a + b, 0));
    expect(s).toMatchObject({ records: all.length, problemCount: 0, errors: 0, skipped: 0 });
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
    const out: TerminationRecord[] = [];
    const s = await runIngest(readCapture(f), {
      tracker: new Tracker({ cluster: "default" }),
      sink: (b) => void out.push(...b),
      onProblem: (p) => seen.push(p),
    });
    expect(out).toEqual(expected(src));
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
        sink: () => {
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
  });
});
