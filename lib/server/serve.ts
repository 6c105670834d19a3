// `drainwatch serve`: the composition root. A list of services that the lifecycle starts in order
// and stops in reverse within the shutdown budget:
//
//   store      opens and migrates the database (retrying while it is down), primes the query layer
//   retention  deletes terminations older than DRAINWATCH_RETENTION_DAYS, hourly, in small batches
//   sandbox    the simulated cluster, only with --sandbox or in the fully embedded mode
//   ingest     leader-elected live ingest from the cluster or the sandbox (unless --no-ingest)
//   web        drainwatch's HTTP server (probes, /metrics) in front of Next.js
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
import { liveFeedService } from "./services/live-feed.ts";
import { retentionService } from "./services/retention.ts";
import { sandboxService } from "./services/sandbox.ts";
import { storeService } from "./services/store.ts";
import { webService } from "./services/web.ts";

/** After a second signal, the process exits within this long whatever is still running. */
const FORCED_EXIT_MS = 1_000;

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
  // Ingesting from the sandbox without PROMETHEUS_URL: the sandbox's own metrics (its clients).
  const sandboxMetrics = source.kind === "sandbox" && !PROMETHEUS_URL;
  setMetricsSourceInfo(
    PROMETHEUS_URL || sandboxMetrics ? { kind: "prometheus", source: DRAINWATCH_TRAFFIC_SOURCE, ...(sandboxMetrics ? { sandbox: true } : {}) } : { kind: "none" },
  );

  const services: Service[] = [storeService(settings), retentionService(settings)];
  const ingesting = (target: () => IngestTarget): void => {
    const ingest = ingestService(settings, target);
    const feed = liveFeedService(() => ({ cluster: target().cluster, tracker: () => ingest.tracker(), now: target().clock ?? Date.now }));
    services.push(ingest, feed);
  };
  if (source.kind === "sandbox") {
    const sandbox = sandboxService(settings);
    services.push(sandbox);
    let target: IngestTarget | null = null; // one kubeconfig for the sandbox, made once it runs
    ingesting(() => (target ??= sandboxTarget(sandbox.sandbox(), sandboxMetrics)));
  } else if (source.kind === "kubernetes") {
    ingesting(() => ({ kubeConfig: source.kubeConfig, cluster: settings.ingest.DRAINWATCH_CLUSTER }));
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
        // Someone wants out now (Ctrl-C twice): every wait is cut short, and whatever still hangs
        // (a query stuck in a lock, a flush to a database that does not answer) is abandoned.
        log.warn({ signal, forcedExitMs: FORCED_EXIT_MS }, "second signal: skipping the remaining waits");
        group.hurryUp();
        if (opts.exitOnShutdown ?? true) {
          setTimeout(() => {
            log.error("second signal: shutdown did not finish at once; forced exit");
            log.flush(() => process.exit(1));
          }, FORCED_EXIT_MS).unref();
        }
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
 * (object times are virtual; observations must be on the same clock), and, without PROMETHEUS_URL,
 * traffic from the sandbox's own Prometheus query API (its simulated clients). */
function sandboxTarget(sandbox: Sandbox, ownMetrics: boolean): IngestTarget {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfigYaml());
  return { kubeConfig, cluster: SANDBOX_CLUSTER, clock: () => sandbox.now(), ...(ownMetrics ? { prometheusUrl: sandbox.prometheusUrl } : {}) };
}
