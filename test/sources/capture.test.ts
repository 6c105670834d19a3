// Capture reader: both encodings, mixes and hostile input, written to real temp files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCapture, type CaptureOptions, type SourceItem } from "../../lib/sources/capture.ts";
import { sharedDocsDir } from "../helpers/shared-docs.ts";

const dir = mkdtempSync(path.join(tmpdir(), "dw-capture-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer, name?: string): string {
  const p = path.join(dir, name ?? `c${++n}.ndjson`);
  writeFileSync(p, content);
  return p;
}

async function read(files: string | string[], opts?: CaptureOptions) {
  const reader = readCapture(files, opts);
  const items: SourceItem[] = [];
  for await (const it of reader) items.push(it);
  return { items, stats: reader.stats };
}

function pod(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, ...extra },
    spec: { containers: [{ name: "app", image: "x" }] },
    status: { phase: "Running" },
  };
}
function ev(type: string, name: string, at?: string, extra?: Record<string, unknown>) {
  return at === undefined ? { type, object: pod(name, extra) } : { at, type, object: pod(name, extra) };
}
const line = (v: unknown) => JSON.stringify(v);
const pretty = (v: unknown) => JSON.stringify(v, null, 4);

/** [position, kind, pod name or reason] for compact assertions. */
function summary(items: SourceItem[]) {
  return items.map((it) =>
    it.kind === "fact"
      ? [it.position.split(":").pop(), it.fact.type, (it.fact.object as { metadata?: { name?: string } }).metadata?.name]
      : [it.position.split(":").pop(), "problem"],
  );
}

describe("capture reader", () => {
  it("reads NDJSON with positions and `at` as epoch ms", async () => {
    const f = file(
      [
        line(ev("ADDED", "a", "2026-03-02T14:00:00.123Z")),
        line(ev("MODIFIED", "a", "2026-03-02T14:00:01.000+01:00")),
        line(ev("DELETED", "a")),
      ].join("\n") + "\n",
    );
    const { items, stats } = await read(f);
    expect(summary(items)).toEqual([
      ["1", "ADDED", "a"],
      ["2", "MODIFIED", "a"],
      ["3", "DELETED", "a"],
    ]);
    const facts = items.flatMap((i) => (i.kind === "fact" ? [i.fact] : []));
    expect(facts.map((f) => f.at)).toEqual([
      Date.parse("2026-03-02T14:00:00.123Z"),
      Date.parse("2026-03-02T13:00:01.000Z"),
      null,
    ]);
    expect(items[0]?.position).toBe(`${f}:1`);
    expect(stats).toMatchObject({ lines: 3, facts: 3, problems: 0, errors: 0 });
  });

  it("reads concatenated pretty-printed documents (kubectl -w -o json), positions at document start", async () => {
    const docs = [ev("ADDED", "a"), ev("MODIFIED", "a"), ev("DELETED", "a")];
    const text = docs.map(pretty).join("\n") + "\n";
    const f = file(text);
    const { items } = await read(f);
    const starts: string[] = [];
    text.split("\n").forEach((l, i) => {
      if (l === "{") starts.push(String(i + 1));
    });
    expect(starts).toHaveLength(3);
    expect(summary(items)).toEqual([
      [starts[0], "ADDED", "a"],
      [starts[1], "MODIFIED", "a"],
      [starts[2], "DELETED", "a"],
    ]);
    expect(items.every((i) => i.kind === "fact" && i.fact.at === null)).toBe(true);
  });

  it("handles documents without separating newlines, on one line, and with 2-space indent", async () => {
    const f = file(
      pretty(ev("ADDED", "a")) + pretty(ev("ADDED", "b")) + "\n" +
        line(ev("ADDED", "c")) + line(ev("ADDED", "d")) + "  " + line(ev("ADDED", "e")) + "\n" +
        JSON.stringify(ev("ADDED", "f"), null, 2) + "\n",
    );
    const { items } = await read(f);
    expect(items.map((i) => i.kind)).toEqual(Array(6).fill("fact"));
    expect(summary(items).map((s) => s[2])).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("reads a mix of both encodings with BOM, CRLF and blank lines", async () => {
    const parts = [
      line(ev("ADDED", "a", "2026-03-02T14:00:00.000Z")), // line 1 (with BOM)
      "", // 2
      pretty(ev("MODIFIED", "b")), // starts at 3
    ];
    const prettyLines = pretty(ev("MODIFIED", "b")).split("\n").length;
    const after = 3 + prettyLines; // blank line, then ndjson
    const text = "\uFEFF" + [...parts, "   ", line(ev("DELETED", "c"))].join("\r\n") + "\r\n\r\n";
    const { items } = await read(file(text));
    expect(summary(items)).toEqual([
      ["1", "ADDED", "a"],
      ["3", "MODIFIED", "b"],
      [String(after + 1), "DELETED", "c"],
    ]);
  });

  it("a strings containing braces, quotes and escapes does not confuse the scanner", async () => {
    const tricky = { "odd}{": 'a "quoted" } { [ ] \\', back: "\\\\", nl: "x\ny", uni: "é€😀" };
    const f = file(pretty(ev("ADDED", "a", undefined, { annotations: tricky })) + "\n" + pretty(ev("ADDED", "b")));
    const { items } = await read(f);
    expect(summary(items).map((s) => s[2])).toEqual(["a", "b"]);
    const obj = (items[0] as { fact: { object: { metadata: { annotations: unknown } } } }).fact.object;
    expect(obj.metadata.annotations).toEqual(tricky);
  });

  it("reports a truncated last line and keeps everything before it", async () => {
    const good = [line(ev("ADDED", "a")), line(ev("MODIFIED", "a"))];
    const trunc = line(ev("DELETED", "a")).slice(0, 40);
    const f = file(good.join("\n") + "\n" + trunc);
    const { items } = await read(f);
    expect(summary(items)).toEqual([
      ["1", "ADDED", "a"],
      ["2", "MODIFIED", "a"],
      ["3", "problem"],
    ]);
    const p = items[2];
    expect(p?.kind === "problem" && p.position).toBe(`${f}:3`);
  });

  it("reports a truncated last pretty document", async () => {
    const text = pretty(ev("ADDED", "a")) + "\n" + pretty(ev("ADDED", "b")).slice(0, 60);
    const { items } = await read(file(text));
    expect(items.map((i) => i.kind)).toEqual(["fact", "problem"]);
    const start = pretty(ev("ADDED", "a")).split("\n").length + 1;
    expect(items[1]?.position.endsWith(`:${start}`)).toBe(true);
  });

  it("invalid JSON in the middle loses no valid event around it", async () => {
    const lines = [
      line(ev("ADDED", "a")), // 1
      line(ev("ADDED", "x")).slice(0, 50), // 2 truncated inside a string
      line(ev("ADDED", "b")), // 3
      "hello world", // 4
      line(ev("ADDED", "c")), // 5
      "{not json}", // 6
      line(ev("ADDED", "d")), // 7
      line(ev("ADDED", "y")).slice(0, 30) + "}", // 8 truncated, ends with brace
      line(ev("ADDED", "e")), // 9
      '{"type":"ADDED","object":{"a":1}', // 10 unbalanced (missing brace) before a valid line
      line(ev("ADDED", "f")), // 11
      "}", // 12 stray closing brace
      line(ev("ADDED", "g")), // 13
      line(ev("ADDED", "h")) + ",", // 14 trailing comma after a document
      line(ev("ADDED", "i")), // 15
    ];
    const { items, stats } = await read(file(lines.join("\n") + "\n"));
    const facts = summary(items).filter((s) => s[1] !== "problem");
    expect(facts).toEqual([
      ["1", "ADDED", "a"],
      ["3", "ADDED", "b"],
      ["5", "ADDED", "c"],
      ["7", "ADDED", "d"],
      ["9", "ADDED", "e"],
      ["11", "ADDED", "f"],
      ["13", "ADDED", "g"],
      ["14", "ADDED", "h"],
      ["15", "ADDED", "i"],
    ]);
    const problems = summary(items).filter((s) => s[1] === "problem").map((s) => s[0]);
    expect(problems).toEqual(["2", "4", "6", "8", "10", "12", "14"]);
    expect(stats.problems).toBe(7);
    for (const p of items) if (p.kind === "problem") expect(p.reason.length).toBeGreaterThan(5);
  });

  it("every garbage line is reported on its own; indented NDJSON after garbage is still read", async () => {
    const lines = ["garbage one", "null", "  " + line(ev("ADDED", "a")), "[1]", "\t" + line(ev("ADDED", "b"))];
    const { items } = await read(file(lines.join("\n")));
    expect(summary(items)).toEqual([
      ["1", "problem"],
      ["2", "problem"],
      ["3", "ADDED", "a"],
      ["4", "problem"],
      ["5", "ADDED", "b"],
    ]);
  });

  it("a truncated pretty document in the middle is reported and the next document is read", async () => {
    const a = pretty(ev("ADDED", "a"));
    const bLines = pretty(ev("ADDED", "b")).split("\n");
    const cut = bLines.slice(0, 6).join("\n"); // stops mid-document, between keys
    const c = pretty(ev("ADDED", "c"));
    const text = [a, cut, c].join("\n") + "\n";
    const { items } = await read(file(text));
    const aLen = a.split("\n").length;
    expect(summary(items)).toEqual([
      ["1", "ADDED", "a"],
      [String(aLen + 1), "problem"],
      [String(aLen + 7), "ADDED", "c"],
    ]);
  });

  it("rejects wrong envelope types with a reason and continues", async () => {
    const lines = [
      line({ type: 5, object: pod("a") }),
      line({ type: "ADDED", object: "x" }),
      line({ at: "yesterday", type: "ADDED", object: pod("b") }),
      line({ at: "2026-13-02T14:00:00Z", type: "ADDED", object: pod("b") }),
      line({ type: "UPSERTED", object: pod("c") }),
      line({ type: "ADDED", object: [1, 2] }),
      line({ type: "ADDED" }),
      "[1,2,3]",
      "null",
      "42",
      line({ at: 1234, type: "ADDED", object: pod("d") }),
      line(ev("ADDED", "ok", "2026-03-02T14:00:00Z")),
    ];
    const { items } = await read(file(lines.join("\n")));
    expect(items.map((i) => i.kind)).toEqual([...Array(11).fill("problem"), "fact"]);
    const reasons = items.flatMap((i) => (i.kind === "problem" ? [i.reason] : []));
    expect(reasons[0]).toMatch(/type/);
    expect(reasons[1]).toMatch(/object/);
    expect(reasons[2]).toMatch(/at.*RFC 3339/);
    expect(reasons[3]).toMatch(/at/);
    expect(reasons[10]).toMatch(/at/);
    expect(items.map((i) => i.position.split(":").pop())).toEqual(lines.map((_, i) => String(i + 1)));
  });

  it("survives huge strings and caps oversized documents", async () => {
    const big = "x".repeat(10 * 1024 * 1024);
    const lines = [
      line(ev("ADDED", "a", undefined, { annotations: { big } })), // 10 MiB line: accepted
      line(ev("ADDED", "b")),
      `{"type":"ADDED","object":{"s":"${big}`, // 10 MiB truncated inside a string
      line(ev("ADDED", "c")),
    ];
    const f = file(lines.join("\n") + "\n");
    const { items } = await read(f);
    expect(summary(items)).toEqual([
      ["1", "ADDED", "a"],
      ["2", "ADDED", "b"],
      ["3", "problem"],
      ["4", "ADDED", "c"],
    ]);
    // With a 1 MiB cap, the 10 MiB lines become problems without being held in memory.
    const capped = await read(f, { maxDocument: 1024 * 1024 });
    expect(summary(capped.items)).toEqual([
      ["1", "problem"],
      ["2", "ADDED", "b"],
      ["3", "problem"],
      ["4", "ADDED", "c"],
    ]);
    expect(capped.items[0]?.kind === "problem" && capped.items[0].reason).toMatch(/exceeds/);
    // A pretty document that grows past the cap.
    const hugePretty = pretty({ type: "ADDED", object: { items: Array.from({ length: 40000 }, (_, i) => ({ i })) } });
    const g = file(hugePretty + "\n" + pretty(ev("ADDED", "z")) + "\n");
    const r = await read(g, { maxDocument: 256 * 1024 });
    expect(r.items.map((i) => i.kind)).toEqual(["problem", "fact"]);
    expect(r.items[0]?.kind === "problem" && r.items[0].reason).toMatch(/exceeds/);
  }, 60_000);

  it("handles multi-byte UTF-8 split across read chunks", async () => {
    const name = "é".repeat(600_000); // > 1 MiB of 2-byte characters across chunk boundaries
    const f = file(line(ev("ADDED", "a", undefined, { annotations: { name } })) + "\n" + line(ev("ADDED", "b")) + "\n");
    const { items } = await read(f);
    expect(summary(items).map((s) => s[2])).toEqual(["a", "b"]);
    const md = (items[0] as { fact: { object: { metadata: { annotations: { name: string } } } } }).fact.object.metadata;
    expect(md.annotations.name).toBe(name);
  });

  it("counts ERROR events (passed on as facts of type ERROR)", async () => {
    const lines = [
      line(ev("ADDED", "a")),
      line({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired" } }),
      line({ type: "BOOKMARK", object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "12" } } }),
      line({ type: "ERROR", object: { kind: "Status", code: 500 } }),
    ];
    const { items, stats } = await read(file(lines.join("\n")));
    expect(summary(items).map((s) => s[1])).toEqual(["ADDED", "ERROR", "BOOKMARK", "ERROR"]);
    expect(stats.errors).toBe(2);
    expect(stats.facts).toBe(4);
  });

  it("reads several files in order, each with its own positions", async () => {
    const a = file(line(ev("ADDED", "a")) + "\n" + line(ev("DELETED", "a")) + "\n", "first.ndjson");
    const b = file(pretty(ev("ADDED", "b")) + "\n", "second.json");
    const { items, stats } = await read([a, b]);
    expect(items.map((i) => i.position)).toEqual([`${a}:1`, `${a}:2`, `${b}:1`]);
    expect(stats.files).toBe(2);
  });

  it("empty and whitespace-only files yield nothing", async () => {
    expect((await read(file(""))).items).toEqual([]);
    expect((await read(file("\n\r\n   \n\uFEFF"))).items.length).toBeLessThanOrEqual(1);
    expect((await read(file("\uFEFF\n\n"))).items).toEqual([]);
  });

  it("reads the shared examples without problems", async () => {
    const ex = path.join(sharedDocsDir(), "examples", "sigkill.ndjson");
    const expected = readFileSync(ex, "utf8").split("\n").filter((l) => l.trim() !== "").length;
    const { items, stats } = await read(ex);
    expect(items).toHaveLength(expected);
    expect(stats.problems).toBe(0);
  });
});
