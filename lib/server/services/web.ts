// The HTTP side of `serve`: drainwatch's own http.Server (probes, /metrics) in front of Next.js
// (pages and route handlers). Shutdown follows what drainwatch measures in others: readiness fails
// at once (the lifecycle's phase), requests keep being served for the drain delay while endpoints
// stop routing here, then the listener closes, in-flight requests finish (bounded), Next closes.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { prepareNextEnvironment, type Settings } from "../../env.ts";
import { AppError, toErrorBody } from "../../errors.ts";
import { log } from "../../log.ts";
import { applyServerLimits, clientErrorResponse, refuse, securityHeaders, type EdgeRefusal, type EdgeSettings } from "../http-edge.ts";
import type { Service } from "../lifecycle.ts";
import { answerProbe, sendJson, type Readiness } from "../probes.ts";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export interface WebOptions {
  /** Project root: where `.next/` and `next.config.js` live. */
  dir: string;
  /** `next dev` (hot reload) instead of the production build. */
  dev: boolean;
  notReady: Readiness;
  /** True from the first moment of shutdown: responses then close their connection. */
  stopping: () => boolean;
}

export interface WebService extends Service {
  /** The bound port (after start). */
  port(): number;
}

export function webService(settings: Settings, opts: WebOptions): WebService {
  const { HOST: host, PORT: wantedPort } = settings.server;
  let next: { handler: Handler; close: () => Promise<void> } | null = null;
  let boundPort = wantedPort;

  const h = settings.http;
  const edge: EdgeSettings = {
    maxUrlBytes: h.DRAINWATCH_HTTP_MAX_URL_BYTES,
    ...(h.DRAINWATCH_AUTH_TOKEN === undefined ? {} : { authToken: h.DRAINWATCH_AUTH_TOKEN }),
    ...(h.DRAINWATCH_AUTH_PROXY_HEADER === undefined ? {} : { authProxyHeader: h.DRAINWATCH_AUTH_PROXY_HEADER }),
    authProxyFrom: h.DRAINWATCH_AUTH_PROXY_FROM,
    dev: opts.dev,
  };
  const headers = securityHeaders(opts.dev);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (opts.stopping()) res.setHeader("connection", "close");
    const refusal = refuse(req, edge);
    if (refusal) return sendRefusal(req, res, refusal);
    const pathname = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (await answerProbe(pathname, res, opts.notReady)) return;
    if (!next) {
      const { status, body } = toErrorBody(new AppError("unavailable", "drainwatch is starting"));
      return sendJson(res, status, body);
    }
    await next.handler(req, res);
  }

  // Node checks the headers and request timeouts every connectionsCheckingInterval (30 s by
  // default): a second keeps a byte-by-byte client from holding a connection past its timeout.
  const server = http.createServer({ maxHeaderSize: h.DRAINWATCH_HTTP_MAX_HEADER_BYTES, connectionsCheckingInterval: 1_000 }, (req, res) => {
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
  applyServerLimits(server, {
    headersTimeoutMs: h.DRAINWATCH_HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
    requestTimeoutMs: h.DRAINWATCH_HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    keepAliveTimeoutMs: h.DRAINWATCH_HTTP_KEEPALIVE_TIMEOUT_SECONDS * 1000,
    maxConnections: h.DRAINWATCH_HTTP_MAX_CONNECTIONS,
  });
  // A request that cannot even be parsed (oversized URL or headers, garbage) gets a status line
  // and a close, not a reset; a socket that is already gone gets nothing.
  server.on("clientError", (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (socket.writable && err.code !== "ECONNRESET") socket.end(clientErrorResponse(err));
    else socket.destroy();
  });

  return {
    name: "web",
    port: () => boundPort,
    async start() {
      if (!opts.dev && !fs.existsSync(path.join(opts.dir, ".next", "BUILD_ID"))) {
        throw new Error(`no production build in ${path.join(opts.dir, ".next")}: run \`npm run build\` (npm start builds when needed)`);
      }
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(wantedPort, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", (err) => log.error({ err }, "http server error"));
      const address = server.address();
      boundPort = typeof address === "object" && address ? address.port : wantedPort;
      log.info({ host, port: boundPort, url: `http://${host}:${boundPort}/` }, "listening");

      prepareNextEnvironment(opts.dev);
      const { default: createNext } = await import("next");
      const app = createNext({ dev: opts.dev, dir: opts.dir, hostname: host, port: boundPort });
      await app.prepare();
      next = { handler: app.getRequestHandler(), close: () => app.close() };
    },
    async stop(budgetMs, hurry) {
      const t0 = Date.now();
      const delayMs = settings.server.DRAINWATCH_SHUTDOWN_DELAY_SECONDS * 1000;
      // 1. Keep serving while endpoints stop routing here (a second signal cuts this short).
      await sleep(Math.min(delayMs, budgetMs), undefined, { signal: hurry }).catch(() => {});
      // 2. Stop accepting, let in-flight requests finish, drop idle keep-alive connections.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      const waitMs = Math.max(0, Math.min(settings.server.DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS * 1000, budgetMs - (Date.now() - t0)));
      // A second signal ends this wait too: the requests still in flight are cut off.
      const timedOut = await Promise.race([
        closed.then(() => false),
        sleep(waitMs, true, { ref: false, signal: hurry }).catch(() => true),
      ]);
      clearInterval(idleSweep);
      if (timedOut) {
        log.warn({ hurried: hurry.aborted }, "shutdown: in-flight requests did not finish in time; closing connections");
        server.closeAllConnections();
      }
      if (next) await next.close().catch((err: unknown) => log.warn({ err }, "closing Next failed"));
    },
  };
}

/** A refusal at the edge: JSON under /api/v1 (every answer there is JSON), plain text elsewhere. */
function sendRefusal(req: http.IncomingMessage, res: http.ServerResponse, r: EdgeRefusal): void {
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  if ((req.url ?? "").startsWith("/api/")) return sendJson(res, r.status, { error: { code: r.code, message: r.message } });
  const text = `${r.message}\n`;
  res.writeHead(r.status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : text);
}
