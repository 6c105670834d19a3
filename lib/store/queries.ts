// What pages and route handlers import: the read queries and the process-wide store they use,
// without the drivers, the writer or the migration engine (lib/store/index.ts has those).
export {
  findTerminations,
  streamTerminations,
  getTermination,
  countTerminations,
  findSiblingTerminations,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from "./read.ts";
export type { TerminationFilter, FindTerminationsQuery, TerminationPage } from "./read.ts";
export { findWorkloadSummaries, findWorkloadCounts, findWorkloadTails, findWorkloadTrends, getWorkload, RECOMMENDATION_SAMPLE } from "./workloads.ts";
export type {
  WorkloadKey,
  TimeRange,
  WorkloadFilter,
  OutcomeCounts,
  CauseCounts,
  WorkloadCounts,
  WorkloadTail,
  WorkloadSummary,
  WorkloadPage,
  RevisionSummary,
  WorkloadDetail,
  WorkloadTrend,
  WorkloadTrends,
} from "./workloads.ts";
export { getWorkloadCharts, ENDPOINT_LAG_POINTS } from "./charts.ts";
export type {
  WorkloadCharts,
  DrainHistogram,
  OutcomesOverTime,
  ErrorsOverTime,
  EndpointLagPoint,
  TimeBucket,
} from "./charts.ts";
export { findClusters, findNamespaces } from "./catalog.ts";
export type { Recommendation, Severity, Evidence, EvidenceFact, ExamplePod, Change } from "../recommend/index.ts";
export { getStore, openStoreKind, storeUnavailableReason } from "./db.ts";
export { findTerminationsInFlight } from "./in-flight.ts";
export { findQuarantinedRecords, countQuarantinedRecords } from "./quarantine-read.ts";
export type { QuarantineFilter, FindQuarantineQuery, QuarantinedRecord, QuarantinePage } from "./quarantine-read.ts";
export type { InFlight, InFlightContainer } from "./inflight-types.ts";
export { findGaps, gapSeconds, GAP_REASONS, GAPS_LIMIT } from "./gaps.ts";
export type { CoverageGap, GapReason, GapQuery, GapPage, StoredGap } from "./gaps.ts";
