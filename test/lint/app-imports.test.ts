// Pages and route handlers stay thin: ESLint lets app/ read through lib/store/queries.ts and
// nothing that writes, ingests or talks to the cluster.
import { describe, expect, it } from "vitest";
import { ruleMessages } from "./lint.ts";

async function restricted(code: string, filePath = "app/x/page.tsx"): Promise<string[]> {
  return ruleMessages(code, filePath, new Set(["no-restricted-imports"]));
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
