// `drainwatch replay`, run as a real process (node bin/drainwatch.mjs), against the shared examples
// and, for storage, a real Postgres (DATABASE_URL from the test runner; a fresh database per run).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, sql } from "../helpers/db.ts";
import { processEnv } from "../../lib/env.ts";
import { RECORD_ADDITIONS, examplesDir, projectRecords } from "../helpers/examples.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/drainwatch.mjs");
const EXAMPLES = examplesDir();
const captures = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".ndjson"))
  .sort()
  .map((f) => path.join(EXAMPLES, f));

const tmp = mkdtempSync(path.join(tmpdir(), "dw-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from the summary line on stderr (work done) to process exit; null without one. */
  exitLagMs: number | null;
}

function cli(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const merged = Object.fromEntries(
      Object.entries({
        ...processEnv(),
        NEXT_TELEMETRY_DISABLED: "1",
        CHECKPOINT_DISABLE: "1",
        DRAINWATCH_DATA_DIR: path.join(tmp, "data"),
        ...env,
      }).filter(([, v]) => v !== undefined), // undefined = unset for the child
    ) as NodeJS.ProcessEnv;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: merged,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    let summaryAt: number | null = null;
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (summaryAt === null && stderr.includes("drainwatch replay:")) summaryAt = Date.now();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, exitLagMs: summaryAt === null ? null : Date.now() - summaryAt }),
    );
  });
}

const jsonLines = (s: string): unknown[] =>
  s
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);

/** The printed records match the examples key by key; keys beyond them are documented additions. */
function expectExamples(actual: unknown[], expected: unknown[]): void {
  expect(actual).toHaveLength(expected.length);
  const { value, extra } = projectRecords(expected, actual);
  expect(value).toEqual(expected);
  expect([...extra].filter((k) => !RECORD_ADDITIONS.has(k))).toEqual([]);
}

const expectedFor = (capture: string): unknown[] =>
  jsonLines(readFileSync(capture.replace(/\.ndjson$/, ".records.jsonl"), "utf8"));

describe("replay --json --no-store", () => {
  for (const capture of captures) {
    it(`prints exactly the expected records for ${path.basename(capture)}`, async () => {
      const r = await cli(["replay", capture, "--json", "--no-store"]);
      expect(r.code, r.stderr).toBe(0);
      expectExamples(jsonLines(r.stdout), expectedFor(capture));
      expect(r.stdout.endsWith("\n")).toBe(true);
      expect(r.stderr).toMatch(/records/); // the summary line goes to stderr
    });
  }

  it("replays several files through one tracker, output in contract order", async () => {
    const r = await cli(["replay", ...[...captures].reverse(), "--json", "--no-store"]);
    expect(r.code, r.stderr).toBe(0);
    type Rec = { deleteRequestedAt: string | null; pod: string };
    const expected = captures.flatMap(expectedFor) as Rec[];
    expected.sort((a, b) =>
      (a.deleteRequestedAt ?? "\uffff") < (b.deleteRequestedAt ?? "\uffff")
        ? -1
        : (a.deleteRequestedAt ?? "\uffff") > (b.deleteRequestedAt ?? "\uffff")
          ? 1
          : a.pod < b.pod
            ? -1
            : 1,
    );
    expectExamples(jsonLines(r.stdout), expected);
  });

  it("garbage lines: exit 0, problems on stderr with file:line, valid records still printed", async () => {
    const src = captures.find((c) => c.endsWith("sigkill.ndjson"))!;
    const lines = readFileSync(src, "utf8").split("\n").filter((l) => l.trim() !== "");
    const bad = [
      "this is not json",
      '{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"na',
      '{"type": 5, "object": {}}',
      '{"at":"yesterday","type":"ADDED","object":{"kind":"Pod"}}',
      '{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"no-uid","namespace":"x"}}}',
    ];
    // garbage at lines 2, 4, 6, 8, 10 of the result
    const mixed: string[] = [];
    lines.forEach((l, i) => {
      mixed.push(l);
      if (i < bad.length) mixed.push(bad[i]!);
    });
    const file = path.join(tmp, "garbage.ndjson");
    writeFileSync(file, mixed.join("\n") + "\n" + lines[0]!.slice(0, 30)); // + truncated last line
    const r = await cli(["replay", file, "--json", "--no-store"]);
    expect(r.code, r.stderr).toBe(0);
    expectExamples(jsonLines(r.stdout), expectedFor(src));
    for (const n of [2, 4, 6, 8, 10, mixed.length + 1]) expect(r.stderr).toContain(`${file}:${n}:`);
    expect(r.stderr).toMatch(/metadata\.uid/); // the tracker's reason for the uid-less pod
    expect(r.stderr).toMatch(/6 problems/);
  });

  it("reads the concatenated pretty-printed encoding (no `at`) like NDJSON without `at`", async () => {
    for (const capture of captures) {
      const events = readFileSync(capture, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
          const { at: _at, ...rest } = JSON.parse(l) as Record<string, unknown>;
          return rest;
        });
      const base = path.join(tmp, path.basename(capture, ".ndjson"));
      writeFileSync(`${base}.noat.ndjson`, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
      writeFileSync(`${base}.pretty.json`, events.map((e) => JSON.stringify(e, null, 4)).join("\n"));
      const ndjson = await cli(["replay", `${base}.noat.ndjson`, "--json", "--no-store"]);
      const prettyRun = await cli(["replay", `${base}.pretty.json`, "--json", "--no-store"]);
      expect(prettyRun.code, prettyRun.stderr).toBe(0);
      expect(prettyRun.stderr).toMatch(/ 0 problems/);
      const got = jsonLines(prettyRun.stdout) as Record<string, unknown>[];
      expect(got).toEqual(jsonLines(ndjson.stdout));
      // Same terminations as with `at` (times are only seconds-precise without it).
      const pick = (r: Record<string, unknown>) => [r.podUid, r.pod, r.namespace, r.workload];
      expect(got.map(pick)).toEqual((expectedFor(capture) as Record<string, unknown>[]).map(pick));
    }
  }, 60_000);
});

describe("command line", () => {
  it("with the embedded PGlite (no DATABASE_URL) stores idempotently and exits promptly", async () => {
    const env = { DATABASE_URL: undefined, DRAINWATCH_DATA_DIR: path.join(tmp, "pglite-data") };
    const first = await cli(["replay", ...captures, "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonLines(first.stdout)).toHaveLength(captures.length);
    expect(first.stderr).toMatch(/\(5 written to the store\)/);
    expect(first.exitLagMs).not.toBeNull();
    expect(first.exitLagMs!).toBeLessThan(3000); // PGlite alone would keep the process ~10 s
    const second = await cli(["replay", ...captures], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/\(0 written to the store\)/);
  }, 60_000);

  it("--help prints usage and exits 0, also from another cwd", async () => {
    const r = await cli(["--help"], {}, tmpdir());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/drainwatch replay|replay FILE/);
  });

  it("unknown command, unknown option, no file: usage on stderr, exit 2, nothing on stdout", async () => {
    for (const args of [["bogus"], [], ["replay", "--bogus", captures[0]!], ["replay", "--json"]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/Usage: drainwatch/);
    }
  });

  it("unreadable files exit 2 before anything is processed", async () => {
    const r = await cli(["replay", captures[0]!, path.join(tmp, "missing.ndjson"), "--json", "--no-store"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/cannot read .*missing\.ndjson/);
    const d = await cli(["replay", tmp, "--no-store"]);
    expect(d.code).toBe(2);
  });

  it("without --json prints a human summary on stdout", async () => {
    const r = await cli(["replay", ...captures, "--no-store"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 terminations/);
    expect(r.stdout).toMatch(/OUTCOME/);
    expect(r.stdout).toMatch(/ledger-66b8d9c7f4-qq7lm/);
  });
});

// ---- storing, against the real Postgres of the test runner (DATABASE_URL; never skipped)
describe("replay into Postgres", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>> | null = null;
  let dbUrl = "";

  beforeAll(async () => {
    db = await freshDatabase("dw_cli");
    dbUrl = db.url;
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Every row of every drainwatch table, with its xmin (changes whenever a row is rewritten). */
  async function snapshot(): Promise<Record<string, unknown[]>> {
    const tables = await sql<{ t: string }>(
      dbUrl,
      `SELECT table_name AS t FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
       ORDER BY 1`,
    );
    const out: Record<string, unknown[]> = {};
    for (const { t } of tables) {
      out[t] = await sql(dbUrl, `SELECT xmin::text AS xmin, to_jsonb(x) AS row FROM "${t}" x ORDER BY 1, 2::text`);
    }
    return out;
  }

  it("stores every record once; a second replay changes no row", async () => {
    const first = await cli(["replay", ...captures, "--json"], { DATABASE_URL: dbUrl });
    expect(first.code, first.stderr).toBe(0);
    expect(jsonLines(first.stdout)).toHaveLength(captures.length);
    expect(first.stderr).toMatch(/\(5 written to the store\)/);

    const uids = await sql<{ pod_uid: string }>(dbUrl, `SELECT pod_uid FROM terminations ORDER BY 1`);
    const expectedUids = captures.flatMap(expectedFor).map((r) => (r as { podUid: string }).podUid).sort();
    expect(uids.map((r) => r.pod_uid)).toEqual(expectedUids);

    const before = await snapshot();
    expect(before.terminations).toHaveLength(captures.length);
    const second = await cli(["replay", ...captures], { DATABASE_URL: dbUrl });
    expect(second.code, second.stderr).toBe(0);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it("migrate prints what it applied, then that the database is up to date", async () => {
    const r = await cli(["migrate"], { DATABASE_URL: dbUrl });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/up to date|applied/);
  });

  it("exits promptly after storing (no lingering handles)", async () => {
    const r = await cli(["replay", captures[0]!], { DATABASE_URL: dbUrl });
    expect(r.code, r.stderr).toBe(0);
    expect(r.exitLagMs).not.toBeNull();
    expect(r.exitLagMs!).toBeLessThan(3000);
  });
});
