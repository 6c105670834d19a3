// The store sink (the buffered writer): retries until the store answers; a bounded buffer whose
// overflow policy is the caller's: live drops and counts, replay waits and loses nothing.
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics, type Metrics } from "../../lib/metrics/registry.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { sleep, until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });

function rec(i: number): TerminationRecord {
  return { podUid: `uid-${i}`, pod: `p-${i}`, namespace: "ns", cause: "rollout", outcome: "clean" } as unknown as TerminationRecord;
}

async function value(metrics: Metrics, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0);
}

describe("store sink", () => {
  it("keeps records through N failures and writes them when the sink recovers", async () => {
    const metrics = createMetrics();
    let failures = 3;
    const written: string[] = [];
    const writer = new StoreSink({
      overflow: "drop",
      write: async (batch) => {
        if (failures > 0) {
          failures--;
          throw new Error("connection refused");
        }
        written.push(...batch.map((r) => r.podUid));
      },
      batchSize: 4,
      backoff: { initialMs: 10, maxMs: 40 },
      metrics,
      log: quiet,
    });
    void writer.send([rec(0), rec(1), rec(2)]);
    await new Promise((r) => setTimeout(r, 5));
    void writer.send([rec(3), rec(4), rec(5), rec(6), rec(7), rec(8)]);
    expect(await value(metrics, "drainwatch_write_buffer_depth")).toBeGreaterThan(0);
    await until(() => written.length === 9, 3000, "all written");
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `uid-${i}`));
    expect(writer.stats()).toMatchObject({ depth: 0, written: 9, dropped: 0, failures: 3 });
    expect(await value(metrics, "drainwatch_write_buffer_depth")).toBe(0);
    expect(await value(metrics, "drainwatch_records_dropped_total")).toBe(0);
    expect(await value(metrics, "drainwatch_terminations_recorded_total")).toBe(9);
  });

  it("drops and counts records beyond the bound while the sink is down", async () => {
    const metrics = createMetrics();
    let down = true;
    const written: string[] = [];
    const writer = new StoreSink({
      overflow: "drop",
      write: async (batch) => {
        if (down) throw new Error("down");
        written.push(...batch.map((r) => r.podUid));
      },
      maxBuffer: 5,
      backoff: { initialMs: 10, maxMs: 20 },
      metrics,
      log: quiet,
    });
    // Live policy: send() never waits, even with the database down and the buffer full.
    await writer.send([0, 1, 2].map(rec));
    await writer.send([3, 4, 5, 6].map(rec)); // 5 and 6 do not fit
    await writer.send([rec(7)]);
    expect(writer.stats()).toMatchObject({ depth: 5, dropped: 3 });
    expect(await value(metrics, "drainwatch_records_dropped_total")).toBe(3);
    expect(await value(metrics, "drainwatch_write_buffer_depth")).toBe(5);
    down = false;
    await until(() => written.length === 5, 3000, "buffer written");
    expect(written).toEqual([0, 1, 2, 3, 4].map((i) => `uid-${i}`));
  });

  it("close() flushes within its budget, and counts what it could not write", async () => {
    const metrics = createMetrics();
    const ok = new StoreSink({ overflow: "drop", write: async () => undefined, metrics, log: quiet });
    void ok.send([rec(1)]);
    expect(await ok.close(1000)).toBe(true);

    const broken = new StoreSink({
      overflow: "drop", write: () => Promise.reject(new Error("down")), backoff: { initialMs: 1000, maxMs: 1000 }, metrics, log: quiet });
    void broken.send([rec(1), rec(2)]);
    const t0 = Date.now();
    expect(await broken.close(300)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(broken.stats()).toMatchObject({ depth: 0, dropped: 2 });
    void broken.send([rec(3)]); // after close: dropped, not written
    expect(broken.stats().dropped).toBe(3);
  });

  it("replay policy: send() waits for room, so a tiny buffer loses nothing through failures", async () => {
    const metrics = createMetrics();
    let failures = 2;
    let maxDepth = 0;
    const written: string[] = [];
    const writer = new StoreSink({
      overflow: "wait",
      write: async (batch) => {
        maxDepth = Math.max(maxDepth, writer.stats().depth);
        await new Promise((r) => setTimeout(r, 2));
        if (failures > 0) {
          failures--;
          throw new Error("connection reset");
        }
        written.push(...batch.map((r) => r.podUid));
      },
      maxBuffer: 3,
      batchSize: 2,
      backoff: { initialMs: 5, maxMs: 10 },
      metrics,
      log: quiet,
    });
    const n = 40;
    let waited = 0;
    for (let i = 0; i < n; i += 7) {
      const chunk = Array.from({ length: Math.min(7, n - i) }, (_, k) => rec(i + k));
      const before = written.length;
      await writer.send(chunk);
      if (written.length > before) waited++; // resolved only after writes made room
      expect(writer.stats().depth).toBeLessThanOrEqual(3);
    }
    expect(waited).toBeGreaterThan(0);
    expect(await writer.close(Number.POSITIVE_INFINITY)).toBe(true);
    expect(written).toEqual(Array.from({ length: n }, (_, i) => `uid-${i}`));
    expect(maxDepth).toBeLessThanOrEqual(3);
    expect(writer.stats()).toMatchObject({ depth: 0, written: n, dropped: 0, failures: 2 });
    expect(await value(metrics, "drainwatch_records_dropped_total")).toBe(0);
    expect(await value(metrics, "drainwatch_terminations_recorded_total")).toBe(n);
  });

  it("replay policy: a sender waiting for room when close() starts is part of the flush", async () => {
    const written: string[] = [];
    const writer = new StoreSink({
      overflow: "wait",
      write: async (batch) => {
        await new Promise((r) => setTimeout(r, 5));
        written.push(...batch.map((r) => r.podUid));
      },
      maxBuffer: 1,
      batchSize: 1,
      log: quiet,
    });
    const sent = writer.send([0, 1, 2, 3, 4].map(rec)); // not awaited: still waiting for room
    expect(await writer.close(Number.POSITIVE_INFINITY)).toBe(true);
    await sent;
    expect(written).toEqual([0, 1, 2, 3, 4].map((i) => `uid-${i}`));
    expect(writer.stats()).toMatchObject({ depth: 0, written: 5, dropped: 0 });
  });

  it("maxAttempts: the sink gives up, rejects waiting and later sends with the write's error, close() is false", async () => {
    const metrics = createMetrics();
    const writer = new StoreSink({
      overflow: "wait",
      write: () => Promise.reject(new Error("relation does not exist")),
      maxBuffer: 2,
      maxAttempts: 1,
      metrics,
      log: quiet,
    });
    await expect(writer.send([0, 1, 2, 3].map(rec))).rejects.toThrow("relation does not exist");
    await expect(writer.send([rec(9)])).rejects.toThrow("relation does not exist");
    expect(await writer.close(1000)).toBe(false);
    expect((writer.error as Error).message).toBe("relation does not exist");
    expect(writer.stats()).toMatchObject({ depth: 0, written: 0, dropped: 2, failures: 1 });
    expect(await value(metrics, "drainwatch_records_dropped_total")).toBe(2);
  });

  it("writes updates (enriched versions) but counts each termination as recorded once", async () => {
    const metrics = createMetrics();
    const written: TerminationRecord[] = [];
    const writer = new StoreSink({ overflow: "drop", write: async (b) => void written.push(...b), metrics, log: quiet });
    await writer.send([rec(1), rec(2)]);
    await writer.send([{ ...rec(1), outcome: "sigkill" } as TerminationRecord], "update");
    expect(await writer.close(1000)).toBe(true);
    expect(written.map((r) => [r.podUid, r.outcome])).toEqual([
      ["uid-1", "clean"],
      ["uid-2", "clean"],
      ["uid-1", "sigkill"],
    ]);
    expect(writer.stats().written).toBe(3);
    expect(await value(metrics, "drainwatch_terminations_recorded_total")).toBe(2);
  });

  it("batches: a full batch is written at once, a partial one after lingerMs, everything at once on close", async () => {
    const batches: string[][] = [];
    const writer = new StoreSink({ overflow: "drop", write: async (b) => void batches.push(b.map((r) => r.podUid)), batchSize: 3, lingerMs: 150, log: quiet });
    const t0 = Date.now();
    await writer.send([rec(0)]);
    await sleep(50);
    expect(batches).toEqual([]); // waiting for more
    await writer.send([rec(1), rec(2), rec(3)]);
    await until(() => batches.length === 1, 1000, "a full batch");
    expect(batches).toEqual([["uid-0", "uid-1", "uid-2"]]);
    await until(() => batches.length === 2, 1000, "the partial batch");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145); // lingered (counted from the oldest record it held)
    expect(batches[1]).toEqual(["uid-3"]);
    await writer.send([rec(4)]);
    expect(await writer.close(1000)).toBe(true); // no linger when flushing
    expect(batches[2]).toEqual(["uid-4"]);
  });
});
