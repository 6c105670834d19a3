// `drainwatch serve`: the composition root. A list of services that the lifecycle starts in order
// and stops in reverse within the shutdown budget:
//
//   store    opens and migrates the database (retrying while it is down), primes the query layer
//   sandbox  the simulated cluster, only with --sandbox or in the fully embedded mode
//   ingest   leader-elected live ingest from the cluster or the sandbox (unless --no-ingest)
//   web      drainwatch's HTTP server (probes, /metrics) in front of Next.js
//
// drainwatch owns the signals: on SIGTERM/SIGINT readiness fails at once, the web service keeps
// serving through the drain delay, then closes; ingest flushes finished records and releases the
// Lease; the store closes last; exit 0. A second signal cuts every remaining wait short.
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { Settings } from "../env.ts";
import { log } from "../log.ts";
import type { Sandbox } from "../sandbox/index.ts";
import { setMetricsSourceInfo, setSourceInfo } from "../source-info.ts";
import { resolveIngestSource, SANDBOX_CLUSTER } from "./ingest-source.ts";
import { Lifecycle, type Service } from "./lifecycle.ts";
import { ingestService, type IngestTarget } from "./services/ingest.ts";
import { sandboxService } from "./services/sandbox.ts";
import { storeService } from "./services/store.ts";
import { webService } from "./services/web.ts";

export interface ServeOptions {
  /** Run live ingest in this process (leader-elected). */
  ingest: boolean;
  /** Ingest from the sandbox cluster even though a database or cluster is configured. */
  sandbox: boolean;
  /** Next.js in development mode (hot reload), for `npm run dev`. */
  dev: boolean;
  /** Exit the process (code 0) once shutdown completes. Default true. */
  exitOnShutdown?: boolean;
}

/** The project root (where `.next/` and `next.config.js` live): two levels above this file. */
export function projectRoot(): string {
  return path.resolve(import.meta.dirname, "..", "..");
}

export async function serve(settings: Settings, opts: ServeOptions): Promise<void> {
  const source = resolveIngestSource(settings, opts);
  setSourceInfo(source.kind === "kubernetes" ? source.info : { kind: "none" });
  const { PROMETHEUS_URL, DRAINWATCH_TRAFFIC_SOURCE } = settings.traffic;
  setMetricsSourceInfo(PROMETHEUS_URL ? { kind: "prometheus", source: DRAINWATCH_TRAFFIC_SOURCE } : { kind: "none" });

  const services: Service[] = [storeService(settings)];
  if (source.kind === "sandbox") {
    const sandbox = sandboxService(settings);
    services.push(sandbox, ingestService(settings, () => sandboxTarget(sandbox.sandbox())));
  } else if (source.kind === "kubernetes") {
    services.push(ingestService(settings, () => ({ kubeConfig: source.kubeConfig, cluster: settings.ingest.DRAINWATCH_CLUSTER })));
  } else {
    log.info("live ingest disabled (--no-ingest): serving the UI and API only");
  }

  const { server } = settings;
  const stopBudgetMs =
    (server.DRAINWATCH_SHUTDOWN_DELAY_SECONDS + server.DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS + server.DRAINWATCH_SHUTDOWN_FLUSH_SECONDS + 5) * 1000;
  // Readiness and the web service ask the lifecycle, which is built from the finished list.
  let lifecycle: Lifecycle | null = null;
  services.push(
    webService(settings, {
      dir: projectRoot(),
      dev: opts.dev,
      notReady: () => lifecycle?.notReady() ?? Promise.resolve("starting"),
      stopping: () => lifecycle?.current() === "stopping" || lifecycle?.current() === "stopped",
    }),
  );
  const group = new Lifecycle(services, { stopBudgetMs, log });
  lifecycle = group;

  const stopped = new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        log.info({ signal }, "second signal: skipping the remaining waits");
        group.hurryUp();
        return;
      }
      signalled = true;
      log.info({ signal, delaySeconds: server.DRAINWATCH_SHUTDOWN_DELAY_SECONDS }, "shutdown: readiness failing, draining");
      void group.stop(signal).then(() => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        resolve();
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });

  await group.start();
  if (group.current() === "running") log.info("ready");
  await stopped;
  log.info("shutdown complete");
  if (opts.exitOnShutdown ?? true) process.exit(0);
}

/** Ingest from the sandbox: its kubeconfig, records stamped `sandbox`, on its virtual clock
 * (object times are virtual; observations must be on the same clock). */
function sandboxTarget(sandbox: Sandbox): IngestTarget {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfigYaml());
  return { kubeConfig, cluster: SANDBOX_CLUSTER, clock: () => sandbox.now() };
}
