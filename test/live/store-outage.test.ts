// Live ingest against a real Postgres through a TCP proxy that the test cuts and restores: a
// database outage from the client's side (connections reset, new ones refused) without stopping
// the server other test files share. Needs DATABASE_URL (test/run.sh exports one).
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startLiveIngest } from "../../lib/ingest/live.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { openStore } from "../../lib/store/client";
import { migrate } from "../../lib/store/migrate";
import { recordTerminations } from "../../lib/store/index.ts";
import type { Store } from "../../lib/store/types";
import { freshDatabase, sql } from "../helpers/db.ts";
import { startFakeApiServer, type FakeApiServer } from "./fake-apiserver.ts";
import { seed, sleep, terminateCleanly, until } from "./fixtures.ts";

/** A TCP proxy to `target` that can refuse and reset connections. */
async function proxy(target: { host: string; port: number }) {
  let up = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    cut(): void {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore(): void {
      up = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// No DATABASE_URL is a failure (freshDatabase says so), never a skip.
describe("live ingest with a Postgres outage", () => {
  let api: FakeApiServer;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let px: Awaited<ReturnType<typeof proxy>>;
  let store: Store;

  beforeAll(async () => {
    api = await startFakeApiServer();
    db = await freshDatabase("dw_live");
    const u = new URL(db.url);
    px = await proxy({ host: u.hostname, port: Number(u.port || 5432) });
    u.port = String(px.port);
    store = await openStore({ databaseUrl: u.toString(), poolSize: 2 });
    await migrate(store);
  });

  afterAll(async () => {
    await store?.close();
    await px?.close();
    await db?.drop();
    await api?.close();
  });

  it("buffers records while the database is down and writes each once when it returns", async () => {
    seed(api, 4);
    const metrics = createMetrics();
    const log = pino({ level: "silent" });
    const writer = new StoreSink({ overflow: "drop", write: (b) => recordTerminations(store, b), backoff: { initialMs: 100, maxMs: 400 }, metrics, log });
    const live = startLiveIngest({
      cluster: "outage",
      kubeConfig: api.kubeConfig(),
      sink: writer,
      settleMs: 200,
      tickMs: 50,
      metrics,
      log,
    });
    try {
      expect(await live.waitForSync(5000)).toBe(true);
      terminateCleanly(api, 0);
      await until(() => writer.stats().written === 1, 10_000, "first record stored");

      px.cut();
      terminateCleanly(api, 1);
      terminateCleanly(api, 2);
      await until(() => writer.stats().failures >= 2, 10_000, "writes failing");
      expect(writer.stats().depth).toBe(2);
      await sleep(300);

      px.restore();
      terminateCleanly(api, 3);
      await until(() => writer.stats().written === 4, 15_000, "buffer written after the outage");
      expect(writer.stats().dropped).toBe(0);
    } finally {
      await live.stop();
    }
    const rows = await sql<{ pod: string }>(db.url, "SELECT pod FROM terminations ORDER BY pod");
    expect(rows.map((r) => r.pod)).toEqual(["web-abc-0", "web-abc-1", "web-abc-2", "web-abc-3"]);
  });
});
