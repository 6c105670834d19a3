// `npm run dev` is `drainwatch serve --dev`: Next.js in development mode inside the drainwatch
// process, reading the same process-wide store that serve opened (no production build, no second
// database handle). A seeded record shows on a page compiled on demand.
import { afterAll, describe, expect, it } from "vitest";
import { recordTerminations } from "../../lib/store/index.ts";
import { killAll, get, isReady, startServe, terminate, until } from "../e2e/helpers.ts";
import { migratedStore } from "../helpers/db.ts";
import { sigkillRecord } from "../store/fixtures.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

describe("serve --dev", () => {
  it("serves pages compiled on demand from the store serve opened", async () => {
    const { store, url, cleanup } = await migratedStore();
    cleanups.push(cleanup);
    await recordTerminations(store, [sigkillRecord({ podUid: "dev-1", pod: "dev-mode-pod-7x9" })]);
    const s = await startServe({ DATABASE_URL: url, DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0" }, ["--dev", "--no-ingest"]);
    cleanups.push(() => (s.hasExited() ? undefined : terminate(s, 15_000)));
    await until("serve --dev ready", () => isReady(s), 90_000, [s]);
    const page = await until("the page compiles", async () => (await get(`${s.base}/terminations?since=2026-01-01T00:00:00Z`)).status === 200, 120_000, [s]).then(() =>
      get(`${s.base}/terminations?since=2026-01-01T00:00:00Z`),
    );
    expect(page.text).toContain("dev-mode-pod-7x9");
    expect((await get(`${s.base}/metrics`)).text).toContain("drainwatch_leader");
    const exit = await terminate(s, 15_000);
    expect(exit.code).toBe(0);
  }, 240_000);
});
