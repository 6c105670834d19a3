// The quarantine in the UI, in Debian's Chromium against `drainwatch serve --no-ingest`: the
// overview's notice when records were rejected in range, and the /quarantine page listing them
// with hostile strings escaped, at 1440 px and 390 px (screenshots in test/ui/artifacts).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../e2e/helpers.ts";
import { cleanRecord, sigkillRecord } from "../store/fixtures.ts";
import { NARROW, newPage, overflowsX, screenshot, uiServer, WIDE } from "./browser.ts";

let served: Served;
let browser: Browser;
let close: () => Promise<void>;

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
const HOSTILE_POD = "<script>alert(1)</script>\udc00";
const HOSTILE_WORKLOAD = `<img src=x onerror=alert(2)>${"w".repeat(6001 - 28)}`;

beforeAll(async () => {
  ({ served, browser, close } = await uiServer([
    sigkillRecord({ podUid: "ok-1", pod: "checkout-1", deleteRequestedAt: ago(600) }),
    cleanRecord({ podUid: "ok-2", deleteRequestedAt: ago(1200) }),
    // Postgres cannot hold the lone surrogate: quarantined when seeded.
    sigkillRecord({ podUid: "poison-1", pod: HOSTILE_POD, workload: { kind: "Deployment", name: HOSTILE_WORKLOAD }, deleteRequestedAt: ago(300) }),
  ]));
}, 90_000);

afterAll(() => close?.());

describe("quarantine in the UI", () => {
  it("the overview says, calmly, that a record could not be stored, and links to the quarantine", async () => {
    for (const [suffix, viewport] of [["1440", WIDE], ["390", NARROW]] as const) {
      const { page, context, errors, dialogs } = await newPage(browser, viewport);
      expect((await page.goto(`${served.base}/`, { waitUntil: "load" }))?.status()).toBe(200);
      const notice = page.getByTestId("quarantine-notice");
      expect(await notice.innerText()).toMatch(/^1 termination record could not be stored in this range \(the database rejected it\), so it is not counted above\. See the quarantine\.$/);
      expect(await notice.getByRole("link").getAttribute("href")).toBe("/quarantine");
      expect(await page.getByTestId("tile-terminations").innerText()).toContain("2");
      await screenshot(page, `overview-quarantine-${suffix}`);
      if (suffix === "390") expect(await overflowsX(page)).toBe(false);
      expect([errors, dialogs]).toEqual([[], []]);
      await context.close();
    }
  }, 60_000);

  it("no notice when the range or filters hold nothing quarantined", async () => {
    const { page, context } = await newPage(browser, WIDE);
    await page.goto(`${served.base}/?cluster=elsewhere`, { waitUntil: "load" });
    expect(await page.getByTestId("quarantine-notice").count()).toBe(0);
    await context.close();
  });

  it("/quarantine lists the record with its error, hostile strings escaped and long ones clipped", async () => {
    for (const [suffix, viewport] of [["1440", WIDE], ["390", NARROW]] as const) {
      const { page, context, errors, dialogs } = await newPage(browser, viewport);
      await page.goto(`${served.base}/`, { waitUntil: "load" });
      await page.getByTestId("quarantine-notice").getByRole("link").click();
      await page.waitForURL(`${served.base}/quarantine`);
      const rows = page.getByTestId("quarantine").locator("tbody tr");
      expect(await rows.count()).toBe(1);
      const row = rows.first();
      expect(await row.getAttribute("data-pod-uid")).toBe("poison-1");
      const text = await row.innerText();
      expect(text).toContain("<script>alert(1)</script>\ufffd");
      expect(text).toContain("Deployment/<img src=x onerror=alert(2)>");
      expect(text).toContain("(6,012 characters)");
      expect(text).toContain("invalid input syntax for type json");
      expect(text).toContain("SQLSTATE 22P02");
      expect(await page.locator("tbody script, tbody img").count()).toBe(0);
      expect(await page.getByTestId("range").innerText()).toMatch(/^rejected last 30 d\s*·\s*1 record$/);
      await screenshot(page, `quarantine-${suffix}`);
      if (suffix === "390") expect(await overflowsX(page)).toBe(false);
      expect([errors, dialogs]).toEqual([[], []]);
      await context.close();
    }
  }, 60_000);

  it("an empty selection says so; a bad filter says which", async () => {
    const { page, context } = await newPage(browser, NARROW);
    await page.goto(`${served.base}/quarantine?cluster=elsewhere`, { waitUntil: "load" });
    expect(await page.getByTestId("empty").innerText()).toMatch(/Nothing in quarantine last 30 d/);
    await screenshot(page, "quarantine-empty-390");
    await page.goto(`${served.base}/quarantine?since=yesterday`, { waitUntil: "load" });
    expect(await page.getByTestId("error").innerText()).toMatch(/since/);
    await context.close();
  });
});
