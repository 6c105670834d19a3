// Settings are read from the environment in one place (lib/env.ts): ESLint rejects process.env
// anywhere else, and `git grep` finds it nowhere else but bin/.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { root, ruleMessages } from "./lint.ts";

async function envFindings(code: string, filePath: string): Promise<string[]> {
  return ruleMessages(code, filePath, new Set(["no-restricted-properties", "no-restricted-imports"]));
}

describe("settings are read only by lib/env.ts", () => {
  it.each([
    ["export const port = process.env.PORT;\n", "lib/server/x.ts"],
    ['export const level = process.env["LOG_LEVEL"];\n', "lib/log2.ts"],
    ['import { env } from "node:process";\nexport const url = env.DATABASE_URL;\n', "app/x.tsx"],
    ["export const n = process.env.BENCH_N;\n", "bench/x.ts"],
    ["export const u = process.env.DATABASE_URL;\n", "test/x.test.ts"],
  ])("rejects %j in %s", async (code, file) => {
    const found = await envFindings(code, file);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join(" ")).toContain("lib/env.ts");
  });

  it("allows it in lib/env.ts and bin/", async () => {
    expect(await envFindings("export const e = process.env;\n", "lib/env.ts")).toEqual([]);
    expect(await envFindings("process.env.X ??= '1';\n", "bin/x.mjs")).toEqual([]);
  });

  it("git grep finds process.env in no code outside lib/env.ts and bin/", () => {
    const r = spawnSync(
      "git",
      ["grep", "-l", "process\\.env", "--", "*.ts", "*.tsx", "*.js", "*.mjs", ":!lib/env.ts", ":!bin/", ":!test/lint/", ":!eslint.config.js"],
      { cwd: root, encoding: "utf8" },
    );
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1); // git grep: 1 = no match
  });
});
