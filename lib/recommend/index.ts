// Recommendations for one workload: pure rules over its newest termination records (no I/O).
export type { Change, Evidence, EvidenceFact, ExamplePod, Recommendation, Severity } from "./types.ts";
export { recommend, type RecommendInput } from "./rules.ts";
