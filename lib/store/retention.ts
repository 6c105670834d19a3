// Retention: deleting terminations older than a cutoff, in small batches.
//
// Each batch is one short statement in its own transaction (containers and events go with their
// termination: ON DELETE CASCADE), so no lock is held for long and the writer and the readers
// never wait behind a large delete. Rows another session has locked (the writer rewriting a
// record) are skipped and taken by a later batch or run. Idempotent: any number of replicas may
// run it at once.
import { getStore } from "./db.ts";
import type { Store } from "./types.ts";

/** Terminations per delete statement: each batch commits in milliseconds. */
export const RETENTION_BATCH_SIZE = 500;

// A termination's time is its delete request (contract §4); a record without one is dated by
// when it was stored. Two conditions rather than COALESCE, so the delete_requested_at index serves.
const DELETE_BATCH_SQL = `
WITH doomed AS (
  SELECT id FROM terminations
  WHERE delete_requested_at < $1::timestamptz
     OR (delete_requested_at IS NULL AND created_at < $1::timestamptz)
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
DELETE FROM terminations t USING doomed WHERE t.id = doomed.id`;

export interface RetentionResult {
  /** Terminations deleted (their containers and events went with them). */
  deleted: number;
  /** Delete statements that removed at least one row. */
  batches: number;
}

/**
 * Deletes every termination dated before `cutoff`, `batchSize` at a time, until none is left
 * (or `signal` aborts between batches). `pauseMs` between batches leaves the database to others.
 */
export async function deleteTerminationsBefore(
  cutoff: Date,
  batchSize: number = RETENTION_BATCH_SIZE,
  store?: Store,
  opts: { signal?: AbortSignal; pauseMs?: number } = {},
): Promise<RetentionResult> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const db = await getStore(store);
  const result: RetentionResult = { deleted: 0, batches: 0 };
  while (!opts.signal?.aborted) {
    const n = await db.prisma.$executeRawUnsafe(DELETE_BATCH_SQL, cutoff.toISOString(), batchSize);
    if (n === 0) break;
    result.deleted += n;
    result.batches++;
    if (n < batchSize) break;
    if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  return result;
}
