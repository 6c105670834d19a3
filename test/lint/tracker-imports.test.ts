// The tracker must stay free of I/O: ESLint's import rule for lib/tracker/** proves it.
import { describe, expect, it } from "vitest";
import { ruleMessages } from "./lint.ts";

async function restrictedImports(code: string, filePath = "lib/tracker/x.ts"): Promise<string[]> {
  return ruleMessages(code, filePath, new Set(["@typescript-eslint/no-restricted-imports"]));
}

describe("lib/tracker import rule", () => {
  it.each([
    ['import { readFileSync } from "node:fs";', "node builtin with node: prefix"],
    ['import fs from "fs";', "bare node builtin"],
    ['import { readFile } from "fs/promises";', "builtin subpath"],
    ['import net from "net";', "net"],
    ['import { spawn } from "child_process";', "child_process"],
    ['import http from "node:http";', "http"],
    ['import pg from "pg";', "pg"],
    ['import { PrismaClient } from "@prisma/client";', "@prisma/*"],
    ['import { PGlite } from "@electric-sql/pglite";', "@electric-sql/*"],
    ['import { pino } from "pino";', "pino"],
    ['import next from "next";', "next"],
    ['import { headers } from "next/headers";', "next subpath"],
    ['import { KubeConfig } from "@kubernetes/client-node";', "client-node value import"],
    ['import { openStore } from "../store/index.ts";', "relative store import"],
    ['import { x } from "../sources/capture.ts";', "relative sources import"],
    ['import { serve } from "../server/serve.ts";', "relative server import"],
    ['import { main } from "../cli/main.ts";', "relative cli import"],
    ['import { runIngest } from "../ingest/pipeline.ts";', "relative ingest pipeline import"],
    ['import { openStore } from "@/lib/store/index.ts";', "aliased store import"],
    ['import { log } from "../log.ts";', "logger"],
    ['import { live } from "../ingest/live.ts";', "relative ingest import"],
    ['import { lease } from "../leader/lease";', "relative leader import, no extension"],
  ])("rejects %s (%s)", async (code) => {
    const messages = await restrictedImports(`${code}\nexport const used = [${code.match(/import \{? ?(\w+)/)?.[1]}];\n`);
    expect(messages.length, `expected an error for: ${code}`).toBeGreaterThan(0);
  });

  it("rejects an I/O import nested deeper in the tracker", async () => {
    const messages = await restrictedImports('import fs from "node:fs";\nexport const f = fs;\n', "lib/tracker/sub/y.ts");
    expect(messages.length).toBeGreaterThan(0);
  });

  it("allows type-only imports from @kubernetes/client-node, and pure modules", async () => {
    const code = [
      'import type { V1Pod } from "@kubernetes/client-node";',
      'import { z } from "zod";',
      'import type { Fact } from "./fact.ts";',
      'import { type TerminationRecord, OUTCOMES } from "./record.ts";',
      "export const s = z.string();",
      "export const o = OUTCOMES;",
      "export type T = [V1Pod, Fact, TerminationRecord];",
    ].join("\n");
    expect(await restrictedImports(code)).toEqual([]);
  });

  it("does not apply outside lib/tracker", async () => {
    expect(await restrictedImports('import fs from "node:fs";\nexport const f = fs;\n', "lib/store/x.ts")).toEqual([]);
  });

  it("forbids explicit any everywhere", async () => {
    expect(await ruleMessages("export const a: any = 1;\n", "lib/store/x.ts", new Set(["@typescript-eslint/no-explicit-any"]))).toHaveLength(1);
  });
});
