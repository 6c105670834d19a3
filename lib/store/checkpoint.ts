// The ingest checkpoint (issue 10 point 1), one row per cluster in `ingest_checkpoints`: the
// tracker's state, per watched stream the resourceVersion fully processed and when it was
// observed, and the fencing epoch.
//   - claimCheckpoint: a new term of leadership takes epoch = stored + 1 and reads the last
//     committed state (one statement, so two claimants get distinct epochs).
//   - commitCheckpoint: ONE transaction: lock the row, check it still holds our epoch (else a newer
//     term claimed it: SupersededError, everything rolled back), write the records finished before
//     the checkpoint, then the checkpoint. A record and the state that no longer holds it are so
//     never committed apart: a successor resuming from the checkpoint neither loses nor repeats it.
// Fencing is here, in the database, not in the Lease: a replica that still believes it leads (a
// paused process, a partition) cannot overwrite its successor's work.
import { z } from "zod";
import type { TerminationRecord } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import type { RawTx, Store } from "./types.ts";
import { recordTerminationsIn, type RecordResult } from "./write.ts";

/** Per stream key: the version fully processed and when it was observed (epoch ms). */
export const positionsSchema = z.record(z.string().min(1), z.object({ resourceVersion: z.string().min(1), observedAt: z.number().finite() }));
export type Positions = z.infer<typeof positionsSchema>;

export interface CheckpointState {
  /** Tracker.checkpoint() (parsed by Tracker.restore, not here). */
  tracker: unknown;
  positions: Positions;
}

export type LoadedCheckpoint =
  | { kind: "none" }
  | { kind: "ok"; state: CheckpointState; writtenAt: Date }
  /** A row whose content cannot be used (bad JSON shape): start over, and say so. */
  | { kind: "unreadable"; reason: string; writtenAt: Date | null };

export interface Claim {
  epoch: bigint;
  checkpoint: LoadedCheckpoint;
}

/** This replica's term was superseded: the row holds a newer epoch. Nothing was written. */
export class SupersededError extends Error {
  override readonly name = "SupersededError";
  constructor(
    readonly cluster: string,
    readonly ours: bigint,
    readonly stored: bigint | null,
  ) {
    super(`ingest checkpoint of cluster ${cluster}: epoch ${ours} superseded by ${stored ?? "a deleted row"}: this replica no longer writes`);
  }
}

const rowSchema = z.object({ epoch: z.union([z.bigint(), z.number(), z.string()]), tracker: z.string().nullable(), positions: z.string(), written_at: z.date().nullable() });

/** Starts a term: epoch = stored + 1 (1 for a new cluster), and the last committed state. */
export async function claimCheckpoint(cluster: string, store?: Store): Promise<Claim> {
  const db = await getStore(store);
  const rows = await inTransaction(db, (tx) => tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO ingest_checkpoints (cluster, epoch) VALUES ($1, 1)
     ON CONFLICT (cluster) DO UPDATE SET epoch = ingest_checkpoints.epoch + 1, claimed_at = now()
     RETURNING epoch, tracker::text AS tracker, positions::text AS positions, written_at`,
    cluster,
  ));
  const row = rowSchema.parse(rows[0]);
  return { epoch: BigInt(row.epoch), checkpoint: readCheckpoint(row.tracker, row.positions, row.written_at) };
}

/** Pure: the stored columns → a checkpoint, or why it cannot be used. */
export function readCheckpoint(tracker: string | null, positions: string, writtenAt: Date | null): LoadedCheckpoint {
  if (tracker === null || writtenAt === null) return { kind: "none" };
  let parsedTracker: unknown;
  let parsedPositions: unknown;
  try {
    parsedTracker = JSON.parse(tracker);
    parsedPositions = JSON.parse(positions);
  } catch (err) {
    return { kind: "unreadable", reason: `not JSON: ${(err as Error).message}`, writtenAt };
  }
  const p = positionsSchema.safeParse(parsedPositions);
  if (!p.success) return { kind: "unreadable", reason: `positions: ${p.error.issues[0]?.message ?? "invalid"}`, writtenAt };
  return { kind: "ok", state: { tracker: parsedTracker, positions: p.data }, writtenAt };
}

/**
 * Commits `records` and the checkpoint in one transaction, if the row still holds `epoch`.
 * Throws SupersededError (rolled back) when it does not; other errors are the database's.
 */
export async function commitCheckpoint(
  cluster: string,
  epoch: bigint,
  state: CheckpointState,
  records: readonly TerminationRecord[],
  store?: Store,
): Promise<RecordResult> {
  const db = await getStore(store);
  return inTransaction(
    db,
    async (tx) => {
      const held = await tx.$queryRawUnsafe<{ epoch: bigint | number | string }[]>(`SELECT epoch FROM ingest_checkpoints WHERE cluster = $1 FOR UPDATE`, cluster);
      const stored = held[0] === undefined ? null : BigInt(held[0].epoch);
      if (stored !== epoch) throw new SupersededError(cluster, epoch, stored);
      const result = await recordTerminationsIn(tx, records);
      await tx.$executeRawUnsafe(
        `UPDATE ingest_checkpoints SET tracker = $2::jsonb, positions = $3::jsonb, written_at = now() WHERE cluster = $1 AND epoch = $4::bigint`,
        cluster,
        JSON.stringify(state.tracker),
        JSON.stringify(state.positions),
        epoch.toString(),
      );
      return result;
    },
  );
}

const TRANSACTION_TIMEOUT_MS = 120_000;

/**
 * The checkpoint's statements through the driver when the store can (driverTransaction: the
 * tracker's JSON, half a MiB at 100,000 pods every 2 s, is not copied through Prisma's engine),
 * else a Prisma interactive transaction.
 */
function inTransaction<T>(db: Store, fn: (tx: RawTx) => Promise<T>): Promise<T> {
  if (db.driverTransaction) return db.driverTransaction(fn, TRANSACTION_TIMEOUT_MS);
  return db.prisma.$transaction((tx) => fn(tx), { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 30_000 });
}

/** When the newest stored record of `cluster` was last observed (its latest time), or null. */
export async function newestRecordTime(cluster: string, store?: Store): Promise<Date | null> {
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ at: Date | null }[]>(
    `SELECT max(greatest(t.deleted_at, t.exited_at, t.delete_requested_at)) AS at
     FROM terminations t JOIN clusters c ON c.id = t.cluster_id WHERE c.name = $1`,
    cluster,
  );
  return rows[0]?.at ?? null;
}
