// The store: the only code that talks to Postgres. Small verb-noun functions over a Store handle.
//
//   const store = await openStore({ databaseUrl });   // or {} for embedded PGlite in ./.drainwatch
//   await migrate(store);
//   await recordTerminations(store, records);
//   const { items, nextCursor } = await findTerminations(store, { namespace: "shop" });
//   await store.close();
//
// Pages that only read can import from "lib/store/read" (no driver, no generated client at runtime).
export { openStore } from "./client";
export { migrate, MIGRATION_LOCK_KEY } from "./migrate";
export type { MigrateOptions } from "./migrate";
export { recordTerminations, WRITE_BATCH_SIZE } from "./write";
export {
  findTerminations,
  getTermination,
  countTerminations,
  InvalidQueryError,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from "./read";
export type { TerminationFilter, FindTerminationsQuery, TerminationPage } from "./read";
export type { Store, StoreKind, OpenStoreOptions } from "./types";
