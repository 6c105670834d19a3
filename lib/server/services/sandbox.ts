// The sandbox cluster as a service, for ingest without a real cluster (see ingest-source.ts).
import type { Settings } from "../../env.ts";
import { log } from "../../log.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { setSourceInfo } from "../../source-info.ts";
import type { Service } from "../lifecycle.ts";

export interface SandboxService extends Service {
  /** The running sandbox (after start). */
  sandbox(): Sandbox;
}

export function sandboxService(settings: Settings): SandboxService {
  let running: Sandbox | null = null;
  return {
    name: "sandbox",
    sandbox() {
      if (!running) throw new Error("the sandbox has not started");
      return running;
    },
    async start() {
      const { startSandbox } = await import("../../sandbox/index.ts");
      const { DRAINWATCH_SANDBOX_SCENARIO: scenario, DRAINWATCH_SANDBOX_TIME_SCALE: timeScale, DRAINWATCH_SANDBOX_PORT: port, DRAINWATCH_SANDBOX_WATCH_HISTORY: historyLimit } = settings.sandbox;
      running = await startSandbox({ scenario, port, historyLimit, ...(timeScale === undefined ? {} : { timeScale }) });
      setSourceInfo({ kind: "sandbox", scenario: running.scenario.name, url: running.url });
      log.warn(
        { url: running.url, scenario: running.scenario.name, timeScale: timeScale ?? running.scenario.timeScale },
        "ingesting from the SANDBOX cluster (simulated data, cluster name \"sandbox\")",
      );
    },
    async stop() {
      await running?.close();
    },
  };
}
