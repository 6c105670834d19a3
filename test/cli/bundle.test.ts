// The compiled CLI (scripts/build-cli.sh, what `npm start` and production run) must behave like
// the TypeScript sources: same records from the contract's examples, same exit codes.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectExamples } from "../helpers/examples.ts";
import { sharedDocsDir } from "../helpers/shared-docs.ts";

const root = path.resolve(import.meta.dirname, "../..");
const examples = path.join(sharedDocsDir(), "examples");
// Two folders below the root, like dist/cli: import.meta.url-relative paths must still resolve.
fs.mkdirSync(path.join(root, "dist"), { recursive: true });
const outdir = fs.mkdtempSync(path.join(root, "dist/cli-test-"));

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe("compiled CLI", () => {
  it("builds, keeps lazy imports lazy, and replays every example exactly like the sources", () => {
    execFileSync("bash", ["scripts/build-cli.sh", "lib/cli/main.ts", outdir], { cwd: root, stdio: "pipe" });
    const main = path.join(outdir, "main.mjs");
    expect(fs.existsSync(main)).toBe(true);
    // replay's chunk must not pull in Next.js (serve's chunk does).
    const replayChunk = fs.readdirSync(outdir).find((f) => f.startsWith("replay-"));
    expect(replayChunk).toBeDefined();
    expect(fs.readFileSync(path.join(outdir, replayChunk!), "utf8")).not.toMatch(/from "next"/);

    for (const file of fs.readdirSync(examples).filter((f) => f.endsWith(".ndjson"))) {
      const r = spawnSync(process.execPath, [main, "replay", path.join(examples, file), "--json", "--no-store"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const want = fs.readFileSync(path.join(examples, file.replace(/\.ndjson$/, ".records.jsonl")), "utf8");
      expectExamples(r.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown), want.trim().split("\n").map((l) => JSON.parse(l) as unknown));
    }
    const usage = spawnSync(process.execPath, [main, "no-such-command"], { encoding: "utf8" });
    expect(usage.status).toBe(2);
  });
});
