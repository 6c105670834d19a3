// lib/sandbox has one public entry and few importers: ESLint's sandbox import rule proves it.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { linter, root, ruleMessages } from "./lint.ts";

const RULES = new Set(["no-restricted-imports", "no-restricted-syntax"]);
/** The sandbox rule's messages for `code` linted as if it were `filePath`. */
async function sandboxErrors(code: string, filePath: string): Promise<string[]> {
  return ruleMessages(code, filePath, RULES);
}

const use = (code: string): string => `${code}\nexport const used = [x];\n`;

describe("lib/sandbox import rule", () => {
  it.each([
    ['import { x } from "../sandbox/sim/cluster.ts";', "lib/server/serve.ts", "deep relative import from lib/server"],
    ['import { x } from "../sandbox/api/server.ts";', "lib/cli/main.ts", "deep relative import from lib/cli"],
    ['import { x } from "../lib/sandbox/store.ts";', "bench/live.ts", "deep import from bench"],
    ['import { x } from "../../lib/sandbox/sandbox.ts";', "test/e2e/x.test.ts", "deep import from a test outside test/sandbox"],
    ['import { x } from "@/lib/sandbox/clock.ts";', "test/live/x.test.ts", "aliased deep import"],
    ['export { x } from "../sandbox/command.ts";', "lib/cli/x.ts", "deep re-export"],
    ['const { x } = await import("../lib/sandbox/sim/cluster.ts");', "bench/x.ts", "deep dynamic import"],
    ['import { x } from "../sandbox/index.ts";', "lib/store/x.ts", "entry import from a stage that may not use the sandbox"],
    ['import { x } from "../sandbox/index.ts";', "lib/tracker/x.ts", "entry import from the tracker"],
    ['import type { x } from "../../lib/sandbox/index.ts";', "app/page/x.tsx", "type import from the UI"],
    ['import { x } from "@/lib/sandbox/index.ts";', "app/x.ts", "aliased entry import from the UI"],
    ['const { x } = await import("../sandbox/index.ts");', "lib/ingest/x.ts", "dynamic entry import from lib/ingest"],
    ['import { x } from "../../lib/sandbox/scenario.ts";', "scripts/x.ts", "deep import from scripts"],
  ])("rejects %s in %s (%s)", async (code, file) => {
    expect(await sandboxErrors(use(code), file)).not.toEqual([]);
  });

  it.each([
    ['import { x } from "../sandbox/index.ts";', "lib/server/serve.ts"],
    ['const { x } = await import("../sandbox/index.ts");', "lib/cli/main.ts"],
    ['import { x } from "../lib/sandbox/index.ts";', "bench/live.ts"],
    ['const { x } = await import("../lib/sandbox/index.ts");', "bench/live.ts"],
    ['import { x } from "../../lib/sandbox/index.ts";', "test/e2e/x.test.ts"],
    ['import { x } from "@/lib/sandbox/index.ts";', "test/live/x.test.ts"],
    // The sandbox's own unit tests, and the sandbox itself, may use its internals.
    ['import { x } from "../../lib/sandbox/sim/plan.ts";', "test/sandbox/units.test.ts"],
    ['import { x } from "../store.ts";', "lib/sandbox/sim/x.ts"],
    // Not the sandbox: the scenarios folder at the root, another stage, a name that only contains "sandbox".
    ['import { x } from "../lib/sandboxes/x.ts";', "bench/x.ts"],
    ['import { x } from "../store/index.ts";', "lib/ingest/x.ts"],
  ])("allows %s in %s", async (code, file) => {
    expect(await sandboxErrors(use(code), file)).toEqual([]);
  });

  it("names the rule's reason", async () => {
    expect(await sandboxErrors(use('import { x } from "../lib/sandbox/store.ts";'), "bench/x.ts")).toEqual([expect.stringContaining("Import the sandbox through lib/sandbox/index.ts only.")]);
    expect(await sandboxErrors(use('import { x } from "../sandbox/index.ts";'), "lib/store/x.ts")).toEqual([expect.stringContaining("Only lib/server, lib/cli, bench and test may import lib/sandbox.")]);
  });

  it("holds for the repository as it is", async () => {
    const results = await linter().lintFiles(["lib", "bench", "test", "app"]);
    const hits = results.flatMap((r) => r.messages.filter((m) => m.ruleId !== null && RULES.has(m.ruleId)).map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`));
    expect(hits).toEqual([]);
  }, 120_000);
});
