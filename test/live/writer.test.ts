// The buffered writer: retries until the store answers, bounded buffer with counted drops.
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { BufferedWriter } from "../../lib/ingest/writer.ts";
import { createMetrics, type Metrics } from "../../lib/metrics/registry.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });

function rec(i: number): TerminationRecord {
  return { podUid: `uid-${i}`, pod: `p-${i}`, namespace: "ns", cause: "rollout", outcome: "clean" } as unknown as TerminationRecord;
}

async function value(metrics: Metrics, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0);
}

describe("buffered writer", () => {
  it("keeps records through N failures and writes them when the sink recovers", async () => {
    const metrics = createMetrics();
    let failures = 3;
    const written: string[] = [];
    const writer = new BufferedWriter({
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
    writer.add([rec(0), rec(1), rec(2)]);
    await new Promise((r) => setTimeout(r, 5));
    writer.add([rec(3), rec(4), rec(5), rec(6), rec(7), rec(8)]);
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
    const writer = new BufferedWriter({
      write: async (batch) => {
        if (down) throw new Error("down");
        written.push(...batch.map((r) => r.podUid));
      },
      maxBuffer: 5,
      backoff: { initialMs: 10, maxMs: 20 },
      metrics,
      log: quiet,
    });
    writer.add([0, 1, 2].map(rec));
    writer.add([3, 4, 5, 6].map(rec)); // 5 and 6 do not fit
    writer.add([rec(7)]);
    expect(writer.stats()).toMatchObject({ depth: 5, dropped: 3 });
    expect(await value(metrics, "drainwatch_records_dropped_total")).toBe(3);
    expect(await value(metrics, "drainwatch_write_buffer_depth")).toBe(5);
    down = false;
    await until(() => written.length === 5, 3000, "buffer written");
    expect(written).toEqual([0, 1, 2, 3, 4].map((i) => `uid-${i}`));
  });

  it("close() flushes within its budget, and counts what it could not write", async () => {
    const metrics = createMetrics();
    const ok = new BufferedWriter({ write: async () => undefined, metrics, log: quiet });
    ok.add([rec(1)]);
    expect(await ok.close(1000)).toBe(true);

    const broken = new BufferedWriter({ write: () => Promise.reject(new Error("down")), backoff: { initialMs: 1000, maxMs: 1000 }, metrics, log: quiet });
    broken.add([rec(1), rec(2)]);
    const t0 = Date.now();
    expect(await broken.close(300)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(broken.stats()).toMatchObject({ depth: 0, dropped: 2 });
    broken.add([rec(3)]); // after close: dropped, not written
    expect(broken.stats().dropped).toBe(3);
  });
});
