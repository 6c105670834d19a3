// The JSON API's edge (contract section 4): query strings parsed into typed queries, and CSV.
// Pure: route handlers (app/api/v1) and pages call these, then the store's query functions.
export {
  acceptsCsv,
  parseQuarantineQuery,
  parseRange,
  parseTerminationQuery,
  parseTerminationsQuery,
  parseTimeParam,
  parseWorkloadQuery,
  parseWorkloadsQuery,
  singleValues,
  DEFAULT_WORKLOADS_RANGE_MS,
  type TerminationsRequest,
} from "./params.ts";
export { CSV_COLUMNS, csvField, csvHeader, csvLine, csvStream } from "./csv.ts";
export { json, notFound } from "./responses.ts";
export { gapItem, parseGapsQuery, type GapItem } from "./gaps.ts";
