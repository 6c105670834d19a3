// `drainwatch serve`: the web server (Next.js, programmatic) plus /healthz, /readyz and /metrics,
// in the drainwatch process that owns the store, and (unless --no-ingest) live ingest: from the
// configured cluster (loadKubeConfig), or else from the sandbox cluster started in this process.
// Ingest runs only while this replica holds the ingester Lease (startLeaderIngest).
//
// drainwatch owns the signals (NEXT_MANUAL_SIG_HANDLE): on SIGTERM/SIGINT readiness fails at
// once; ingest stops at once (informers stop, finalized records are flushed to the store, the
// Lease is released so that a follower takes over); requests keep being served for a short drain
// delay (endpoints need time to stop routing here), then the listener closes, in-flight requests
// finish, the store closes and the process exits 0, well inside a 30 s grace period.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { loadConfig, type Config } from "../config.ts";
import { AppError, toErrorBody } from "../errors.ts";
import type { LeaderIngest } from "../ingest/leader-ingest.ts";
import { log } from "../log.ts";
import { getMetrics } from "../metrics/registry.ts";
import { setReaderStore, setSourceInfo, type ReaderBackend, type SourceInfo, type TerminationQuery } from "../readers/index.ts";
import type { Sandbox } from "../sandbox/index.ts";
import {
  countTerminations,
  findTerminations,
  getTermination,
  InvalidQueryError,
  migrate,
  openStore,
  recordTerminations,
  type Store,
} from "../store/index.ts";
import type { TerminationRecord } from "../tracker/record.ts";

export interface ServeOptions {
  /** Run live ingest in this process (leader-elected), from the cluster or the sandbox. */
  ingest: boolean;
  /** Exit the process (code 0) once shutdown completes. Default true. */
  exitOnShutdown?: boolean;
}

// Shutdown timing, parsed once at start like the rest of the environment.
const shutdownEnvSchema = z.object({
  /** Keep serving (with /readyz failing) this long after SIGTERM before closing the listener. */
  DRAINWATCH_SHUTDOWN_DELAY_SECONDS: z.coerce.number().min(0).max(60).default(2),
  /** Then wait at most this long for in-flight requests before cutting connections. */
  DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(0).max(120).default(10),
  /** Budget for writing the records already finalized when ingest stops. */
  DRAINWATCH_SHUTDOWN_FLUSH_SECONDS: z.coerce.number().min(0).max(60).default(10),
});

const PING_TIMEOUT_MS = 2_000;

/** The project root (where `.next/` and `next.config.js` live): two levels above this file. */
export function projectRoot(): string {
  return path.resolve(import.meta.dirname, "..", "..");
}

type Phase = "starting" | "running" | "stopping";

export async function serve(opts: ServeOptions): Promise<void> {
  // Next must not install its own SIGTERM/SIGINT handlers; this is production serving.
  process.env.NEXT_MANUAL_SIG_HANDLE = "true";
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  (process.env as Record<string, string>).NODE_ENV = "production";

  const cfg = loadConfig();
  const shutdownEnv = shutdownEnvSchema.safeParse(process.env);
  if (!shutdownEnv.success) {
    const issue = shutdownEnv.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const timing = shutdownEnv.data;
  const dir = projectRoot();
  if (!fs.existsSync(path.join(dir, ".next", "BUILD_ID"))) {
    throw new Error(
      `no production build in ${path.join(dir, ".next")}: run \`npm start\` (it builds when needed) or \`npx next build\` first`,
    );
  }

  let phase: Phase = "starting";
  let store: Store | null = null;
  let nextHandler: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | null = null;
  let nextClose: (() => Promise<void>) | null = null;
  let ingest: LeaderIngest | null = null;
  let ingestSource: IngestSource | null = null;
  const stopAbort = new AbortController();

  async function readiness(): Promise<{ ready: boolean; reason?: string }> {
    if (phase === "stopping") return { ready: false, reason: "shutting down" };
    if (phase === "starting" || !store) return { ready: false, reason: "starting" };
    const current = store;
    const ok = await Promise.race([
      current.ping().catch(() => false),
      sleep(PING_TIMEOUT_MS, false, { ref: false }),
    ]);
    // Shutdown may have begun while the ping was in flight.
    if ((phase as Phase) === "stopping") return { ready: false, reason: "shutting down" };
    if (!ok) return { ready: false, reason: "database not answering" };
    if (opts.ingest) {
      if (!ingest) return { ready: false, reason: "ingest starting" };
      // A follower serves the UI; a leader once every informer completed its initial list.
      if (!ingest.ready()) return { ready: false, reason: "informers not synced" };
    }
    return { ready: true };
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    if (phase === "stopping") res.setHeader("connection", "close");
    if (pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (pathname === "/readyz") {
      const r = await readiness();
      return sendJson(res, r.ready ? 200 : 503, r.ready ? { status: "ready" } : { status: "not ready", reason: r.reason });
    }
    if (pathname === "/metrics") {
      const registry = getMetrics().registry;
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
      res.end(text);
      return;
    }
    if (!nextHandler) {
      const { status, body } = toErrorBody(new AppError("unavailable", "drainwatch is starting"));
      return sendJson(res, status, body);
    }
    await nextHandler(req, res);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) {
        const { status, body } = toErrorBody(err);
        sendJson(res, status, body);
      } else {
        res.destroy();
      }
    });
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.PORT, cfg.HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log.error({ err }, "http server error"));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : cfg.PORT;
  log.info({ host: cfg.HOST, port, url: `http://${cfg.HOST}:${port}/` }, "listening");

  // ---- where ingest reads from: the configured cluster, else the sandbox ------------------
  if (opts.ingest) {
    try {
      ingestSource = await resolveIngestSource(cfg);
    } catch (err) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    setSourceInfo(ingestSource.info);
    log.info({ source: ingestSource.info, namespaces: cfg.DRAINWATCH_NAMESPACES.length > 0 ? cfg.DRAINWATCH_NAMESPACES : "all" }, "live ingest source");
  } else {
    setSourceInfo({ kind: "none" });
    log.info("live ingest disabled (--no-ingest): serving the UI and API only");
  }

  // ---- shutdown -------------------------------------------------------------------------
  let skipDelay: () => void = () => {};
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  async function shutdown(signal: string): Promise<void> {
    phase = "stopping";
    stopAbort.abort();
    const t0 = Date.now();
    log.info({ signal, delaySeconds: timing.DRAINWATCH_SHUTDOWN_DELAY_SECONDS }, "shutdown: readiness failing, draining");

    // 0. Ingest stops at once, in parallel with the drain delay: informers stop, finalized
    //    records are flushed, the Lease is released so that a follower takes over quickly.
    const flushMs = timing.DRAINWATCH_SHUTDOWN_FLUSH_SECONDS * 1000;
    const ingestStopped = (async () => {
      const running = ingest;
      if (!running) return;
      // Without a store (it never opened) there is nothing to flush to: do not wait for it.
      await withTimeout(running.stop({ flushTimeoutMs: store ? flushMs : 0 }), flushMs + 5_000, "ingest stop").catch((err: unknown) =>
        log.warn({ err }, "stopping ingest failed"),
      );
      log.info({ seconds: (Date.now() - t0) / 1000 }, "shutdown: ingest stopped");
    })();

    // 1. Keep serving while endpoints stop routing here (a second signal cuts this short).
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timing.DRAINWATCH_SHUTDOWN_DELAY_SECONDS * 1000);
      skipDelay = () => {
        clearTimeout(t);
        resolve();
      };
    });

    // 2. Stop accepting, let in-flight requests finish, drop idle keep-alive connections.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const timedOut = await Promise.race([
      closed.then(() => false),
      sleep(timing.DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS * 1000, true, { ref: false }),
    ]);
    clearInterval(idleSweep);
    if (timedOut) {
      log.warn("shutdown: in-flight requests did not finish in time; closing connections");
      server.closeAllConnections();
    }

    // 3. Ingest (flushes through the store), Next, the sandbox, then the store.
    await ingestStopped;
    setReaderStore(null);
    if (nextClose) await withTimeout(nextClose(), 3_000, "next close").catch((err: unknown) => log.warn({ err }, "closing Next failed"));
    if (ingestSource?.sandbox) await withTimeout(ingestSource.sandbox.close(), 2_000, "sandbox close").catch((err: unknown) => log.warn({ err }, "closing the sandbox failed"));
    if (store) await withTimeout(store.close(), 5_000, "store close").catch((err: unknown) => log.warn({ err }, "closing the store failed"));
    log.info({ seconds: (Date.now() - t0) / 1000 }, "shutdown complete");
    done();
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log.info({ signal }, "second signal: skipping the drain delay");
      skipDelay();
      return;
    }
    signalled = true;
    shutdown(signal).catch((err: unknown) => {
      log.error({ err }, "shutdown failed");
      process.exit(1);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  // ---- start the store, ingest and Next (in parallel; /readyz says when all are there) ---
  // Ingest does not wait for the store: its writer buffers (and retries) until the store is open,
  // so that terminations happening meanwhile (e.g. in a freshly started sandbox) are not missed.
  let resolveStore: (s: Store) => void = () => {};
  const storeOpen = new Promise<Store>((resolve, reject) => {
    resolveStore = resolve;
    stopAbort.signal.addEventListener("abort", () => reject(new Error("shutting down before the store opened")), { once: true });
  });
  storeOpen.catch(() => {});
  const ingestStarted = ingestSource
    ? startIngest(cfg, ingestSource, storeOpen).then(async (started) => {
        if ((phase as Phase) === "stopping") {
          // Shutdown began while ingest was starting: it never gets to write.
          await started.stop({ flushTimeoutMs: 0 }).catch(() => {});
          return;
        }
        ingest = started;
      })
    : Promise.resolve();
  const storeStarted = startStore(cfg, stopAbort.signal).then(async (s) => {
    if (!s) return;
    if (phase === "stopping") {
      void s.close();
      return;
    }
    store = s;
    setReaderStore(readerBackend(s, cfg.DRAINWATCH_CLUSTER));
    // Ingest starts once there is a store to write to (and campaigns for the Lease from then on).
    resolveStore(s);
  });

  const nextStarted = (async () => {
    const { default: next } = await import("next");
    const app = next({ dev: false, dir, hostname: cfg.HOST, port });
    await app.prepare();
    nextHandler = app.getRequestHandler();
    nextClose = () => app.close();
  })();

  // A shutdown that begins while Next is still preparing must not wait for it.
  const started = Promise.all([storeStarted, nextStarted, ingestStarted]).then(() => "started" as const);
  let outcome: "started" | "finished";
  try {
    outcome = await Promise.race([started, finished.then(() => "finished" as const)]);
  } catch (err) {
    // Next could not start (the store retries on its own): nothing useful left to serve.
    log.error({ err }, "cannot start the web server");
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    phase = "stopping";
    stopAbort.abort();
    setReaderStore(null);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await storeStarted.catch(() => {});
    if (ingest) await (ingest as LeaderIngest).stop({ flushTimeoutMs: 0 }).catch(() => {});
    if (ingestSource) await (ingestSource as IngestSource).sandbox?.close().catch(() => {});
    if (store) await (store as Store).close().catch(() => {});
    throw err;
  }
  if (outcome === "started" && phase === "starting") {
    phase = "running";
    log.info({ store: (store as Store | null)?.kind }, "ready");
  }

  await finished;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  if (opts.exitOnShutdown ?? true) process.exit(0);
}

interface IngestSource {
  kubeConfig: KubeConfig;
  info: SourceInfo;
  /** Started by this process (no cluster configured); closed at shutdown. */
  sandbox: Sandbox | null;
}

/**
 * The cluster to ingest from: the configured one (KUBECONFIG, in-cluster, ~/.kube/config), or
 * else the sandbox cluster, started here on 127.0.0.1 (a free port). A kubeconfig that exists but
 * cannot be read is a configuration error (thrown), never a silent switch to simulated data.
 */
async function resolveIngestSource(cfg: Config): Promise<IngestSource> {
  const { loadKubeConfig } = await import("../sources/live/kubeconfig.ts");
  const found = loadKubeConfig();
  if (found) {
    const server = found.kubeConfig.getCurrentCluster()?.server ?? "";
    return { kubeConfig: found.kubeConfig, info: { kind: "kubernetes", from: found.from, server }, sandbox: null };
  }
  const [{ startSandbox }, { KubeConfig: KubeConfigClass }] = await Promise.all([
    import("../sandbox/index.ts"),
    import("@kubernetes/client-node"),
  ]);
  const sandbox = await startSandbox({ scenario: cfg.DRAINWATCH_SANDBOX_SCENARIO, timeScale: cfg.DRAINWATCH_SANDBOX_TIME_SCALE });
  const kubeConfig = new KubeConfigClass();
  kubeConfig.loadFromString(sandbox.kubeconfigYaml());
  log.warn(
    { url: sandbox.url, scenario: sandbox.scenario.name, timeScale: cfg.DRAINWATCH_SANDBOX_TIME_SCALE ?? sandbox.scenario.timeScale },
    "no kubeconfig found and not in a cluster: ingesting from the SANDBOX cluster (simulated data)",
  );
  return { kubeConfig, info: { kind: "sandbox", scenario: sandbox.scenario.name, url: sandbox.url }, sandbox };
}

/** Leader-elected live ingest writing to `store`; each written batch is logged (debug) with its pod UIDs. */
async function startIngest(cfg: Config, source: IngestSource, storeOpen: Promise<Store>): Promise<LeaderIngest> {
  const [{ startLeaderIngest }, { StoreSink }] = await Promise.all([import("../ingest/leader-ingest.ts"), import("../ingest/store-sink.ts")]);
  const leaseMs = cfg.DRAINWATCH_LEASE_DURATION_SECONDS * 1000;
  const write = async (records: TerminationRecord[]): Promise<void> => {
    await recordTerminations(await storeOpen, records);
    log.debug({ count: records.length, podUids: records.map((r) => r.podUid) }, "records written");
  };
  const { sandbox } = source;
  return startLeaderIngest({
    kubeConfig: source.kubeConfig,
    cluster: cfg.DRAINWATCH_CLUSTER,
    sink: ({ metrics, log }) => new StoreSink({ write, overflow: "drop", metrics, log }),
    settleMs: cfg.DRAINWATCH_SETTLE_SECONDS * 1000,
    namespaces: cfg.DRAINWATCH_NAMESPACES,
    informers: {
      ...(cfg.DRAINWATCH_WATCH_SILENCE_SECONDS === undefined ? {} : { silenceTimeoutMs: cfg.DRAINWATCH_WATCH_SILENCE_SECONDS * 1000 }),
      // The sandbox writes its objects in virtual time; observations must be on the same clock.
      ...(sandbox ? { clock: () => sandbox.now() } : {}),
    },
    lease: {
      namespace: cfg.POD_NAMESPACE,
      // Defaults (12 s lease): renew every 4 s, step down after 8 s without renewal, retry every 2 s.
      leaseDurationMs: leaseMs,
      renewIntervalMs: Math.round(leaseMs / 3),
      renewDeadlineMs: Math.round((leaseMs * 2) / 3),
      retryIntervalMs: Math.round(Math.min(2_000, leaseMs / 7.5)),
    },
  });
}

/** Open and migrate the store, retrying with backoff until it works or shutdown begins. */
async function startStore(cfg: Config, signal: AbortSignal): Promise<Store | null> {
  let delayMs = 1_000;
  while (!signal.aborted) {
    let opened: Store | null = null;
    try {
      opened = await openStore({ databaseUrl: cfg.DATABASE_URL, dataDir: cfg.dataDir });
      await migrate(opened);
      log.info({ kind: opened.kind, dataDir: opened.kind === "pglite" ? cfg.dataDir : undefined }, "store open and migrated");
      return opened;
    } catch (err) {
      if (opened) await opened.close().catch(() => {});
      log.error({ err, retryInSeconds: delayMs / 1000 }, "cannot open or migrate the store; retrying");
      await sleep(delayMs, undefined, { signal }).catch(() => {});
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }
  return null;
}

/** The store's data access, bound to the open store, as readers (Next pages, API) see it. */
function readerBackend(store: Store, cluster: string): ReaderBackend {
  async function guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof InvalidQueryError) {
        throw new AppError("bad_request", err.message, { parameter: err.parameter });
      }
      log.error({ err, op }, "store read failed");
      const alive = await store.ping().catch(() => false);
      throw alive
        ? new AppError("internal", "reading the store failed")
        : new AppError("unavailable", "the database is not answering");
    }
  }
  return {
    kind: store.kind,
    cluster,
    ping: () => store.ping().catch(() => false),
    findTerminations: (query: TerminationQuery) => guard("findTerminations", () => findTerminations(store, query)),
    getTermination: (podUid: string, c?: string) => guard("getTermination", () => getTermination(store, podUid, c)),
    countTerminations: () => guard("countTerminations", () => countTerminations(store)),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    sleep(ms, undefined, { ref: false }).then(() => {
      throw new Error(`${what} timed out after ${ms} ms`);
    }),
  ]);
}
