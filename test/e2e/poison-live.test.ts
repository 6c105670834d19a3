// Poison records live (issue 10 point 5): `drainwatch serve` (the real CLI) ingesting a sandbox
// whose Deployment has a 6,001-character name and another terminationGracePeriodSeconds
// 3,000,000,000, on a real Postgres. Both terminations are stored exactly, like the sandbox's
// ground truth. Then the database refuses every write for a reason that is not the data: after
// DRAINWATCH_WRITER_UNREADY_SECONDS (1 s here) /readyz is 503 saying so and
// drainwatch_writer_failing_seconds counts; once writes work again both clear and nothing is lost.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { freshDatabase, sql } from "../helpers/db.ts";
import { freePort, get, isReady, killAll, metric, requireBuild, startServe, tempDir, terminate, until, writeKubeconfig, type Served } from "./helpers.ts";

// Random (Postgres compresses index entries first: a repetitive name would fit a btree anyway).
const LONG = "api" + Array.from(randomBytes(5998), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");
const SCENARIO = stringifyYaml({
  name: "poison",
  timeScale: 0.05,
  seed: 11,
  namespaces: ["shop"],
  nodes: ["node-1"],
  workloads: [
    { name: LONG, namespace: "shop", replicas: 1, containers: [{ name: "app", behaviour: "clean", drainSeconds: 2 }] },
    { name: "huge-grace", namespace: "shop", replicas: 1, terminationGracePeriodSeconds: 3_000_000_000, containers: [{ name: "app", behaviour: "clean", drainSeconds: 2 }] },
    { name: "web", namespace: "shop", replicas: 2, containers: [{ name: "app", behaviour: "clean", drainSeconds: 1 }] },
  ],
});

let sb: Sandbox;
let served: Served;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;

beforeAll(async () => {
  requireBuild();
  db = await freshDatabase("dw_poison");
  dir = tempDir("dw-poison-live-");
  fs.mkdirSync(path.join(dir, "home"));
  const port = await freePort();
  sb = await startSandbox({ scenario: SCENARIO, port });
  served = await startServe({
    DATABASE_URL: db.url,
    KUBECONFIG: writeKubeconfig(dir, port),
    HOME: path.join(dir, "home"),
    DRAINWATCH_DATA_DIR: path.join(dir, "data"),
    DRAINWATCH_SETTLE_SECONDS: "0.5",
    DRAINWATCH_LEASE_DURATION_SECONDS: "3",
    DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.3",
    DRAINWATCH_WRITER_UNREADY_SECONDS: "1",
    PROMETHEUS_URL: undefined,
  });
  await until("/readyz 200", () => isReady(served), 60_000, [served]);
}, 90_000);

afterAll(async () => {
  if (served && !served.hasExited()) await terminate(served, 20_000).catch(() => undefined);
  killAll();
  await sb?.close();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Deletes the first live pod of a workload (as `kubectl delete pod`); its name and UID. */
function deleteOne(workload: string): { name: string; uid: string } {
  const p = sb.driver.livePods().find((x) => x.namespace === "shop" && x.name.startsWith(`${workload}-`) && x.name.length < workload.length + 20);
  if (!p) throw new Error(`no live pod of ${workload.slice(0, 20)}…`);
  sb.driver.deletePod("shop", p.name);
  return { name: p.name, uid: p.uid };
}

async function stored(uid: string): Promise<{ pod: string; workload: string; grace: string; cause: string; outcome: string } | undefined> {
  const rows = await sql<{ pod: string; workload: string; grace: string; cause: string; outcome: string }>(
    db.url,
    `SELECT t.pod, w.name AS workload, t.grace_period_seconds::text AS grace, t.cause, t.outcome
     FROM terminations t JOIN workloads w ON w.id = t.workload_id WHERE t.pod_uid = $1`,
    [uid],
  );
  return rows[0];
}

describe("poison records, live", () => {
  it("a 6,001-character workload name and a 3,000,000,000 s grace period are stored exactly, as the sandbox says", async () => {
    const long = deleteOne(LONG);
    const huge = deleteOne("huge-grace");
    await until("both recorded", async () => (await stored(long.uid)) !== undefined && (await stored(huge.uid)) !== undefined, 30_000, [served]);
    const truth = new Map(sb.groundTruth().map((t) => [t.podUid, t]));
    for (const [p, workload] of [[long, LONG], [huge, "huge-grace"]] as const) {
      const t = truth.get(p.uid)!;
      expect(await stored(p.uid)).toEqual({ pod: p.name, workload, grace: String(t.gracePeriodSeconds), cause: t.cause, outcome: t.outcome });
    }
    expect(truth.get(huge.uid)?.gracePeriodSeconds).toBe(3_000_000_000);
    expect(await sql(db.url, "SELECT * FROM quarantined_records")).toEqual([]);
    expect(await metric(served, "drainwatch_write_failures_total")).toBe(0);
    expect(await metric(served, "drainwatch_writer_failing_seconds")).toBe(0);
    // The API finds the long-named workload's termination by its name.
    const api = await get(`${served.base}/api/v1/terminations?workload=${LONG}`);
    expect(api.status).toBe(200);
    expect((JSON.parse(api.text) as { items: { podUid: string }[] }).items.map((i) => i.podUid)).toEqual([long.uid]);
  }, 60_000);

  it("a writer failing for longer than the setting makes /readyz 503 with the reason and the gauge count; both clear once writes work", async () => {
    await sql(db.url, `CREATE FUNCTION dw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
    await sql(db.url, `CREATE TRIGGER dw_refuse BEFORE INSERT ON terminations FOR EACH STATEMENT EXECUTE FUNCTION dw_refuse()`);
    let web: { name: string; uid: string };
    try {
      expect(await isReady(served)).toBe(true);
      web = deleteOne("web");
      await until("/readyz 503", async () => (await get(`${served.base}/readyz`)).status === 503, 30_000, [served]);
      const body = JSON.parse((await get(`${served.base}/readyz`)).text) as { status: string; reason: string };
      expect(body.status).toBe("not ready");
      expect(body.reason).toMatch(/^ingest: writing records has failed for \d+ s: refused for the test$/);
      expect(await metric(served, "drainwatch_writer_failing_seconds")).toBeGreaterThan(1);
      expect(await stored(web.uid)).toBeUndefined();
    } finally {
      await sql(db.url, "DROP TRIGGER dw_refuse ON terminations");
    }
    await until("/readyz 200 again", () => isReady(served), 60_000, [served]);
    await until("the held record written", async () => (await stored(web.uid)) !== undefined, 30_000, [served]);
    expect(await metric(served, "drainwatch_writer_failing_seconds")).toBe(0);
    expect(await metric(served, "drainwatch_records_dropped_total")).toBe(0);
  }, 90_000);
});
