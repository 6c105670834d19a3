// The contract's examples (../shared/examples) are compared key by key: every key an example has
// must match exactly; keys the record has beyond them must be documented additions (contract:
// add fields, never change existing ones).
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { Fact } from "../../lib/tracker/fact.ts";
import { sharedDocsDir } from "./shared-docs.ts";

export const examplesDir = (): string => path.join(sharedDocsDir(), "examples");

/** The example captures' file names (`NAME.ndjson`). */
export const exampleCaptures = (): string[] => fs.readdirSync(examplesDir()).filter((f) => f.endsWith(".ndjson")).sort();

/** An example capture as the facts the tracker takes (`at` as epoch ms, null when absent). */
export function readExampleFacts(file: string): Fact[] {
  return fs
    .readFileSync(path.join(examplesDir(), file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const e = JSON.parse(l) as { at?: string; type: Fact["type"]; object: unknown };
      return { at: e.at ? Date.parse(e.at) : null, type: e.type, object: e.object };
    });
}

/** Top-level keys the record carries beyond contract section 3's example files. Additions never go
 * inside the contract's own objects (preStop, containers), which stay exactly as the examples print. */
export const RECORD_ADDITIONS = new Set(["preStopSleepSeconds", "containerSpecs"]);

/** `projectOnto` for a list of records: key paths are relative to one record. */
export function projectRecords(expected: unknown[], actual: unknown[]): { value: unknown; extra: Set<string> } {
  const extra = new Set<string>();
  return { value: actual.map((a, i) => projectOnto(expected[i], a, "", extra).value), extra };
}

/**
 * `actual` restricted to the shape of `expected` (object keys that `expected` has, arrays element
 * by element), and the key paths of `actual` that `expected` lacks.
 */
export function projectOnto(expected: unknown, actual: unknown, at = "", extra: Set<string> = new Set()): { value: unknown; extra: Set<string> } {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return { value: actual.map((a, i) => projectOnto(expected[i], a, `${at}[]`, extra).value), extra };
  }
  if (isObject(expected) && isObject(actual)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(actual)) {
      const p = at === "" ? k : `${at}.${k}`;
      if (k in expected) out[k] = projectOnto(expected[k], v, p, extra).value;
      else extra.add(p);
    }
    return { value: out, extra };
  }
  return { value: actual, extra };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Records equal the contract's examples key by key; anything beyond them is a documented addition. */
export function expectExamples(actual: readonly unknown[], expected: readonly unknown[]): void {
  expect(actual).toHaveLength(expected.length);
  const { value, extra } = projectRecords([...expected], [...actual]);
  expect(value).toEqual(expected);
  expect([...extra].filter((k) => !RECORD_ADDITIONS.has(k))).toEqual([]);
}
