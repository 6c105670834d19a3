// The contract's own examples (../shared/examples): each capture through the tracker must give
// the records listed beside it, key by key (documented additions allowed: test/helpers/examples.ts). The CLI test checks the same through `replay --json`.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Fact } from "../../lib/tracker/fact";
import { RECORD_ADDITIONS, examplesDir, projectRecords } from "../helpers/examples";
import { run } from "./kube";

const dir = examplesDir();
const captures = fs.readdirSync(dir).filter((f) => f.endsWith(".ndjson"));

function read(file: string): Fact[] {
  return fs
    .readFileSync(path.join(dir, file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const e = JSON.parse(l) as { at?: string; type: Fact["type"]; object: unknown };
      return { at: e.at ? Date.parse(e.at) : null, type: e.type, object: e.object };
    });
}

describe("contract examples", () => {
  it("are present", () => expect(captures.length).toBeGreaterThanOrEqual(5));

  it.each(captures)("%s", (file) => {
    const want = fs
      .readFileSync(path.join(dir, file.replace(/\.ndjson$/, ".records.jsonl")), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as unknown);
    const { records, problems } = run(read(file));
    expect(problems).toEqual([]);
    expect(records).toHaveLength(want.length);
    const { value, extra } = projectRecords(want, records);
    expect(value).toEqual(want);
    expect([...extra].filter((k) => !RECORD_ADDITIONS.has(k))).toEqual([]);
  });
});
