// The HTTP edge as a hardened server answers it, against the real `drainwatch serve`: security
// headers on pages, API and probes alike; 405 with Allow; 414/431 for oversized URL, headers and
// cookies (not a connection reset); slow and idle connections closed by the timeouts; optional
// bearer-token and trusted-proxy authentication. Raw sockets where fetch would hide the answer.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, requireBuild, type Served, startReadyServe, terminate } from "../e2e/helpers.ts";
import { freshDatabase } from "../helpers/db.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

async function serveWith(env: Record<string, string | undefined>): Promise<Served> {
  const s = await startReadyServe({ DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0", ...env }, ["--no-ingest"]);
  cleanups.push(() => (s.hasExited() ? undefined : terminate(s, 10_000)));
  return s;
}

/** Sends raw bytes, returns the status line (or "closed" when the server closed without one). */
function raw(base: string, data: string | Buffer, opts: { waitMs?: number } = {}): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let got = "";
    sock.on("data", (d: Buffer) => (got += d.toString("latin1")));
    sock.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? resolve(got.split("\r\n")[0] || "reset") : reject(e)));
    sock.on("close", () => resolve(got.split("\r\n")[0] || "closed"));
    sock.write(data);
    if (opts.waitMs) setTimeout(() => sock.end(), opts.waitMs);
  });
}

let s: Served;
beforeAll(async () => {
  requireBuild();
  const db = await freshDatabase("dw_edge");
  cleanups.push(() => db.drop());
  s = await serveWith({ DATABASE_URL: db.url, DRAINWATCH_HTTP_HEADERS_TIMEOUT_SECONDS: "2", DRAINWATCH_HTTP_MAX_CONNECTIONS: "50" });
}, 60_000);

describe("HTTP edge", () => {
  it("sends the security headers on pages, the API and the probes", async () => {
    for (const path of ["/", "/terminations", "/api/v1/terminations", "/api/v1/nope", "/healthz", "/readyz", "/metrics"]) {
      const res = await fetch(`${s.base}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'self'");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });

  it("answers 405 with Allow for every method but GET and HEAD, JSON under /api/v1", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"]) {
      for (const path of ["/", "/api/v1/terminations"]) {
        const res = await fetch(`${s.base}${path}`, { method, ...(method === "TRACE" ? {} : {}) }).catch(() => null);
        if (method === "TRACE" && res === null) continue; // fetch refuses to send TRACE; checked raw below
        expect(res!.status, `${method} ${path}`).toBe(405);
        expect(res!.headers.get("allow")).toBe("GET, HEAD");
        if (path.startsWith("/api/")) expect(await res!.json()).toMatchObject({ error: { code: "method_not_allowed" } });
      }
    }
    expect(await raw(s.base, "TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toBe("HTTP/1.1 405 Method Not Allowed");
    expect((await fetch(`${s.base}/`, { method: "HEAD" })).status).toBe(200);
  });

  it("answers 414 for a 100 kB URL and 431 for a 20 kB header or a 100 kB cookie, never a reset", async () => {
    expect(await raw(s.base, `GET /?q=${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe("HTTP/1.1 414 URI Too Long");
    expect(await raw(s.base, `GET /?q=${"a".repeat(10_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toBe("HTTP/1.1 414 URI Too Long");
    expect(await raw(s.base, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(await raw(s.base, `GET / HTTP/1.1\r\nHost: x\r\nCookie: c=${"c".repeat(100_000)}\r\n\r\n`)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });

  it("closes a connection that sends its headers byte by byte past the headers timeout", async () => {
    const { hostname, port } = new URL(s.base);
    const t0 = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const sock = net.connect(Number(port), hostname);
      const req = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "z".repeat(200);
      let i = 0;
      const drip = setInterval(() => {
        if (i < req.length && !sock.destroyed) sock.write(req[i++]!);
      }, 50);
      sock.on("close", () => {
        clearInterval(drip);
        resolve(Date.now() - t0);
      });
      sock.on("error", () => undefined);
      sock.on("data", () => undefined); // read, so the server's close is seen
      setTimeout(() => sock.destroy(), 15_000).unref();
    });
    expect(closed).toBeLessThan(8_000); // headers timeout 2 s (+ Node's check interval), not held forever
  });

  it("with a bearer token: pages and API need it, probes and /metrics do not", async () => {
    const db = await freshDatabase("dw_edge_auth");
    cleanups.push(() => db.drop());
    const a = await serveWith({ DATABASE_URL: db.url, DRAINWATCH_AUTH_TOKEN: "s3cret-token-value" });
    expect((await fetch(`${a.base}/api/v1/terminations`)).status).toBe(401);
    expect((await fetch(`${a.base}/`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${a.base}/api/v1/terminations`, { headers: { authorization: "Bearer s3cret-token-value" } })).status).toBe(200);
    for (const p of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${a.base}${p}`)).status, p).toBe(200);
  }, 60_000);

  it("trusts a proxy's user header only from the configured proxy addresses", async () => {
    const db = await freshDatabase("dw_edge_proxy");
    cleanups.push(() => db.drop());
    const trusted = await serveWith({ DATABASE_URL: db.url, DRAINWATCH_AUTH_PROXY_HEADER: "X-Forwarded-User", DRAINWATCH_AUTH_PROXY_FROM: "127.0.0.0/8" });
    expect((await fetch(`${trusted.base}/api/v1/terminations`)).status).toBe(401);
    expect((await fetch(`${trusted.base}/api/v1/terminations`, { headers: { "x-forwarded-user": "alice" } })).status).toBe(200);
    await terminate(trusted, 10_000);
    const elsewhere = await serveWith({ DATABASE_URL: db.url, DRAINWATCH_AUTH_PROXY_HEADER: "X-Forwarded-User", DRAINWATCH_AUTH_PROXY_FROM: "10.1.2.3" });
    expect((await fetch(`${elsewhere.base}/api/v1/terminations`, { headers: { "x-forwarded-user": "mallory" } })).status).toBe(401);
  }, 90_000);
});
