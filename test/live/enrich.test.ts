// The enrich stage between the tracker and the sinks ("write now, rewrite when enriched"), driven
// by a small real enricher shaped like the traffic joiner: it answers from a table of per-workload
// request counts that becomes available at some time (like samples after the scrape delay), says
// "nothing to add" for workloads without series, and fails while its backend is down.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { enrichStage, EnrichStage, type EnrichOutcome, type Enricher } from "../../lib/ingest/enrich.ts";
import { CollectSink, type RecordSink, type RecordVersion } from "../../lib/ingest/sink.ts";
import { StoreSink } from "../../lib/ingest/store-sink.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { sleep, until } from "./fixtures.ts";
import { sharedDocsDir } from "../helpers/shared-docs.ts";

const quiet = pino({ level: "silent" });

/** Real records: the contract's examples. */
const EXAMPLES = path.join(sharedDocsDir(), "examples");
const records: TerminationRecord[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".records.jsonl"))
  .sort()
  .flatMap((f) => readFileSync(path.join(EXAMPLES, f), "utf8").split("\n"))
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as TerminationRecord);

class TrafficTable implements Enricher {
  readonly name = "traffic-table";
  calls = 0;
  closed = false;
  /** Calls that fail before the backend answers (an outage). */
  failCalls = 0;
  constructor(
    private readonly table: Map<string, { requests: number; errors5xx: number }>,
    /** Samples are complete from this time on (Date.now clock); before it: ask again then. */
    public availableAt = 0,
  ) {}

  async enrich(batch: readonly TerminationRecord[]): Promise<EnrichOutcome[]> {
    this.calls++;
    await sleep(1);
    if (this.failCalls > 0) {
      this.failCalls--;
      throw new Error("prometheus: connection refused");
    }
    return batch.map((r): EnrichOutcome => {
      if (Date.now() < this.availableAt) return { kind: "retry", at: this.availableAt };
      const row = this.table.get(`${r.namespace}/${r.workload.name}`);
      if (!row) return { kind: "none" };
      const windowStart = r.deleteRequestedAt ?? r.exitedAt ?? "";
      const windowEnd = r.deletedAt ?? r.exitedAt ?? "";
      return { kind: "patch", patch: { traffic: { source: "istio", ...row, baselineRequests: 0, baselineErrors5xx: 0, baselineErrorRate: null, windowStart, windowEnd } } };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A sink that notes every send with its version and the time it arrived. */
class RecordingSink implements RecordSink {
  readonly sends: { uid: string; version: RecordVersion; traffic: boolean; at: number }[] = [];
  readonly collected = new CollectSink();
  closedWith: number | null = null;
  async send(rs: readonly TerminationRecord[], version: RecordVersion = "first"): Promise<void> {
    for (const r of rs) this.sends.push({ uid: r.podUid, version, traffic: r.traffic !== null, at: Date.now() });
    await this.collected.send(rs, version);
  }
  async close(budgetMs: number): Promise<boolean> {
    this.closedWith = budgetMs;
    return true;
  }
}

const workloadOf = (r: TerminationRecord): string => `${r.namespace}/${r.workload.name}`;
const timeouts = (): number => process.getActiveResourcesInfo().filter((x) => x === "Timeout").length;

describe("enrich stage", () => {
  it("with no enrichers is the downstream sink itself", () => {
    const sink = new CollectSink();
    expect(enrichStage({ downstream: sink, enrichers: [] })).toBe(sink);
  });

  it("sends records downstream at once and their enriched versions later, as updates", async () => {
    expect(records.length).toBeGreaterThan(2);
    // Series for every workload but the last one's.
    const withSeries = records.slice(0, -1);
    const table = new TrafficTable(new Map(withSeries.map((r) => [workloadOf(r), { requests: 1200, errors5xx: 3 }])), Date.now() + 150);
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [table], log: quiet });
    const t0 = Date.now();
    await stage.send(records);
    // Written now, unenriched.
    expect(down.sends.map((s) => [s.uid, s.version, s.traffic])).toEqual(records.map((r) => [r.podUid, "first", false]));
    await until(() => stage.stats().pending === 0, 3000, "answered");
    const updates = down.sends.slice(records.length);
    expect(updates.map((s) => [s.uid, s.version, s.traffic])).toEqual(withSeries.map((r) => [r.podUid, "update", true]));
    // Not before the samples were available (the enricher said "ask again then").
    expect(Math.min(...updates.map((s) => s.at)) - t0).toBeGreaterThanOrEqual(140);
    // The collected view holds each record once, newest version, the rest untouched.
    expect(down.collected.records).toHaveLength(records.length);
    const byUid = new Map(down.collected.records.map((r) => [r.podUid, r]));
    for (const r of withSeries) {
      const got = byUid.get(r.podUid)!;
      expect({ ...got, traffic: null }).toEqual(r);
      expect(got.traffic).toMatchObject({ source: "istio", requests: 1200, errors5xx: 3 });
    }
    expect(byUid.get(records.at(-1)!.podUid)).toEqual(records.at(-1));
    expect(stage.stats()).toMatchObject({ pending: 0, enriched: withSeries.length, failures: 0, givenUp: 0 });
    expect(table.calls).toBe(2); // one call per due batch (too early, then answered), never one per record
    expect(await stage.close(1000)).toBe(true);
  });

  it("workloads without series get no update", async () => {
    const table = new TrafficTable(new Map());
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [table], log: quiet });
    await stage.send(records);
    await until(() => stage.stats().pending === 0, 3000, "answered");
    await sleep(20);
    expect(down.sends.every((s) => s.version === "first")).toBe(true);
    expect(table.calls).toBe(1);
    await stage.close(1000);
  });

  it("retries failed calls with backoff, then enriches", async () => {
    const table = new TrafficTable(new Map(records.map((r) => [workloadOf(r), { requests: 10, errors5xx: 0 }])));
    table.failCalls = 3;
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [table], backoff: { initialMs: 40, maxMs: 80 }, log: quiet });
    const t0 = Date.now();
    await stage.send(records);
    await until(() => stage.stats().enriched === records.length, 5000, "enriched after the outage");
    // Three backoff waits of at least half their ceiling: 20 + 40 + 40 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(table.calls).toBe(4);
    expect(stage.stats()).toMatchObject({ failures: 3, givenUp: 0, pending: 0 });
    await stage.close(1000);
  });

  it("gives a record up after maxAttempts failed calls (it stays written, unenriched)", async () => {
    const table = new TrafficTable(new Map(records.map((r) => [workloadOf(r), { requests: 10, errors5xx: 0 }])));
    table.failCalls = 100;
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [table], maxAttempts: 2, backoff: { initialMs: 5, maxMs: 5 }, log: quiet });
    await stage.send(records);
    await until(() => stage.stats().pending === 0, 3000, "given up");
    expect(table.calls).toBe(2);
    expect(stage.stats()).toMatchObject({ failures: 2, givenUp: records.length, enriched: 0 });
    expect(down.sends.every((s) => s.version === "first")).toBe(true);
    await stage.close(1000);
  });

  it("merges the additions of several enrichers into one newest version", async () => {
    const traffic = new TrafficTable(new Map(records.map((r) => [workloadOf(r), { requests: 7, errors5xx: 1 }])));
    const notes: Enricher = {
      name: "notes",
      enrich: async (batch) => batch.map((r): EnrichOutcome => ({ kind: "patch", patch: { notes: [...r.notes, "checked"] } })),
    };
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [traffic, notes], log: quiet });
    await stage.send(records);
    await until(() => stage.stats().pending === 0, 3000, "both answered");
    for (const r of down.collected.records) {
      expect(r.traffic).toMatchObject({ requests: 7, errors5xx: 1 });
      expect(r.notes.at(-1)).toBe("checked");
    }
    await stage.close(1000);
  });

  it("close() abandons pending enrichment at once, stops its timers, closes the enricher and downstream", async () => {
    const baseline = timeouts();
    const table = new TrafficTable(new Map(records.map((r) => [workloadOf(r), { requests: 1, errors5xx: 0 }])), Date.now() + 60_000);
    const down = new RecordingSink();
    const stage = new EnrichStage({ downstream: down, enrichers: [table], log: quiet });
    await stage.send(records);
    await until(() => table.calls === 1, 3000, "asked once");
    await sleep(10);
    expect(timeouts()).toBeGreaterThan(baseline); // waiting for the samples
    const t0 = Date.now();
    expect(await stage.close(5000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(timeouts()).toBe(baseline);
    expect(table.closed).toBe(true);
    expect(down.closedWith).toBeGreaterThan(4000); // downstream got the rest of the budget
    expect(stage.stats()).toMatchObject({ pending: 0, givenUp: records.length });
    // Records sent after close still reach downstream (written), but are not enriched.
    await stage.send(records.slice(0, 1));
    await sleep(50);
    expect(table.calls).toBe(1);
    expect(down.sends.filter((s) => s.version === "update")).toHaveLength(0);
  });

  it("finishOnClose (replay): close() waits for pending enrichment within its budget, then flushes the store sink", async () => {
    const metrics = createMetrics();
    const written: TerminationRecord[] = [];
    const store = new StoreSink({ overflow: "wait", write: async (b) => void written.push(...b), metrics, log: quiet });
    const table = new TrafficTable(new Map(records.map((r) => [workloadOf(r), { requests: 5, errors5xx: 2 }])), Date.now() + 150);
    const stage = new EnrichStage({ downstream: store, enrichers: [table], finishOnClose: true, log: quiet });
    await stage.send(records);
    expect(await stage.close(Number.POSITIVE_INFINITY)).toBe(true);
    // Every record written twice: now, and enriched; the store's last version carries traffic.
    expect(written).toHaveLength(2 * records.length);
    expect(written.slice(records.length).every((r) => r.traffic?.errors5xx === 2)).toBe(true);
    expect(store.stats()).toMatchObject({ depth: 0, written: 2 * records.length, dropped: 0 });
    const value = async (name: string): Promise<number> =>
      ((await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []).reduce((a, v) => a + v.value, 0);
    expect(await value("drainwatch_terminations_recorded_total")).toBe(records.length); // counted once

    // Answerable only after the budget: close does not wait for what cannot finish in time.
    const late = new TrafficTable(new Map(), Date.now() + 60_000);
    const down = new RecordingSink();
    const stage2 = new EnrichStage({ downstream: down, enrichers: [late], finishOnClose: true, log: quiet });
    await stage2.send(records);
    await until(() => late.calls === 1, 3000, "asked once");
    const t0 = Date.now();
    expect(await stage2.close(5000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(stage2.stats().givenUp).toBe(records.length);
    expect(down.closedWith).toBeGreaterThan(4000);
  });
});
