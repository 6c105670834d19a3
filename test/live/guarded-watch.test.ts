// GuardedWatch.forceReconnect against an API server that cannot be reached (a network partition:
// the connection is accepted, nothing answers): the watch is reported done at once, so stopping
// ingest when leadership is lost never waits for client-node's 30 s request timeout.
import { KubeConfig } from "@kubernetes/client-node";
import http from "node:http";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { kubeconfig } from "../../lib/sandbox/index.ts";
import { GuardedWatch } from "../../lib/sources/live/guarded-watch.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** An HTTP server that answers watch requests with headers only when `answer()` is called. */
async function silentServer(): Promise<{ kc: KubeConfig; requests: () => number; answer: () => void }> {
  const pending: http.ServerResponse[] = [];
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    requests++;
    pending.push(res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`));
  return {
    kc,
    requests: () => requests,
    answer: () => {
      for (const res of pending.splice(0)) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(`${JSON.stringify({ type: "ADDED", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "n", uid: "u", resourceVersion: "5" } } })}\n`);
      }
    },
  };
}

describe("GuardedWatch.forceReconnect", () => {
  it("reports a watch still waiting for its response headers done at once, and ignores what it answers later", async () => {
    const api = await silentServer();
    const events: string[] = [];
    const done: unknown[] = [];
    const w = new GuardedWatch(api.kc, { onEvent: (phase) => events.push(phase), onInvalid: () => {}, onInternalError: (e) => done.push(e) });
    const connected = w.watch("/api/v1/pods", {}, (phase) => events.push(`callback ${phase}`), (err) => done.push(err));
    for (let i = 0; i < 50 && api.requests() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(api.requests(), "the request reached the server").toBe(1);

    const t0 = Date.now();
    expect(w.forceReconnect()).toBe(true);
    expect(done).toHaveLength(1);
    expect((done[0] as Error).name).toBe("TimeoutError");
    expect(Date.now() - t0).toBeLessThan(100);
    expect(w.forceReconnect(), "nothing left to abandon").toBe(false);

    // The server answers after all: the abandoned request is aborted, its events dropped, done not reported twice.
    api.answer();
    const controller = await connected;
    expect(controller.signal.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([]);
    expect(done).toHaveLength(1);
  });
});
