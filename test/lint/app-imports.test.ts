// Pages and route handlers stay thin: ESLint lets app/ read through lib/store/queries.ts and
// nothing that writes, ingests or talks to the cluster.
import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function restricted(code: string, filePath = "app/x/page.tsx"): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  expect(result).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, JSON.stringify(fatal)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("app/ import rule", () => {
  it.each([
    ['import { recordTerminations } from "../../lib/store/index.ts";\nexport const x = recordTerminations;\n'],
    ['import { openStore } from "../../lib/store/client.ts";\nexport const x = openStore;\n'],
    ['import { migrate } from "@/lib/store/migrate";\nexport const x = migrate;\n'],
    ['import { startSandbox } from "../../lib/sandbox/index.ts";\nexport const x = startSandbox;\n'],
    ['import { loadSettings } from "../../lib/env.ts";\nexport const x = loadSettings;\n'],
    ['import { startInformers } from "../../lib/sources/live/informers.ts";\nexport const x = startInformers;\n'],
    ['import pg from "pg";\nexport const x = pg;\n'],
    ['import { CoreV1Api } from "@kubernetes/client-node";\nexport const x = CoreV1Api;\n'],
  ])("rejects %j", async (code) => {
    expect((await restricted(code)).length).toBeGreaterThan(0);
  });

  it("allows the read queries, errors and the record types", async () => {
    const code = [
      'import { findTerminations } from "../../lib/store/queries.ts";',
      'import { load } from "../../lib/errors.ts";',
      'import type { TerminationRecord } from "../../lib/tracker/record.ts";',
      "export const x = [findTerminations, load];",
      "export type R = TerminationRecord;",
      "",
    ].join("\n");
    expect(await restricted(code)).toEqual([]);
  });
});
