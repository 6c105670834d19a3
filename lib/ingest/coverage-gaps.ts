// What ingest does when it could not resume a watch: store the coverage gap and count its seconds
// (drainwatch_coverage_gap_seconds_total). Counted only when the gap is newly stored, so a retried
// commit or a restart that detects the same gap again never counts its seconds twice.
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import { gapSeconds, recordGap, type CoverageGap } from "../store/gaps.ts";
import type { Store } from "../store/types.ts";

/** Stores `gap` and, when it is new, adds its seconds to the metric; true when it was new. */
export async function noteGap(gap: CoverageGap, metrics: Metrics = getMetrics(), store?: Store): Promise<boolean> {
  const fresh = await recordGap(gap, store);
  if (fresh) {
    metrics.coverageGapSeconds.inc({ cluster: gap.cluster, resource: gap.resource, reason: gap.reason }, gapSeconds(gap));
  }
  return fresh;
}
