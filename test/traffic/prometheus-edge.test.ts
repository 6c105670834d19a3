// How the Prometheus edge fails: every way becomes MetricsUnavailable (the joiner retries on it).
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MetricsUnavailable, PrometheusSamples } from "../../lib/traffic/prometheus";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${addr.port}`;
}

async function failure(url: string, timeoutSeconds = 5): Promise<MetricsUnavailable> {
  const err = await new PrometheusSamples({ url, timeoutSeconds }).rawSamples("up", 0, 1000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MetricsUnavailable);
  return err as MetricsUnavailable;
}

function answering(status: number, body: string, seen?: string[], auth?: string[]): http.Server {
  return http.createServer((req, res) => {
    seen?.push(req.url ?? "");
    auth?.push(req.headers.authorization ?? "");
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
}

describe("PrometheusSamples failures", () => {
  it("nothing listening: unreachable", async () => {
    const s = net.createServer();
    const url = await listen(s);
    await closers.pop()!();
    expect((await failure(url)).reason).toBe("unreachable");
  });

  it("a server that never answers: timeout", async () => {
    const sockets: net.Socket[] = [];
    const s = net.createServer((sock) => sockets.push(sock));
    const url = await listen(s);
    closers.push(async () => sockets.forEach((x) => x.destroy()));
    const started = Date.now();
    expect((await failure(url, 1)).reason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a Prometheus error status keeps its status", async () => {
    const url = await listen(answering(503, JSON.stringify({ status: "error", errorType: "unavailable", error: "overloaded" })));
    const e = await failure(url);
    expect(e).toMatchObject({ reason: "http", httpStatus: 503 });
    expect(e.message).toMatch(/overloaded/);
  });

  it("a proxy's non-Prometheus error page, or an answer of the wrong shape: bad-answer", async () => {
    expect((await failure(await listen(answering(502, "<html>bad gateway</html>")))).reason).toBe("bad-answer");
    const vector = { status: "success", data: { resultType: "vector", result: [] } };
    expect((await failure(await listen(answering(200, JSON.stringify(vector))))).reason).toBe("bad-answer");
  });

  it("asks /api/v1/query for the raw samples of the span (one extra ms), under a path prefix too", async () => {
    const seen: string[] = [];
    const auth: string[] = [];
    const url = await listen(answering(200, JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }), seen, auth));
    const client = new PrometheusSamples({ url: `${url.replace("://", "://dw:s%40cret@")}/prom/`, timeoutSeconds: 7 });
    expect(await client.rawSamples('x{a="b"}', 1_000_000, 1_060_500)).toEqual([]);
    expect(client.queries).toBe(1);
    const q = new URL(seen[0]!, "http://h");
    expect(q.pathname).toBe("/prom/api/v1/query");
    expect(q.searchParams.get("query")).toBe('x{a="b"}[60501ms]');
    expect(q.searchParams.get("time")).toBe("1060.5");
    expect(q.searchParams.get("timeout")).toBe("7s");
    expect(auth[0]).toBe(`Basic ${Buffer.from("dw:s@cret").toString("base64")}`);
  });
});
