// The live view's data end to end: a real `drainwatch serve --sandbox` (the ingesting leader)
// publishes the pods terminating right now; any replica reading the same database sees them with
// their deadline, sees them go once deleted, and is told "unavailable" once nobody ingests.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findTerminationsInFlight, openStore, type InFlight, type Store } from "../../lib/store/index.ts";
import { freshDatabase } from "../helpers/db.ts";
import { killAll, requireBuild, startServe, terminate, until } from "./helpers.ts";
import { slowPodScenario } from "../helpers/scenarios.ts";

// ledger ignores SIGTERM: deleted at virtual 4 s, SIGKILLed at its 40 s deadline; at 0.25 wall s
// per virtual s that is 10 s of wall time in flight.
const SCENARIO = slowPodScenario({ name: "live-feed", timeScale: 0.25, seed: 7, grace: 40, deleteAt: 4 });

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

describe("live view feed", () => {
  it("every replica sees the leader's pods in flight, until they are gone; without a leader it is unavailable", async () => {
    requireBuild();
    const db = await freshDatabase("dw_live");
    cleanups.push(() => db.drop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-live-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const scenario = path.join(dir, "scenario.yaml");
    fs.writeFileSync(scenario, SCENARIO);
    // Another replica's view: the same database, read directly.
    const reader: Store = await openStore({ databaseUrl: db.url });
    cleanups.push(() => reader.close());

    const s = await startServe({ DATABASE_URL: db.url, KUBECONFIG: undefined, DRAINWATCH_SANDBOX_SCENARIO: scenario, DRAINWATCH_SETTLE_SECONDS: "0.5", DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.2" }, ["--sandbox"]);
    cleanups.push(() => (s.hasExited() ? undefined : terminate(s, 10_000)));

    let seen: InFlight[] = [];
    await until("the deleted pod in flight", async () => (seen = await findTerminationsInFlight(reader).catch(() => [])).length === 1, 40_000, [s]);
    const [pod] = seen;
    expect(pod).toMatchObject({ cluster: "sandbox", namespace: "shop", workload: { kind: "Deployment", name: "ledger" }, gracePeriodSeconds: 40 });
    expect(Date.parse(pod!.deadlineAt!) - Date.parse(pod!.deleteRequestedAt)).toBe(40_000);
    expect(pod!.containers.find((c) => c.name === "ledger")).toMatchObject({ exitCode: null, outcome: null });

    await until("the pod gone from the live view once deleted", async () => (await findTerminationsInFlight(reader)).length === 0, 30_000, [s]);

    const exit = await terminate(s, 10_000);
    expect(exit.code).toBe(0);
    await expect(findTerminationsInFlight(reader)).rejects.toMatchObject({ code: "unavailable" });
  }, 90_000);
});
