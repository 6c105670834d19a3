// /live in a real browser against a real `drainwatch serve --sandbox`: a pod that ignores SIGTERM
// appears while it drains, its countdown to the SIGKILL deadline moves without a reload, and the
// row goes once the pod is gone; "no pod is terminating" is said when none is.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isReady, killAll, requireBuild, startServe, terminate, until, type Served } from "../e2e/helpers.ts";
import { freshDatabase } from "../helpers/db.ts";
import { launchChromium, NARROW, newPage, overflowsX, screenshot, WIDE } from "./browser.ts";
import { slowPodScenario } from "../helpers/scenarios.ts";

// ledger ignores SIGTERM: deleted at virtual 20 s, SIGKILLed at its 60 s deadline; at 0.25 wall s
// per virtual s it drains for 15 s of wall time.
const SCENARIO = slowPodScenario({ name: "live-view", timeScale: 0.25, seed: 11, grace: 60, deleteAt: 20 });

let browser: Browser;
let serve: Served;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  requireBuild();
  browser = await launchChromium();
  cleanups.push(() => browser.close());
  const db = await freshDatabase("dw_ui_live");
  cleanups.push(() => db.drop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-ui-live-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "scenario.yaml"), SCENARIO);
  serve = await startServe(
    { DATABASE_URL: db.url, KUBECONFIG: undefined, DRAINWATCH_SANDBOX_SCENARIO: path.join(dir, "scenario.yaml"), DRAINWATCH_SETTLE_SECONDS: "0.5", DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.2", LOG_LEVEL: "info" },
    ["--sandbox"],
  );
  cleanups.push(() => (serve.hasExited() ? undefined : terminate(serve, 10_000)));
  await until("serve ready", () => isReady(serve), 40_000, [serve]);
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

describe("live view", () => {
  it("shows the draining pod counting down without a reload, then drops it once it is gone", async () => {
    const { page, context, errors } = await newPage(browser, WIDE);
    await page.goto(`${serve.base}/live`);
    // Before the deletion (virtual 20 s = 5 s of wall time): nothing terminating, said in words
    // (the page may first say the live view is not available, until the leader's first snapshot:
    // it asks again by itself).
    await expect.poll(() => page.getByTestId("live-empty").count(), { timeout: 20_000 }).toBe(1).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await page.locator("main").innerText()}`);
    });
    const loadedUrl = page.url();
    // The page refreshes itself: the pod shows up without navigation.
    const row = page.locator('[data-testid="live"] tbody tr');
    await expect.poll(() => row.count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(page.url()).toBe(loadedUrl);
    expect(await row.first().innerText()).toContain("Deployment/ledger");
    const left = async () => Number.parseFloat((await page.getByTestId("left").first().innerText()).replace(/[^\d.]/g, ""));
    const first = await left();
    await page.waitForTimeout(1_500);
    const later = await left();
    expect(later).toBeLessThan(first); // counting down between server refreshes too
    await screenshot(page, "live-draining-1440");
    const narrow = await newPage(browser, NARROW);
    await narrow.page.goto(`${serve.base}/live`);
    await expect.poll(() => narrow.page.locator('[data-testid="live"] tbody tr').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(0);
    await screenshot(narrow.page, "live-draining-390");
    expect(await overflowsX(narrow.page)).toBe(false);
    await narrow.context.close();
    // SIGKILLed at the deadline, deleted: the row goes, the empty state comes back.
    await expect.poll(() => page.getByTestId("live-empty").count(), { timeout: 40_000, interval: 500 }).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
