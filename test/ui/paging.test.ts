// The overview and the workloads list render one page of workloads at a time (a cluster with
// thousands of workloads must not render thousands of rows): 50 on the overview, 100 on
// /workloads, the page in the URL, the tiles still over every workload in range.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordTerminations } from "../../lib/store/index.ts";
import { get, killAll, requireBuild, type Served, startReadyServe, terminate } from "../e2e/helpers.ts";
import { migratedStore } from "../helpers/db.ts";
import { sigkillRecord } from "../store/fixtures.ts";
import { seconds } from "../../app/_ui/format.ts";

let s: Served;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  requireBuild();
  const { store, url, cleanup } = await migratedStore();
  cleanups.push(cleanup);
  const now = Date.now();
  // 120 workloads, one termination each within the last hour.
  const records = Array.from({ length: 120 }, (_, i) =>
    sigkillRecord({ podUid: `page-${i}`, pod: `svc-${i}-abc`, workload: { kind: "Deployment", name: `svc-${String(i).padStart(3, "0")}` }, deleteRequestedAt: new Date(now - 60_000 - i * 1000).toISOString(), drainSeconds: i + 0.5 }),
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

  it("each row shows its own workload's p95 drain, whether the page is ordered by counts (tails read for the page) or by p95 drain (for all: sorted on a short range, by rank on a long one)", async () => {
    const drains = (html: string) =>
      [...html.matchAll(/data-workload="shop\/Deployment\/svc-(\d+)"[\s\S]*?data-label="p95 drain"><span[^>]*>([^<]+)</g)].map((m) => [Number(m[1]), m[2]] as const);
    for (const [path, n] of [
      ["/", 50],
      ["/?page=3", 20],
      ["/?sort=drain", 50],
      ["/?since=30d&sort=drain&page=2", 50],
      ["/?since=30d&page=3", 20],
      ["/workloads?since=24h&sort=lag&page=2", 20],
      ["/workloads?since=24h", 100],
      ["/workloads?since=30d&sort=drain", 100],
    ] as const) {
      const got = drains((await get(`${s.base}${path}`)).text);
      expect(got, path).toHaveLength(n);
      for (const [i, text] of got) expect(text, `${path} svc-${i}`).toBe(seconds(i + 0.5));
    }
    // By p95 drain, largest first: every workload's percentile was read to order them.
    expect(rows((await get(`${s.base}/?sort=drain`)).text).slice(0, 2)).toEqual(["shop/Deployment/svc-119", "shop/Deployment/svc-118"]);
    expect(rows((await get(`${s.base}/?since=30d&sort=drain&dir=asc`)).text).slice(0, 2)).toEqual(["shop/Deployment/svc-000", "shop/Deployment/svc-001"]);
    // /workloads shows p50 and max too, also when its order came from the tails.
    for (const path of ["/workloads?since=24h", "/workloads?since=30d&sort=drain"]) {
      const p50max = [...(await get(`${s.base}${path}`)).text.matchAll(/data-workload="shop\/Deployment\/svc-(\d+)"[\s\S]*?data-label="p50 · max">([\s\S]*?)<\/td>/g)];
      expect(p50max, path).toHaveLength(100);
      for (const m of p50max) expect(m[2]!.replace(/<!-- -->/g, ""), `${path} svc-${m[1]}`).toBe(`${seconds(Number(m[1]) + 0.5)} · ${seconds(Number(m[1]) + 0.5)}`);
    }
  });

  it("/workloads shows 100 a page", async () => {
    const page = await get(`${s.base}/workloads?since=24h`);
    expect(rows(page.text)).toHaveLength(100);
    expect(rows((await get(`${s.base}/workloads?since=24h&page=2`)).text)).toHaveLength(20);
  });
});
