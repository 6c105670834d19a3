// Coverage gaps in the web UI, in Debian's Chromium against `drainwatch serve --no-ingest` on a
// real Postgres seeded with the UI records plus three stored gaps: every page whose range (the
// termination page: its window) overlaps a gap opens with one notice saying when drainwatch was
// not watching and why; a page whose range overlaps none has no notice; several gaps are
// counted with the longest named and a link to /api/v1/gaps. Screenshots at 1440 and 390 px.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordGap, type CoverageGap } from "../../lib/store/index.ts";
import type { Served } from "../e2e/helpers.ts";
import { NARROW, newPage, overflowsX, screenshot, uiServer, WIDE } from "./browser.ts";
import { seed } from "./seed.ts";

let served: Served;
let browser: Browser;
let closeAll: () => Promise<void>;
const now = Date.now();
const MIN = 60_000;
const DAY = 86_400_000;

// u-checkout-3's delete request is 48 min ago and it drained 32 s: G1 overlaps its window.
const G1: CoverageGap = { cluster: "prod", resource: "pods", from: new Date(now - 48 * MIN - 5000), to: new Date(now - 48 * MIN + 9000), reason: "history-expired" };
const G2: CoverageGap = { cluster: "staging", resource: "pods", from: new Date(now - 3 * DAY - 2 * MIN), to: new Date(now - 3 * DAY - MIN), reason: "no-checkpoint" };
const G3: CoverageGap = { cluster: "prod", resource: "events", from: new Date(now - 5 * DAY), to: new Date(now - 5 * DAY + 150_000), reason: "watch-expired" };

beforeAll(async () => {
  ({ served, browser, close: closeAll } = await uiServer(seed(now).records, async (store) => {
    for (const g of [G1, G2, G3]) await recordGap(g, store);
  }));
}, 90_000);
afterAll(() => closeAll?.());

/** `2026-12-01 14:02:10Z`, computed here independently of the app's formatter. */
const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}Z`;
const spanText = (g: CoverageGap) => {
  const sameDay = g.from.toISOString().slice(0, 10) === g.to.toISOString().slice(0, 10);
  return `from ${stamp(g.from)} to ${sameDay ? `${g.to.toISOString().slice(11, 19)}Z` : stamp(g.to)}`;
};

async function open(path: string, viewport = WIDE): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const { page, context, errors } = await newPage(browser, viewport);
  const res = await page.goto(served.base + path, { waitUntil: "load" });
  expect(res?.status(), `GET ${path}`).toBe(200);
  return { page, errors, close: () => context.close() };
}

async function banner(page: Page): Promise<string | null> {
  const b = page.getByTestId("gap-banner");
  const n = await b.count();
  expect(n, "at most one gap notice").toBeLessThanOrEqual(1);
  return n === 0 ? null : (await b.innerText()).replace(/\s+/g, " ").trim();
}

const ONE_G1 = `drainwatch was not watching ${spanText(G1)} (watch history expired during a leader change/restart): terminations in that window may be missing.`;

describe("the gap notice", () => {
  it("a page whose range overlaps one gap says when drainwatch was not watching and why, above everything else", async () => {
    for (const path of ["/", "/workloads", "/terminations", "/workloads/prod/payments/StatefulSet/ledger?since=24h", "/terminations/prod/u-checkout-3"]) {
      for (const [suffix, viewport] of [["1440", WIDE], ["390", NARROW]] as const) {
        const { page, errors, close } = await open(path, viewport);
        const text = await banner(page);
        expect(text, path).toContain(ONE_G1);
        expect(text, path).toContain("cluster prod, pods");
        // At the top: before the tiles, the filters and the tables.
        const bannerTop = await page.getByTestId("gap-banner").evaluate((e) => e.getBoundingClientRect().top);
        const tiles = page.locator(".tiles, .filterbar, form").first();
        if ((await tiles.count()) > 0) expect(bannerTop, path).toBeLessThan(await tiles.evaluate((e) => e.getBoundingClientRect().top));
        const name = path === "/" ? "overview" : path.split("?")[0]!.split("/").filter(Boolean).slice(0, 2).join("-");
        await screenshot(page, `gap-${name}-${suffix}`);
        if (suffix === "390") expect(await overflowsX(page), `${path} at 390 px`).toBe(false);
        expect(errors, path).toEqual([]);
        await close();
      }
    }
  }, 120_000);

  it("several gaps: how many, how long in all, the longest, and a link to all of them in the API", async () => {
    const { page, close } = await open("/?since=7d");
    const text = await banner(page);
    expect(text).toContain("drainwatch was not watching during 3 spans overlapping this range (4 min in all): terminations in them may be missing.");
    expect(text).toContain(`The longest: ${spanText(G3)} (a watch was down longer than the API server keeps its history).`);
    expect(text).toContain("cluster prod, events");
    await screenshot(page, "gap-overview-several-1440");
    const link = await page.getByTestId("gap-list").getAttribute("href");
    expect(link).toMatch(/^\/api\/v1\/gaps\?since=/);
    const res = await fetch(served.base + link!);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { reason: string }[] };
    expect(body.items.map((g) => g.reason)).toEqual(["history-expired", "no-checkpoint", "watch-expired"]);
    await close();

    // The workload page (7 days by default) counts only its cluster's gaps.
    const w = await open("/workloads/prod/shop/Deployment/checkout");
    expect(await banner(w.page)).toContain("during 2 spans overlapping this range");
    // Its outcomes-over-time chart shades both spans.
    await w.page.getByTestId("chart-outcomes").locator("svg.recharts-surface").first().waitFor({ timeout: 10_000 });
    expect(await w.page.getByTestId("chart-outcomes").locator(".gap-shade").count()).toBe(2);
    expect(await w.page.getByRole("region", { name: "Outcomes over time" }).innerText()).toContain("shaded: drainwatch was not watching");
    await screenshot(w.page, "gap-workload-several-1440");
    const narrow = await open("/workloads/prod/shop/Deployment/checkout", NARROW);
    await screenshot(narrow.page, "gap-workload-several-390");
    expect(await overflowsX(narrow.page)).toBe(false);
    await Promise.all([w.close(), narrow.close()]);

    // A cluster filter keeps that cluster's gaps.
    const staging = await open("/?since=7d&cluster=staging");
    expect(await banner(staging.page)).toContain(`drainwatch was not watching ${spanText(G2)} (no checkpoint to resume from (first start, or it was lost)): terminations in that window may be missing.`);
    await staging.close();
  }, 60_000);

  it("no notice where the range overlaps no gap, even with terminations shown", async () => {
    for (const path of [
      "/?since=20h&until=1h",
      "/terminations?since=20h&until=1h",
      "/workloads?since=20h&until=1h",
      "/workloads/prod/payments/StatefulSet/ledger?since=20h&until=1h",
      "/terminations/prod/u-checkout-1",
      "/terminations/prod/u-ledger-0",
    ]) {
      const { page, close } = await open(path);
      expect(await banner(page), path).toBeNull();
      if (path.startsWith("/workloads/")) {
        await page.getByTestId("chart-outcomes").locator("svg.recharts-surface").first().waitFor({ timeout: 10_000 });
        expect(await page.getByTestId("chart-outcomes").locator(".gap-shade").count()).toBe(0);
      }
      // The page did show data: the check is not passing on an error page.
      expect(await page.getByTestId("error").count(), path).toBe(0);
      expect(await page.locator("table").count(), path).toBeGreaterThan(0);
      await close();
    }
  }, 60_000);

  it("the API over HTTP: gaps as JSON, a path below it a JSON 404", async () => {
    const res = await fetch(`${served.base}/api/v1/gaps?cluster=prod&since=1h`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      items: [{ cluster: "prod", resource: "pods", from: G1.from.toISOString(), to: G1.to.toISOString(), seconds: 14, reason: "history-expired" }],
      truncated: false,
    });
    const bad = await fetch(`${served.base}/api/v1/gaps?since=soon`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('"since"');
    const missing = await fetch(`${served.base}/api/v1/gaps/prod`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/json/);
  });
});
