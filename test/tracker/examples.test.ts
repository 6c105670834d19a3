// The contract's own examples (../shared/examples): each capture through the tracker must give
// the records listed beside it, key by key (documented additions allowed: test/helpers/examples.ts). The CLI test checks the same through `replay --json`.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RECORD_ADDITIONS, exampleCaptures, examplesDir, projectRecords, readExampleFacts } from "../helpers/examples";
import { run } from "./kube";

const dir = examplesDir();
const captures = exampleCaptures();

describe("contract examples", () => {
  it("are present", () => expect(captures.length).toBeGreaterThanOrEqual(5));

  it.each(captures)("%s", (file) => {
    const want = fs
      .readFileSync(path.join(dir, file.replace(/\.ndjson$/, ".records.jsonl")), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as unknown);
    const { records, problems } = run(readExampleFacts(file));
    expect(problems).toEqual([]);
    expect(records).toHaveLength(want.length);
    const { value, extra } = projectRecords(want, records);
    expect(value).toEqual(want);
    expect([...extra].filter((k) => !RECORD_ADDITIONS.has(k))).toEqual([]);
  });
});
