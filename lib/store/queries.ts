// What pages and route handlers import: the read queries and the process-wide store they use,
// without the drivers, the writer or the migration engine (lib/store/index.ts has those).
export {
  findTerminations,
  getTermination,
  countTerminations,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from "./read.ts";
export type { TerminationFilter, FindTerminationsQuery, TerminationPage } from "./read.ts";
export { getStore, openStoreKind, storeUnavailableReason } from "./db.ts";
