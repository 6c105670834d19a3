// /healthz, /readyz and /metrics: answered by drainwatch's own HTTP server before Next.js sees the
// request, so they work while the UI is starting and during shutdown.
import type http from "node:http";
import { getMetrics } from "../metrics/registry.ts";

export type Readiness = () => Promise<string | null>;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** Answers a probe path and returns true, or returns false for every other path. */
export async function answerProbe(pathname: string, res: http.ServerResponse, notReady: Readiness): Promise<boolean> {
  switch (pathname) {
    case "/healthz":
      sendJson(res, 200, { status: "ok" });
      return true;
    case "/readyz": {
      const reason = await notReady();
      sendJson(res, reason === null ? 200 : 503, reason === null ? { status: "ready" } : { status: "not ready", reason });
      return true;
    }
    case "/metrics": {
      const { registry } = getMetrics();
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
      res.end(text);
      return true;
    }
    default:
      return false;
  }
}
