// Where finished records go. Every consumer after the tracker is a RecordSink: the store writer,
// the enrich stage (which wraps another sink), replay's collector. Records are content-hash
// idempotent downstream (upserts by cluster + pod UID), so a sink may see the same record again,
// newer, after an enricher filled a field.
import type { TerminationRecord } from "../tracker/record.ts";

/** "first": the tracker just finalized it. "update": a later version of a record already sent. */
export type RecordVersion = "first" | "update";

export interface RecordSink {
  /**
   * Resolves once the records are accepted (not necessarily written). A sink applies
   * backpressure by resolving later; it rejects only when it can never accept them.
   */
  send(records: readonly TerminationRecord[], version?: RecordVersion): Promise<void>;
  /**
   * Stops accepting records and delivers what it holds within `budgetMs` (Infinity: no limit).
   * Resolves true when everything it accepted was delivered.
   */
  close(budgetMs: number): Promise<boolean>;
}

/** One settled promise for sinks that accept synchronously (no allocation per send). */
export const ACCEPTED: Promise<void> = Promise.resolve();

/** Sends to every sink; accepted when all accepted; closed when all closed. */
export function teeSink(...sinks: RecordSink[]): RecordSink {
  return {
    async send(records, version) {
      await Promise.all(sinks.map((s) => s.send(records, version)));
    },
    async close(budgetMs) {
      const results = await Promise.all(sinks.map((s) => s.close(budgetMs)));
      return results.every(Boolean);
    },
  };
}

/**
 * Keeps every record in memory, an update replacing the earlier version of its record in place
 * (replay prints what the store holds: the newest version of each termination).
 */
export class CollectSink implements RecordSink {
  readonly records: TerminationRecord[] = [];
  private readonly index = new Map<string, number>();

  send(records: readonly TerminationRecord[], version: RecordVersion = "first"): Promise<void> {
    for (const r of records) {
      const key = recordKey(r);
      const at = version === "update" ? this.index.get(key) : undefined;
      if (at === undefined) {
        this.index.set(key, this.records.length);
        this.records.push(r);
      } else {
        this.records[at] = r;
      }
    }
    return ACCEPTED;
  }

  close(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** The identity a store upserts by. */
export function recordKey(r: TerminationRecord): string {
  return `${r.cluster}\u0000${r.podUid}`;
}
