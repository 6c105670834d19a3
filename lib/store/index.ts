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
export { getStore, openStoreKind, primeStore, storeUnavailableReason } from "./db";
export { migrate, MIGRATION_LOCK_KEY } from "./migrate";
export type { MigrateOptions } from "./migrate";
export { recordTerminations, WRITE_BATCH_SIZE } from "./write";
export { deleteTerminationsBefore, RETENTION_BATCH_SIZE } from "./retention";
export type { RetentionResult } from "./retention";
export {
  findTerminations,
  getTermination,
  countTerminations,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from "./read";
export type { TerminationFilter, FindTerminationsQuery, TerminationPage } from "./read";
export type { Store, StoreKind, OpenStoreOptions } from "./types";
