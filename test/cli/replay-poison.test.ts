// `drainwatch replay` (the real CLI process) of a capture holding the poison records of issue 10:
// a Deployment whose name is 6,001 characters, a pod with terminationGracePeriodSeconds
// 3,000,000,000, and a pod whose name the database cannot hold (a lone UTF-16 surrogate, which
// JSON.parse accepts). The valid ones are stored exactly, the bad one is quarantined, the pods
// after it are stored, and replay exits 0.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processEnv } from "../../lib/env.ts";
import { Capture, deleting, deployment, finalDelete, ms, pod, replicaSet, terminated, withStates } from "../tracker/kube.ts";
import { freshDatabase, sql } from "../helpers/db.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/drainwatch.mjs");
const tmp = mkdtempSync(path.join(tmpdir(), "dw-poison-"));

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...processEnv(), NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1", DRAINWATCH_DATA_DIR: path.join(tmp, "data"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const longName = ("api-" + randomBytes(6001).toString("base64url")).slice(0, 6001).toLowerCase();

/** One graceful deletion per pod, one after another (`at` offsets in seconds). */
function capture(): { text: string; pods: { name: string; uid: string; grace: number; workload: string }[] } {
  const c = new Capture();
  c.add(-20, "ADDED", deployment(longName, 2)).add(-20, "ADDED", replicaSet(longName, "7c9d", 2));
  c.add(-20, "ADDED", deployment("web", 1)).add(-20, "ADDED", replicaSet("web", "5f6a", 1));
  const pods = [
    { name: `${longName.slice(0, 200)}-7c9d-a1`, owner: `${longName}-7c9d`, hash: "7c9d", grace: 30, workload: longName },
    { name: "web-5f6a-huge-grace", owner: "web-5f6a", hash: "5f6a", grace: 3_000_000_000, workload: "web" },
    // Postgres cannot hold this name: the record is quarantined.
    { name: "web-5f6a-\udc00", owner: "web-5f6a", hash: "5f6a", grace: 30, workload: "web" },
    { name: "web-5f6a-after", owner: "web-5f6a", hash: "5f6a", grace: 30, workload: "web" },
  ].map((p, i) => ({ ...p, uid: `poison-${i}-${randomBytes(3).toString("hex")}`, start: i * 20 }));
  for (const p of pods) {
    const base = pod({ name: p.name, uid: p.uid, owner: { kind: "ReplicaSet", name: p.owner }, labels: { "pod-template-hash": p.hash }, grace: p.grace });
    c.add(p.start - 5, "ADDED", base);
    const d = deleting(base, p.start, p.grace);
    c.add(p.start + 0.1, "MODIFIED", d);
    const done = withStates(d, { app: terminated(0, "Completed", p.start + 9) }, "Succeeded");
    c.add(p.start + 9.5, "MODIFIED", done);
    const last = finalDelete(done, p.start);
    c.add(p.start + 10, "MODIFIED", last);
    c.add(p.start + 10.1, "DELETED", last);
  }
  const text = c.facts.map((f) => JSON.stringify({ at: f.at === null ? null : new Date(f.at).toISOString(), type: f.type, object: f.object })).join("\n") + "\n";
  return { text, pods };
}

describe("replay of a capture with poison records", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const { text, pods } = capture();
  const file = path.join(tmp, "poison.ndjson");

  beforeAll(async () => {
    db = await freshDatabase();
    writeFileSync(file, text);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("stores the valid records exactly, quarantines the one Postgres rejects, and exits 0", { timeout: 120_000 }, async () => {
    const run = await cli(["replay", "--json", file], { DATABASE_URL: db.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/web-5f6a-.* \(poison-2-[0-9a-f]+\): rejected by the database, quarantined: invalid input syntax for type json/);
    expect(run.stderr).toMatch(/4 records \(3 written to the store, 1 quarantined\)/);

    const stored = await sql<{ pod_uid: string; pod: string; grace: string; workload: string; kind: string; req: Date }>(
      db.url,
      `SELECT t.pod_uid, t.pod, t.grace_period_seconds::text AS grace, w.name AS workload, w.kind, t.delete_requested_at AS req
       FROM terminations t JOIN workloads w ON w.id = t.workload_id ORDER BY t.delete_requested_at`,
    );
    const valid = pods.filter((_, i) => i !== 2);
    expect(stored.map((r) => [r.pod_uid, r.pod, r.grace, r.workload, r.kind])).toEqual(valid.map((p) => [p.uid, p.name, String(p.grace), p.workload, "Deployment"]));
    expect(stored[0]!.workload).toHaveLength(6001);
    expect(stored.map((r) => r.req.toISOString())).toEqual([ms(0), ms(20), ms(60)]);

    const quarantined = await sql<{ pod_uid: string; pod: string; workload_name: string; sql_state: string; attempts: number; record: string }>(
      db.url,
      "SELECT pod_uid, pod, workload_name, sql_state, attempts, record FROM quarantined_records",
    );
    expect(quarantined.map((q) => [q.pod_uid, q.pod, q.workload_name, q.sql_state, q.attempts])).toEqual([[pods[2]!.uid, "web-5f6a-\ufffd", "web", "22P02", 1]]);
    // The printed record and the quarantined one are the same record.
    const printed = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { podUid: string });
    expect(printed.map((r) => r.podUid).sort()).toEqual(pods.map((p) => p.uid).sort());
    expect(JSON.parse(quarantined[0]!.record)).toStrictEqual(printed.find((r) => r.podUid === pods[2]!.uid));

    // A second replay changes nothing and counts the quarantined record's attempt, still exit 0.
    const again = await cli(["replay", file], { DATABASE_URL: db.url });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\(0 written to the store, 1 quarantined\)/);
    const [q2] = await sql<{ attempts: number }>(db.url, "SELECT attempts FROM quarantined_records");
    expect(q2?.attempts).toBe(2);
  });
});
