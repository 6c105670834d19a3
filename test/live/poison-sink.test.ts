// The live writer (StoreSink + the serve ingest's storeWriter) on a real Postgres with a record the
// database rejects in the middle of the stream: it is quarantined and counted once, the records
// after it are stored, and the writer is never stuck. A writer that keeps failing for another reason
// says so in drainwatch_writer_failing_seconds until it recovers.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics, type Metrics } from "../../lib/metrics/registry.ts";
import { storeWriter } from "../../lib/server/services/ingest.ts";
import { countTerminations, getTermination, primeStore, type Store } from "../../lib/store/index.ts";
import { cleanRecord } from "../store/fixtures.ts";
import { migratedStore, sql } from "../helpers/db.ts";
import { until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });

async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  if (!m) throw new Error(`metric ${name} not registered`);
  return (m.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((a, v) => a + v.value, 0);
}

let store: Store;
let url: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, url, cleanup } = await migratedStore());
  primeStore(store);
});
afterAll(async () => {
  primeStore(null, "test over");
  await cleanup?.();
});

const good = (i: number) => cleanRecord({ podUid: `live-${i}`, pod: `ledger-${i}` });
/** Postgres cannot hold a lone surrogate (22P02). */
const poison = cleanRecord({ podUid: "live-poison", pod: "ledger-\udc00" });

describe("live writer with a poison record", () => {
  it("quarantines it (counted once), stores everything around and after it, never retries the batch", async () => {
    const metrics = createMetrics();
    const sink = new StoreSink({ overflow: "drop", write: storeWriter(metrics), batchSize: 3, lingerMs: 20, backoff: { initialMs: 10, maxMs: 40 }, metrics, log: quiet });
    await sink.send([good(1), good(2), poison, good(3)]);
    await sink.send([good(4), good(5)]);
    await until(() => sink.stats().depth === 0, 15_000, "all written");
    await sink.send([poison, good(6)]); // the same offender again: counted once
    expect(await sink.close(10_000)).toBe(true);

    for (let i = 1; i <= 6; i++) expect(await getTermination(`live-${i}`, undefined, store)).toStrictEqual(good(i));
    expect(await countTerminations({}, store)).toBe(6);
    expect(sink.stats()).toMatchObject({ failures: 0, dropped: 0 });
    expect(await value(metrics, "drainwatch_records_quarantined_total", { cluster: "default" })).toBe(1);
    expect(await value(metrics, "drainwatch_write_failures_total")).toBe(0);
    // Recorded means stored: the quarantined record is not counted (its second send included).
    expect(await value(metrics, "drainwatch_terminations_recorded_total")).toBe(6);
    const [q] = await sql<{ attempts: number; sql_state: string }>(url, "SELECT attempts, sql_state FROM quarantined_records WHERE pod_uid = 'live-poison'");
    expect(q).toEqual({ attempts: 2, sql_state: "22P02" });
    expect(await value(metrics, "drainwatch_writer_failing_seconds")).toBe(0);
  });

  it("a writer failing for another reason (not the data) keeps its records, reports how long it has failed, and recovers", { timeout: 30_000 }, async () => {
    const metrics = createMetrics();
    // Every insert into terminations fails with a non-data error (raise_exception, class P0).
    await sql(url, `CREATE FUNCTION dw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
    await sql(url, `CREATE TRIGGER dw_refuse BEFORE INSERT ON terminations FOR EACH STATEMENT EXECUTE FUNCTION dw_refuse()`);
    const sink = new StoreSink({ overflow: "drop", write: storeWriter(metrics), batchSize: 10, lingerMs: 10, backoff: { initialMs: 50, maxMs: 100 }, metrics, log: quiet });
    try {
      await sink.send([good(10), good(11)]);
      await until(() => (sink.failingFor()?.ms ?? 0) > 1_000, 10_000, "failing for 1 s");
      expect(sink.failingFor()?.error).toMatch(/refused for the test/);
      expect(await value(metrics, "drainwatch_writer_failing_seconds")).toBeGreaterThan(1);
      expect(await value(metrics, "drainwatch_records_quarantined_total")).toBe(0);
    } finally {
      await sql(url, "DROP TRIGGER dw_refuse ON terminations");
    }
    await until(() => sink.stats().depth === 0, 10_000, "recovered");
    expect(sink.failingFor()).toBeNull();
    expect(await value(metrics, "drainwatch_writer_failing_seconds")).toBe(0);
    expect(await getTermination("live-10", undefined, store)).toStrictEqual(good(10));
    expect(await sink.close(5_000)).toBe(true);
  });
});
