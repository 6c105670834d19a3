// The per-workload metrics of contract §6, from termination records. Pure bookkeeping on the
// registry: the writer calls observeNewTerminations with the records the database reports as new
// (never stored history again, after a restart or a replay), the traffic enricher observeTraffic
// when it fills a record's traffic.
import type { TerminationRecord } from "../tracker/record.ts";
import type { Metrics, WorkloadLabel } from "./registry.ts";

function workloadLabels(r: TerminationRecord): Record<WorkloadLabel, string> {
  return { cluster: r.cluster, namespace: r.namespace, workload_kind: r.workload.kind, workload: r.workload.name };
}

export function observeNewTerminations(metrics: Metrics, records: readonly TerminationRecord[]): void {
  for (const r of records) {
    const labels = workloadLabels(r);
    metrics.terminations.inc({ ...labels, cause: r.cause, outcome: r.outcome });
    if (r.drainSeconds !== null) {
      metrics.drainSeconds.observe(labels, r.drainSeconds);
      if (r.gracePeriodSeconds !== null && r.gracePeriodSeconds > 0) metrics.graceUsedRatio.observe(labels, r.drainSeconds / r.gracePeriodSeconds);
    }
    if (r.endpointLagSeconds !== null) {
      metrics.endpointLagSeconds.observe(labels, r.endpointLagSeconds);
      // Contract §6: lag beyond the preStop sleep, or any lag without one.
      if (r.endpointLagSeconds > (r.preStopSleepSeconds ?? 0)) metrics.endpointLagOverPreStop.inc(labels);
    }
    if (r.preStop.failed) metrics.preStopFailures.inc(labels);
  }
}

/** Records that entered quarantine with a write (retries of one already there are not counted again). */
export function observeQuarantined(metrics: Metrics, quarantined: readonly { record: TerminationRecord; entered: boolean }[]): void {
  for (const q of quarantined) if (q.entered) metrics.recordsQuarantined.inc({ cluster: q.record.cluster });
}

export function observeTraffic(metrics: Metrics, r: TerminationRecord): void {
  if (!r.traffic) return;
  const labels = workloadLabels(r);
  metrics.terminationRequests.inc(labels, r.traffic.requests);
  metrics.terminationErrors5xx.inc(labels, r.traffic.errors5xx);
  metrics.baselineRequests.inc(labels, r.traffic.baselineRequests);
  metrics.baselineErrors5xx.inc(labels, r.traffic.baselineErrors5xx);
}
