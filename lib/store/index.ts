// The store: the only code that talks to Postgres. Small verb-noun query functions; each takes an
// optional Store last and otherwise uses the process-wide one (db.ts), so pages and route handlers
// call them directly:
//
//   const { items, nextCursor } = await findTerminations({ namespace: "shop" });
//
// Opening and writing (serve, replay, tests):
//   const store = await openStore({ databaseUrl });   // or {} for embedded PGlite in ./.drainwatch
//   await migrate(store);
//   await recordTerminations(store, records);
//   await store.close();
export { openStore } from "./client";
export { openMigratedStore } from "./open";
export { primeStore } from "./db";
export { migrate, MIGRATION_LOCK_KEY } from "./migrate";
export type { MigrateOptions } from "./migrate";
export { recordTerminations, recordTerminationsIn, WRITE_BATCH_SIZE } from "./write";
export type { RecordResult, QuarantinedWrite, Tx } from "./write";
export { claimCheckpoint, commitCheckpoint, newestRecordTime, SupersededError } from "./checkpoint";
export type { CheckpointState, Claim, LoadedCheckpoint, Positions } from "./checkpoint";
export * from "./queries";
export { deleteTerminationsBefore, RETENTION_BATCH_SIZE } from "./retention";
export type { RetentionResult } from "./retention";
export type { Store, StoreKind, OpenStoreOptions } from "./types";
export { markTrafficPending, clearTrafficPending, findTrafficPending } from "./traffic-pending";
export type { TrafficPendingMark, PendingTraffic } from "./traffic-pending";
export { publishInFlight, withdrawInFlight, inFlightOf, STALE_AFTER_MS } from "./in-flight";
export { recordGap } from "./gaps";
