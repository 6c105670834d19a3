// The JSON API through a real `drainwatch serve` process (the production build: bash
// scripts/build.sh first): JSON pages, streamed CSV, errors as JSON, on a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTerminations } from "../../lib/store/index.ts";
import { migratedStore } from "../helpers/db.ts";
import { killAll, requireBuild, type Served, startReadyServe, terminate } from "../e2e/helpers.ts";
import { cleanRecord, sigkillRecord } from "../store/fixtures.ts";

let db: Awaited<ReturnType<typeof migratedStore>>;
let s: Served;

const hostile = sigkillRecord({ podUid: "uid-script", pod: '<script>alert("x")</script>,pod', deleteRequestedAt: new Date(Date.now() - 60_000).toISOString() });

beforeAll(async () => {
  requireBuild();
  db = await migratedStore();
  await recordTerminations(db.store, [hostile, cleanRecord({ deleteRequestedAt: new Date(Date.now() - 120_000).toISOString() })]);
  s = await startReadyServe({ DATABASE_URL: db.url, DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0" }, ["--no-ingest"], 60_000);
}, 90_000);

afterAll(async () => {
  if (s && !s.hasExited()) await terminate(s, 10_000).catch(() => killAll());
  await db?.cleanup();
});

describe("/api/v1 through drainwatch serve", () => {
  it("lists terminations as JSON, one as JSON, workloads as JSON", async () => {
    const list = await fetch(`${s.base}/api/v1/terminations?limit=1`);
    expect(list.status).toBe(200);
    expect(list.headers.get("content-type")).toMatch(/^application\/json/);
    const page = (await list.json()) as { items: { podUid: string; pod: string }[]; nextCursor: string | null };
    expect(page.items).toEqual([expect.objectContaining({ podUid: "uid-script", pod: hostile.pod })]);
    const next = (await (await fetch(`${s.base}/api/v1/terminations?limit=1&cursor=${encodeURIComponent(page.nextCursor!)}`)).json()) as { items: { podUid: string }[]; nextCursor: string | null };
    expect(next.items.map((r) => r.podUid)).toEqual([cleanRecord().podUid]);
    expect(next.nextCursor).toBeNull();

    const one = await fetch(`${s.base}/api/v1/terminations/uid-script`);
    expect(await one.json()).toMatchObject({ podUid: "uid-script", workload: { kind: "Deployment", name: "checkout" } });
    const workloads = (await (await fetch(`${s.base}/api/v1/workloads`)).json()) as { items: { name: string }[] };
    expect(workloads.items.map((w) => w.name).sort()).toEqual(["checkout", "ledger"]);
    const w = await fetch(`${s.base}/api/v1/workloads/default/shop/Deployment/checkout`);
    expect(w.status).toBe(200);
    expect(((await w.json()) as { recommendations: unknown[] }).recommendations.length).toBeGreaterThan(0);
  });

  it("streams CSV for Accept: text/csv, quoting the hostile pod name", async () => {
    const res = await fetch(`${s.base}/api/v1/terminations`, { headers: { accept: "text/csv" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const text = await res.text();
    expect(text.split("\r\n")[0]).toMatch(/^podUid,cluster,namespace,pod,node,workload,/);
    expect(text).toContain(`uid-script,default,shop,"<script>alert(""x"")</script>,pod",`);
  });

  it("answers errors as JSON: 400 naming the parameter, 404 for a record and for an unknown path", async () => {
    const bad = await fetch(`${s.base}/api/v1/terminations?limit=5000`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "bad_request", message: expect.stringContaining('"limit"') } });
    const missing = await fetch(`${s.base}/api/v1/terminations/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const unknown = await fetch(`${s.base}/api/v1/no/such/thing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
