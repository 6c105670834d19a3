// The web UI in a real browser: Debian's Chromium (playwright-core) against `drainwatch serve
// --no-ingest` (the production build) on a real Postgres seeded through recordTerminations with
// known records (test/ui/seed.ts). Every page shows the numbers the seed implies; filters and
// cursor pages live in the URL; hostile Kubernetes strings render as text; a 253-character pod
// name keeps the layout; screenshots of each page at 1440 px and 390 px go to test/ui/artifacts.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../e2e/helpers.ts";
import { NARROW, newPage, overflowsX, screenshot, uiServer, WIDE } from "./browser.ts";
import { EXPECT, HOSTILE_EVENT, HOSTILE_POD, LONG_POD, seed } from "./seed.ts";

let served: Served;
let browser: Browser;
let closeAll: () => Promise<void>;
const now = Date.now();

beforeAll(async () => {
  ({ served, browser, close: closeAll } = await uiServer(seed(now).records));
}, 90_000);

afterAll(() => closeAll?.());

async function open(path: string, viewport = WIDE): Promise<{ page: Page; dialogs: string[]; errors: string[]; close: () => Promise<void> }> {
  const { page, context, dialogs, errors } = await newPage(browser, viewport);
  const res = await page.goto(served.base + path, { waitUntil: "load" });
  expect(res?.status(), `GET ${path}`).toBe(200);
  return { page, dialogs, errors, close: () => context.close() };
}

const text = async (page: Page, testId: string): Promise<string> => (await page.getByTestId(testId).innerText()).trim();

const tile = (page: Page, id: string) => text(page, `tile-${id}`);
const firstLine = (s: string) => s.split("\n")[1]?.trim() ?? "";
/** The workload rows' names, in table order. */
const workloadRows = (page: Page) => page.locator('[data-testid="workloads"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-workload") ?? ""));

describe("overview", () => {
  it("answers first: the four tiles the last 24 h imply, then workloads worst first", async () => {
    const { page, errors, close } = await open("/");
    expect(firstLine(await tile(page, "terminations"))).toBe(String(EXPECT.last24h.terminations));
    expect(firstLine(await tile(page, "failed"))).toBe(String(EXPECT.last24h.failed));
    expect(await tile(page, "failed")).toContain("sigkill 3 · oom 1 · error 1");
    expect(firstLine(await tile(page, "5xx"))).toBe(String(EXPECT.last24h.errors5xx));
    expect(firstLine(await tile(page, "affected"))).toBe(String(EXPECT.last24h.affected));
    expect(await tile(page, "affected")).toContain(`of ${EXPECT.last24h.workloads} with terminations`);
    // Sorted by failed shutdowns, then count.
    expect(await workloadRows(page)).toEqual(["shop/Deployment/checkout", `batch/Pod/${HOSTILE_POD}`, "jobs/Deployment/worker", "payments/StatefulSet/ledger"]);
    const checkout = page.locator('[data-workload="shop/Deployment/checkout"]');
    expect(await checkout.locator('[data-col="terminations"]').innerText()).toBe("6");
    expect(await checkout.locator('[data-col="failed"]').innerText()).toBe("4 failed");
    expect(await checkout.locator('[data-col="5xx"]').innerText()).toBe("44");
    expect(await checkout.innerText()).toContain("32.2 s / 30 s");
    expect(await checkout.locator("svg.spark").count()).toBe(1);
    // Its 4 failed shutdowns, all in the last hour's bucket: one red tick; none for worker's 0.
    expect(await checkout.locator("svg.spark path.bad").getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+h2v[\d.]+h-2z$/);
    expect(await page.locator('[data-workload="jobs/Deployment/worker"] svg.spark path.bad').count()).toBe(0);
    expect(await checkout.locator(".obar").getAttribute("aria-label")).toBe("3 sigkill, 1 oom, 2 clean");
    expect(errors).toEqual([]);
    await close();
  });

  it("sorts by a column head and keeps the range; presets and filters narrow the tiles", async () => {
    const { page, close } = await open("/?since=24h");
    await Promise.all([page.waitForURL(/sort=terminations/), page.locator("thead").getByRole("link", { name: "Terminations", exact: true }).click()]);
    expect(new URL(page.url()).searchParams.get("since")).toBe("24h");
    expect((await workloadRows(page))[0]).toBe("jobs/Deployment/worker");
    expect(await page.locator('th[aria-sort="descending"]').innerText()).toContain("Terminations");
    await Promise.all([page.waitForURL(/since=1h/), page.getByRole("link", { name: "1h", exact: true }).click()]);
    expect(new URL(page.url()).searchParams.get("sort")).toBe("terminations");
    expect(firstLine(await tile(page, "terminations"))).toBe(String(EXPECT.last1h.terminations));
    expect(firstLine(await tile(page, "failed"))).toBe(String(EXPECT.last1h.failed));
    await close();

    const oom = await open("/?outcome=oom");
    expect(await workloadRows(oom.page)).toEqual(["shop/Deployment/checkout"]);
    await oom.close();

    // staging has no traffic data and this process has no PROMETHEUS_URL: the tile says so.
    const staging = await open("/?since=7d&cluster=staging");
    expect(await workloadRows(staging.page)).toEqual(["web/Deployment/frontend"]);
    expect(firstLine(await tile(staging.page, "terminations"))).toBe("1");
    expect(await tile(staging.page, "5xx")).toContain("no metrics source");
    await staging.close();
  });

  it("takes an absolute range (RFC 3339 or a UTC minute) and says which", async () => {
    const from = new Date(now - 110 * 60_000).toISOString().slice(0, 16); // 110 min ago, to the minute, no zone: UTC
    const to = new Date(now - 30 * 60_000).toISOString();
    const { page, close } = await open(`/?since=${from}&until=${encodeURIComponent(to)}`);
    expect(await text(page, "range")).toContain(`${from.replace("T", " ")}Z – `);
    // 110 to 30 min ago: the checkout rollout (45–50 min ago) and one worker pod (70 min ago).
    expect(await workloadRows(page)).toEqual(["shop/Deployment/checkout", "jobs/Deployment/worker"]);
    expect(firstLine(await tile(page, "terminations"))).toBe("7");
    expect(await page.locator(".presets a[aria-current]").count()).toBe(0);
    await close();
  });

  it("goes overview → workload → termination in two clicks, by keyboard", async () => {
    const { page, close } = await open("/");
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return { text: (a?.innerText || a?.getAttribute("name") || "").trim(), href: a?.getAttribute("href") ?? "", outline: a ? getComputedStyle(a).outlineStyle : "" };
      });
      seen.push(el.text);
      expect(el.outline, `focus visible on ${el.text}`).not.toBe("none");
      if (el.href.startsWith("/workloads/prod/shop/Deployment/checkout")) break;
    }
    expect(seen[0]).toBe("Skip to content");
    expect(seen).toEqual(expect.arrayContaining(["Overview", "Workloads", "Terminations", "Live", "24h", "since", "Apply"]));
    await Promise.all([page.waitForURL(/\/workloads\/prod\/shop\/Deployment\/checkout/), page.keyboard.press("Enter")]);
    await page.getByRole("link", { name: "checkout-7d9f8c6b5-aaaa1", exact: true }).first().focus();
    await Promise.all([page.waitForURL(/\/terminations\/prod\/u-checkout-1$/), page.keyboard.press("Enter")]);
    expect(await text(page, "pod-name")).toBe("checkout-7d9f8c6b5-aaaa1");
    await close();
  });
});

describe("workloads list", () => {
  it("lists every workload with fuller numbers", async () => {
    const { page, close } = await open("/workloads?since=7d");
    expect(await workloadRows(page)).toHaveLength(EXPECT.last7d.workloads);
    const checkout = page.locator('[data-workload="shop/Deployment/checkout"]');
    expect(await checkout.innerText()).toContain("rollout 6");
    await close();
  });
});

describe("workload page", () => {
  const path = "/workloads/prod/shop/Deployment/checkout";

  it("tiles, recommendations with the manifest change, four charts, revisions and terminations", async () => {
    const { page, errors, close } = await open(path);
    expect(await text(page, "workload-name")).toBe("Deployment/checkout");
    expect(firstLine(await tile(page, "terminations"))).toBe(String(EXPECT.checkout.terminations));
    expect(firstLine(await tile(page, "failed"))).toBe("4");
    expect(await tile(page, "drain")).toMatch(/32\.2\s*s \/ 30 s/);
    expect(firstLine(await tile(page, "5xx"))).toBe(String(EXPECT.checkout.errors5xx));
    // Recommendations: the grace period is too short; the change is the exact line to set.
    const grace = page.locator('[data-rec="grace-too-short"]');
    expect(await grace.count()).toBe(1);
    expect(await grace.locator("pre").innerText()).toMatch(/^terminationGracePeriodSeconds: \d+$/);
    expect(await grace.locator('a[href^="/terminations/prod/u-checkout-"]').count()).toBeGreaterThan(0);
    // Charts are drawn (recharts SVG), with the grace line on the histogram.
    for (const id of ["chart-drain", "chart-outcomes", "chart-errors", "chart-lag"]) {
      await page.getByTestId(id).locator("svg.recharts-surface").first().waitFor({ timeout: 10_000 });
    }
    expect(await page.getByTestId("chart-drain").innerText()).toContain("grace 30 s");
    expect(await page.getByTestId("chart-outcomes").innerText()).toContain("rollout from rev 12");
    // Revisions and terminations.
    expect(await page.locator('[data-testid="revisions"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid="revisions"] tbody tr').innerText()).toContain("12");
    expect(await page.locator('[data-testid="terminations"] tbody tr').count()).toBe(EXPECT.checkout.terminations);
    expect(errors).toEqual([]);
    await close();
  });

  it("pages its terminations by cursor, and the CSV link returns the same rows from the API", async () => {
    const { page, close } = await open(`${path}?limit=4`);
    const first = await page.locator('[data-testid="terminations"] tbody tr').count();
    expect(first).toBe(4);
    await Promise.all([page.waitForURL(/cursor=/), page.getByTestId("next-page").click()]);
    expect(await page.locator('[data-testid="terminations"] tbody tr').count()).toBe(2);
    expect(await page.getByTestId("next-page").count()).toBe(0);
    const csv = await page.getByTestId("csv").getAttribute("href");
    const res = await fetch(new URL(csv ?? "", served.base));
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines).toHaveLength(1 + EXPECT.checkout.terminations);
    expect(lines[0]).toMatch(/^podUid,/);
    await close();
  });

  it("says what to do for a workload without terminations", async () => {
    const { page, close } = await open("/workloads/prod/shop/Deployment/nope");
    expect(await text(page, "empty")).toContain("Widen the range");
    await close();
  });
});

describe("terminations list", () => {
  it("lists the last 24 h newest first with the seed's count", async () => {
    const { page, errors, close } = await open("/terminations");
    expect(await text(page, "total")).toBe(String(EXPECT.last24h.terminations));
    const rows = page.locator('[data-testid="terminations"] tbody tr');
    expect(await rows.count()).toBe(EXPECT.last24h.terminations);
    // Newest first: the checkout rollout 45–50 min ago leads, the long-named pod first of all.
    expect(await rows.first().getAttribute("data-pod-uid")).toBe("u-checkout-6");
    expect(await rows.nth(5).getAttribute("data-pod-uid")).toBe("u-checkout-1");
    // Drain beside grace, units, 5xx.
    const first = rows.nth(5);
    await expect.poll(() => first.innerText()).toContain("32.0 s");
    expect(await first.innerText()).toContain("/ 30 s");
    expect(await first.innerText()).toContain("27");
    expect(errors).toEqual([]);
    await close();
  });

  it("filters by outcome and range through the URL, and the CSV link carries the same filters", async () => {
    const { page, close } = await open("/terminations?outcome=sigkill,oom&since=1h");
    expect(await text(page, "total")).toBe("4");
    const outcomes = await page.locator('[data-testid="terminations"] tbody [data-outcome]').allInnerTexts();
    expect(outcomes.sort()).toEqual(["oom", "sigkill", "sigkill", "sigkill"]);
    const csv = await page.getByTestId("csv").getAttribute("href");
    const u = new URL(csv ?? "", served.base);
    expect(u.pathname).toBe("/api/v1/terminations");
    expect(Object.fromEntries(u.searchParams)).toEqual({ outcome: "sigkill,oom", since: "1h", format: "csv" });
    await close();
  });

  it("filters by a workload whose name holds a \"/\": as it is with its kind, or after the first \"/\" of kind/name", async () => {
    for (const q of [`kind=Pod&workload=${encodeURIComponent(HOSTILE_POD)}`, `workload=${encodeURIComponent(`Pod/${HOSTILE_POD}`)}`]) {
      const { page, close } = await open(`/terminations?since=30d&${q}`);
      expect(await text(page, "total"), q).toBe("1");
      expect(await page.locator('[data-testid="terminations"] tbody tr').first().getAttribute("data-pod-uid")).toBe("u-hostile");
      await close();
    }
  });

  it("applies the filter form (checkboxes, cluster) and keeps the state in the URL", async () => {
    const { page, close } = await open("/terminations?since=7d");
    expect(await text(page, "total")).toBe(String(EXPECT.last7d.terminations));
    await page.getByLabel("cluster").fill("staging");
    await page.locator('input[name="outcome"][value="error"]').check();
    await Promise.all([page.waitForURL(/cluster=staging/), page.getByRole("button", { name: "Apply" }).click()]);
    const url = new URL(page.url());
    expect(url.searchParams.get("since")).toBe("7d");
    expect(url.searchParams.get("outcome")).toBe("error");
    expect(await text(page, "total")).toBe("1");
    expect(await page.locator('[data-testid="terminations"] tbody tr').first().getAttribute("data-pod-uid")).toBe("u-frontend-0");
    // A preset link keeps the other filters and drops the range.
    await Promise.all([page.waitForURL(/since=30d/), page.getByRole("link", { name: "30d", exact: true }).click()]);
    expect(new URL(page.url()).searchParams.get("cluster")).toBe("staging");
    await close();
  });

  it("pages with a cursor: every row once, in order", async () => {
    const { page, close } = await open("/terminations?limit=10");
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push(...(await page.locator('[data-testid="terminations"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-pod-uid") ?? ""))));
      const next = page.getByTestId("next-page");
      if ((await next.count()) === 0) break;
      await Promise.all([page.waitForURL(/cursor=/), next.click()]);
      expect(new URL(page.url()).searchParams.get("limit")).toBe("10");
    }
    expect(seen).toHaveLength(EXPECT.last24h.terminations);
    expect(new Set(seen).size).toBe(seen.length);
    await close();
  });

  it("says what to do when nothing matches, and names a bad parameter", async () => {
    const empty = await open("/terminations?namespace=nope");
    expect(await text(empty.page, "empty")).toContain("Widen the range");
    await empty.close();
    const bad = await open("/terminations?since=yesterday");
    expect(await text(bad.page, "error")).toContain('invalid "since"');
    await bad.close();
  });
});

describe("termination page", () => {
  it("answers first: outcome, drain vs grace, lag, 5xx vs baseline; then the timeline, facts and siblings", async () => {
    const { page, errors, close } = await open("/terminations/prod/u-checkout-1");
    expect(await text(page, "pod-name")).toBe("checkout-7d9f8c6b5-aaaa1");
    expect(await text(page, "tile-outcome")).toContain("sigkill");
    expect(await text(page, "tile-drain")).toMatch(/32\.0\s*s \/ 30 s/);
    expect(await text(page, "tile-lag")).toContain("0.40");
    expect(await text(page, "tile-5xx")).toContain("27");
    expect(await text(page, "tile-5xx")).toContain("1,843");
    // The timeline has the pod, endpoints, preStop, each container and the traffic window.
    const rows = await page.locator('[data-testid="timeline"] [data-row]').evaluateAll((els) => els.map((e) => e.getAttribute("data-row")));
    expect(rows).toEqual(["pod", "endpoints", "prestop", "c-app", "c-istio-proxy", "traffic"]);
    expect(await page.getByTestId("timeline").innerText()).toContain("SIGKILL deadline +30.0 s");
    expect(await page.getByTestId("timeline").innerText()).toContain("sleep 5.00 s"); // the preStop sleep's length
    // Siblings of the same rollout (same revision and cause, within an hour).
    expect(await page.locator('[data-testid="terminations"] tbody tr').count()).toBe(5);
    expect(errors).toEqual([]);
    await close();
  });

  it("says where traffic is missing because there is no metrics source", async () => {
    const { page, close } = await open("/terminations/prod/u-ledger-0");
    expect(await text(page, "tile-5xx")).toContain("no metrics source");
    expect(await text(page, "traffic-none")).toContain("PROMETHEUS_URL");
    await close();
  });

  it("is a clear 404-style page for an unknown pod UID", async () => {
    const { page, close } = await open("/terminations/prod/no-such-uid");
    expect(await text(page, "not-found")).toContain("no-such-uid");
    await close();
  });
});

describe("hostile and oversized Kubernetes strings", () => {
  it("renders a hostile pod name and event message as text: no dialog, no script, no injected element", async () => {
    for (const path of ["/", "/terminations?since=24h", "/terminations/prod/u-hostile", `/workloads/prod/batch/Pod/${encodeURIComponent(HOSTILE_POD)}`]) {
      const { page, dialogs, close } = await open(path);
      await expect.poll(() => page.getByText(HOSTILE_POD, { exact: true }).count()).toBeGreaterThan(0);
      if (path.includes("u-hostile")) expect(await page.getByTestId("event-message").allInnerTexts()).toContain(HOSTILE_EVENT);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator("img").count()).toBe(0);
      expect(dialogs).toEqual([]);
      await close();
    }
  });

  it("keeps a 253-character pod name inside the viewport at 390 px", async () => {
    expect(LONG_POD).toHaveLength(253);
    for (const path of ["/terminations/prod/u-checkout-6", "/terminations", "/workloads/prod/shop/Deployment/checkout"]) {
      const { page, close } = await open(path, NARROW);
      expect(await overflowsX(page), `${path} scrolls sideways at 390 px`).toBe(false);
      await close();
    }
  });
});

describe("live", () => {
  it("says honestly that the live view is not available yet", async () => {
    const { page, close } = await open("/live");
    expect(await text(page, "live-unavailable")).toContain("Live view not available");
    await close();
  });
});

describe("screenshots", () => {
  it("of every page at 1440 px and 390 px, none scrolling sideways at 390 px", async () => {
    const pages: [string, string][] = [
      ["overview", "/"],
      ["workloads", "/workloads?since=7d"],
      ["workload", "/workloads/prod/shop/Deployment/checkout"],
      ["terminations", "/terminations"],
      ["termination", "/terminations/prod/u-checkout-1"],
      ["termination-long-name", "/terminations/prod/u-checkout-6"],
      ["termination-hostile", "/terminations/prod/u-hostile"],
      ["live", "/live"],
    ];
    for (const [name, path] of pages) {
      for (const [suffix, viewport] of [["1440", WIDE], ["390", NARROW]] as const) {
        const { page, close } = await open(path, viewport);
        await page.waitForTimeout(300); // charts measure their container after load
        await screenshot(page, `${name}-${suffix}`);
        if (suffix === "390") expect(await overflowsX(page), `${path} at 390 px`).toBe(false);
        await close();
      }
    }
    // The dark theme (prefers-color-scheme) of the two densest pages.
    for (const [name, path] of [["overview", "/"], ["workload", "/workloads/prod/shop/Deployment/checkout"], ["termination", "/terminations/prod/u-checkout-1"]]) {
      const { page, context } = await newPage(browser, WIDE, "dark");
      await page.goto(served.base + path, { waitUntil: "load" });
      await page.waitForTimeout(300);
      await screenshot(page, `${name}-1440-dark`);
      await context.close();
    }
  }, 180_000);
});
