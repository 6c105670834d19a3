// Debian's Chromium driven by playwright-core (which downloads no browser). A missing or failing
// browser fails the test: `apt-get install chromium` (.ci/run installs it).
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { recordTerminations, type Store } from "../../lib/store/index.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { killAll, requireBuild, startReadyServe, terminate, type Served } from "../e2e/helpers.ts";
import { migratedStore } from "../helpers/db.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = path.resolve(import.meta.dirname, "artifacts");

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the UI tests need Debian's Chromium (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    // Without the background-networking flags Chromium dials Google's hosts, which this
    // machine's closed network refuses.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export const WIDE = { width: 1440, height: 900 };
export const NARROW = { width: 390, height: 844 };

/** A page whose dialogs (alert/confirm) are recorded and dismissed, with console errors kept. */
export async function newPage(browser: Browser, viewport: { width: number; height: number }, colorScheme: "light" | "dark" = "light") {
  const context = await browser.newContext({ viewport, colorScheme, timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("favicon")) errors.push(m.text());
  });
  return { page, context, dialogs, errors };
}

/** A full-page PNG in test/ui/artifacts (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** True when the page scrolls sideways (a layout that broke out of the viewport). */
export async function overflowsX(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/**
 * A `drainwatch serve --no-ingest` on a fresh database holding `records` (no metrics source, no
 * cluster), and a Chromium: what the page tests open pages on. `close()` stops both.
 */
export async function uiServer(
  records: readonly TerminationRecord[],
  /** More seeding on the same store before serve starts (coverage gaps, …). */
  prepare?: (store: Store) => Promise<void>,
): Promise<{ served: Served; browser: Browser; close(): Promise<void> }> {
  requireBuild();
  const db = await migratedStore();
  await recordTerminations(db.store, records);
  await prepare?.(db.store);
  const served = await startReadyServe({ DATABASE_URL: db.url, PROMETHEUS_URL: undefined, KUBECONFIG: undefined }, ["--no-ingest"]);
  const browser = await launchChromium();
  return {
    served,
    browser,
    async close() {
      await browser.close();
      await terminate(served, 20_000).catch(() => undefined);
      killAll();
      await db.cleanup();
    },
  };
}
