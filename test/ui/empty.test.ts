// The web UI on an empty database: every page says there is nothing yet and what to do, in a
// real browser (Debian's Chromium) against `drainwatch serve --no-ingest`; screenshots of each
// at 1440 px and 390 px go to test/ui/artifacts.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../e2e/helpers.ts";
import { NARROW, newPage, overflowsX, screenshot, uiServer, WIDE } from "./browser.ts";

let served: Served;
let browser: Browser;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ served, browser, close } = await uiServer([]));
}, 90_000);

afterAll(() => close?.());

const PAGES: { name: string; path: string; says: RegExp; testId: string }[] = [
  { name: "overview-empty", path: "/", says: /No terminations recorded yet\..*drainwatch replay.*\/readyz/s, testId: "empty" },
  { name: "workloads-empty", path: "/workloads", says: /No terminations recorded yet\..*\/readyz/s, testId: "empty" },
  { name: "workload-empty", path: "/workloads/prod/shop/Deployment/checkout", says: /No terminations of Deployment\/checkout.*Widen the range/s, testId: "empty" },
  { name: "terminations-empty", path: "/terminations", says: /No terminations recorded yet\..*ingesting/s, testId: "empty" },
  { name: "termination-empty", path: "/terminations/prod/u-none", says: /No termination of pod UID u-none.*terminations list/s, testId: "not-found" },
  { name: "live-empty", path: "/live", says: /Live view not available/, testId: "live-unavailable" },
];

describe("an empty database", () => {
  it("every page says there is nothing yet and what to do, at 1440 px and 390 px", async () => {
    for (const p of PAGES) {
      for (const [suffix, viewport] of [["1440", WIDE], ["390", NARROW]] as const) {
        const { page, context, errors } = await newPage(browser, viewport);
        const res = await page.goto(served.base + p.path, { waitUntil: "load" });
        expect(res?.status(), p.path).toBe(200);
        expect(await page.getByTestId(p.testId).innerText(), p.path).toMatch(p.says);
        if (p.path === "/") {
          // The tiles still answer: zero, and no metrics source (this process has no PROMETHEUS_URL).
          expect(await page.getByTestId("tile-terminations").innerText()).toContain("0");
          expect(await page.getByTestId("tile-5xx").innerText()).toContain("no metrics source");
        }
        await screenshot(page, `${p.name}-${suffix}`);
        if (suffix === "390") expect(await overflowsX(page), `${p.path} at 390 px`).toBe(false);
        expect(errors, p.path).toEqual([]);
        await context.close();
      }
    }
  }, 120_000);
});
