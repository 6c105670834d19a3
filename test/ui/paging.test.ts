// The overview and the workloads list render one page of workloads at a time (a cluster with
// thousands of workloads must not render thousands of rows): 50 on the overview, 100 on
// /workloads, the page in the URL, the tiles still over every workload in range.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTerminations } from "../../lib/store/index.ts";
import { get, killAll, requireBuild, type Served, startReadyServe, terminate } from "../e2e/helpers.ts";
import { migratedStore } from "../helpers/db.ts";
import { sigkillRecord } from "../store/fixtures.ts";

let s: Served;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  requireBuild();
  const { store, url, cleanup } = await migratedStore();
  cleanups.push(cleanup);
  const now = Date.now();
  // 120 workloads, one termination each within the last hour.
  const records = Array.from({ length: 120 }, (_, i) =>
    sigkillRecord({ podUid: `page-${i}`, pod: `svc-${i}-abc`, workload: { kind: "Deployment", name: `svc-${String(i).padStart(3, "0")}` }, deleteRequestedAt: new Date(now - 60_000 - i * 1000).toISOString() }),
  );
  await recordTerminations(store, records);
  s = await startReadyServe({ DATABASE_URL: url, DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0" }, ["--no-ingest"]);
  cleanups.push(() => (s.hasExited() ? undefined : terminate(s, 10_000)));
}, 60_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

const rows = (html: string) => [...html.matchAll(/data-workload="([^"]+)"/g)].map((m) => m[1]);

describe("workload pages", () => {
  it("the overview shows 50 workloads a page, the tiles count all 120, and page 3 the last 20", async () => {
    const first = await get(`${s.base}/?sort=name&dir=asc`);
    expect(rows(first.text)).toHaveLength(50);
    expect(rows(first.text)[0]).toBe("shop/Deployment/svc-000");
    expect(first.text.replace(/<!-- -->/g, "")).toContain("workloads 1–50 of 120");
    expect(first.text.replace(/<!-- -->/g, "")).toMatch(/of 120 with terminations/);
    const third = await get(`${s.base}/?sort=name&dir=asc&page=3`);
    expect(rows(third.text)).toHaveLength(20);
    expect(rows(third.text)[19]).toBe("shop/Deployment/svc-119");
    // A page past the end shows the last one.
    expect(rows((await get(`${s.base}/?sort=name&dir=asc&page=99`)).text)).toEqual(rows(third.text));
  });

  it("/workloads shows 100 a page", async () => {
    const page = await get(`${s.base}/workloads?since=24h`);
    expect(rows(page.text)).toHaveLength(100);
    expect(rows((await get(`${s.base}/workloads?since=24h&page=2`)).text)).toHaveLength(20);
  });
});
