// The HTTP edge of `serve`, answered as a hardened server answers it, before Next.js sees a
// request: security headers on every response (pages, API and probes alike), 405 with `Allow` for
// anything but GET and HEAD (drainwatch is read-only), 414 for an oversized URL, 431 for
// oversized headers (cookies included), and optional authentication (a bearer token, or a user
// header trusted only from configured proxy addresses). Timeouts and the connection cap are set on
// the server itself (applyServerLimits). Pure decisions here; web.ts does the writing.
import type http from "node:http";
import { BlockList, isIP } from "node:net";
import { timingSafeEqual } from "node:crypto";

export interface EdgeSettings {
  /** Longest accepted request target (path + query), bytes. */
  maxUrlBytes: number;
  /** Bearer token every request but the probes must carry; unset: no token. */
  authToken?: string;
  /** Header naming the user, set by an authenticating proxy (e.g. X-Forwarded-User); unset: off. */
  authProxyHeader?: string;
  /** Addresses (IPs or CIDRs) of that proxy: the header is trusted only from them. */
  authProxyFrom: readonly string[];
  /** Next dev mode needs eval for hot reload. */
  dev: boolean;
}

/** Paths answered without authentication: the kubelet's probes and Prometheus' scrape. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export function securityHeaders(dev: boolean): Record<string, string> {
  // Next's pages hydrate with inline scripts and style with inline styles; nothing loads from
  // elsewhere, and nothing may frame drainwatch.
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}

export type EdgeRefusal = { status: number; code: "method_not_allowed" | "uri_too_long" | "unauthorized"; message: string; headers?: Record<string, string> };

/** Why a request is refused at the edge, or null to serve it. */
export function refuse(req: Pick<http.IncomingMessage, "method" | "url" | "headers" | "socket">, s: EdgeSettings): EdgeRefusal | null {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, code: "method_not_allowed", message: `method ${method} is not allowed: drainwatch is read-only (GET, HEAD)`, headers: { allow: "GET, HEAD" } };
  }
  const url = req.url ?? "/";
  if (Buffer.byteLength(url) > s.maxUrlBytes) {
    return { status: 414, code: "uri_too_long", message: `the request target is longer than ${s.maxUrlBytes} bytes` };
  }
  const pathname = url.split("?", 1)[0] ?? "/";
  if (OPEN_PATHS.has(pathname)) return null;
  if (s.authToken !== undefined && !bearerMatches(req.headers.authorization, s.authToken)) {
    return { status: 401, code: "unauthorized", message: "a bearer token is required (Authorization: Bearer …)", headers: { "www-authenticate": 'Bearer realm="drainwatch"' } };
  }
  if (s.authProxyHeader !== undefined) {
    const user = req.headers[s.authProxyHeader.toLowerCase()];
    if (typeof user !== "string" || user === "" || !fromTrustedProxy(req.socket.remoteAddress, s.authProxyFrom)) {
      return { status: 401, code: "unauthorized", message: `sign in through the authenticating proxy (it sets ${s.authProxyHeader})` };
    }
  }
  return null;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function fromTrustedProxy(address: string | undefined, trusted: readonly string[]): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  const list = new BlockList();
  for (const entry of trusted) {
    const [ip, bits] = entry.split("/");
    const family = isIP(ip ?? "") === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(ip!, family);
    else list.addSubnet(ip!, Number(bits), family);
  }
  return list.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
}

/**
 * What to write on a connection whose request could not even be parsed: 431 for oversized
 * headers, 414 when the request line itself never ended (an oversized URL), 400 otherwise.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): string {
  let status = 400;
  let text = "Bad Request";
  if (err.code === "HPE_HEADER_OVERFLOW") {
    const raw = err.rawPacket?.toString("latin1") ?? "";
    const requestLineEnded = raw.includes("\r\n") || raw.includes("\n");
    [status, text] = requestLineEnded ? [431, "Request Header Fields Too Large"] : [414, "URI Too Long"];
  } else if (err.code === "HPE_URI_TOO_LONG") {
    [status, text] = [414, "URI Too Long"];
  }
  const headers = Object.entries(securityHeaders(false)).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n${headers}\r\n`;
}

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** Timeouts that close idle, slow (byte-by-byte) and endless requests, and a connection cap. */
export function applyServerLimits(server: http.Server, l: ServerLimits): void {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
}
