// drainwatch's self-metrics: one prom-client Registry per process (createMetrics() for tests that
// need isolation). /metrics serves `getMetrics().registry`. Names are part of the alert rules'
// contract: add labels or metrics, never rename.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { remember } from "../remember.ts";

export interface Metrics {
  readonly registry: Registry;
  /** Informer restarts after an error (client-node's informer stops on any non-410 error). */
  readonly informerRestarts: Counter<"resource">;
  /** Watches reconnected because they stayed silent past the timeout. */
  readonly watchSilentReconnects: Counter<"resource">;
  /** Watch events that were not well-formed (skipped). */
  readonly watchEventsInvalid: Counter<"resource">;
  /** Facts emitted by the informers, by object kind. */
  readonly watchEvents: Counter<"kind">;
  /** 1 when every informer has completed its initial list. */
  readonly informersSynced: Gauge;
  /** Records waiting in the buffered writer (including a batch being written). */
  readonly writeBufferDepth: Gauge;
  /** Records dropped because the write buffer was full (or still unwritten at shutdown). */
  readonly recordsDropped: Counter;
  /** Failed write attempts to the store (each retry counts). */
  readonly writeFailures: Counter;
  /** Live ingest restarted from its last committed checkpoint (write buffer full, database out). */
  readonly ingestRewinds: Counter;
  /** Records written to the store. */
  readonly terminationsRecorded: Counter<"cause" | "outcome">;
  /** Records the database rejected, counted when one enters quarantine (not again on retries of it). */
  readonly recordsQuarantined: Counter<"cluster">;
  /** Seconds the writer has been failing (0 while writes succeed), computed at scrape from `writer`. */
  readonly writerFailingSeconds: Gauge;
  /** Set by the store sink: when its current run of failed writes began (epoch ms), null while writes succeed. */
  readonly writer: { failingSince: number | null };
  /** Pods the tracker is following through their termination. */
  readonly trackerPodsTracking: Gauge;
  /** 1 while this process holds the ingester Lease. */
  readonly leader: Gauge;
  /** Wall time (s) of the last watch event or bookmark; 0 on a replica that does not lead. */
  readonly lastWatchEvent: Gauge;
  /** Seconds of coverage gaps stored (spans not watched; each gap counted once, when first stored). */
  readonly coverageGapSeconds: Counter<"cluster" | "resource" | "reason">;

  // Per workload (contract §6): counted when this process first stores a termination.
  readonly terminations: Counter<TerminationLabel>;
  readonly drainSeconds: Histogram<WorkloadLabel>;
  readonly graceUsedRatio: Histogram<WorkloadLabel>;
  readonly endpointLagSeconds: Histogram<WorkloadLabel>;
  readonly endpointLagOverPreStop: Counter<WorkloadLabel>;
  readonly preStopFailures: Counter<WorkloadLabel>;
  // Traffic inside termination windows and their baselines: counted when a record's traffic is joined.
  readonly terminationRequests: Counter<WorkloadLabel>;
  readonly terminationErrors5xx: Counter<WorkloadLabel>;
  readonly baselineRequests: Counter<WorkloadLabel>;
  readonly baselineErrors5xx: Counter<WorkloadLabel>;
}

export type WorkloadLabel = "cluster" | "namespace" | "workload_kind" | "workload";
export type TerminationLabel = WorkloadLabel | "cause" | "outcome";
const WORKLOAD_LABELS: WorkloadLabel[] = ["cluster", "namespace", "workload_kind", "workload"];

export function createMetrics(registry: Registry = new Registry()): Metrics {
  const registers = [registry];
  const writer: Metrics["writer"] = { failingSince: null };
  return {
    writer,
    recordsQuarantined: new Counter({
      name: "drainwatch_records_quarantined_total",
      help: "Termination records the database rejected and the writer put in quarantine (see /api/v1/quarantine).",
      labelNames: ["cluster"],
      registers,
    }),
    writerFailingSeconds: new Gauge({
      name: "drainwatch_writer_failing_seconds",
      help: "Seconds since writes to the database began failing without a success since; 0 while writing works.",
      registers,
      collect() {
        this.set(writer.failingSince === null ? 0 : Math.max(0, Date.now() - writer.failingSince) / 1000);
      },
    }),
    registry,
    informerRestarts: new Counter({
      name: "drainwatch_informer_restarts_total",
      help: "Informer restarts after a watch or list error.",
      labelNames: ["resource"],
      registers,
    }),
    watchSilentReconnects: new Counter({
      name: "drainwatch_watch_silent_reconnects_total",
      help: "Watches reconnected because no event or bookmark arrived within the silence timeout.",
      labelNames: ["resource"],
      registers,
    }),
    watchEventsInvalid: new Counter({
      name: "drainwatch_watch_events_invalid_total",
      help: "Malformed watch events that were counted and skipped.",
      labelNames: ["resource"],
      registers,
    }),
    watchEvents: new Counter({
      name: "drainwatch_watch_events_total",
      help: "Watch events (facts) received from the Kubernetes API, by object kind.",
      labelNames: ["kind"],
      registers,
    }),
    informersSynced: new Gauge({
      name: "drainwatch_informers_synced",
      help: "1 when every informer has completed its initial list, else 0.",
      registers,
    }),
    writeBufferDepth: new Gauge({
      name: "drainwatch_write_buffer_depth",
      help: "Termination records waiting to be written to the database.",
      registers,
    }),
    recordsDropped: new Counter({
      name: "drainwatch_records_dropped_total",
      help: "Termination records lost for good: the write buffer was full or unwritten at shutdown with no checkpoint to resume them from (live ingest with checkpoints rewinds instead).",
      registers,
    }),
    ingestRewinds: new Counter({
      name: "drainwatch_ingest_rewinds_total",
      help: "Times live ingest discarded its unwritten work and resumed from the last committed checkpoint (write buffer full while the database failed); nothing is lost by a rewind.",
      registers,
    }),
    writeFailures: new Counter({
      name: "drainwatch_write_failures_total",
      help: "Failed attempts to write a batch of termination records (retried with backoff).",
      registers,
    }),
    terminationsRecorded: new Counter({
      name: "drainwatch_terminations_recorded_total",
      help: "Termination records written to the database, by cause and outcome.",
      labelNames: ["cause", "outcome"],
      registers,
    }),
    trackerPodsTracking: new Gauge({
      name: "drainwatch_tracker_pods_tracking",
      help: "Pods currently followed through their termination by the tracker.",
      registers,
    }),
    leader: new Gauge({
      name: "drainwatch_leader",
      help: "1 while this process holds the ingester Lease and writes, else 0.",
      registers,
    }),
    lastWatchEvent: new Gauge({
      name: "drainwatch_last_watch_event_timestamp_seconds",
      help: "Unix time of the last watch event or bookmark received; 0 on a replica that does not lead.",
      registers,
    }),
    coverageGapSeconds: new Counter({
      name: "drainwatch_coverage_gap_seconds_total",
      help: "Seconds in which drainwatch could not watch a resource (coverage gaps stored), by reason.",
      labelNames: ["cluster", "resource", "reason"],
      registers,
    }),
    terminations: new Counter({
      name: "drainwatch_terminations_total",
      help: "Pod terminations recorded by this process, by workload, cause and outcome.",
      labelNames: [...WORKLOAD_LABELS, "cause", "outcome"],
      registers,
    }),
    drainSeconds: new Histogram({
      name: "drainwatch_drain_seconds",
      help: "Seconds from the delete request to the last main container's exit.",
      labelNames: WORKLOAD_LABELS,
      buckets: [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
      registers,
    }),
    graceUsedRatio: new Histogram({
      name: "drainwatch_grace_used_ratio",
      help: "Drain time divided by the grace period (1 = the SIGKILL deadline).",
      labelNames: WORKLOAD_LABELS,
      // 0.8 is DrainwatchDrainNearGrace's threshold: a bucket boundary keeps that alert exact.
      buckets: [0.1, 0.25, 0.5, 0.75, 0.8, 0.9, 1, 1.25, 1.5, 2],
      registers,
    }),
    endpointLagSeconds: new Histogram({
      name: "drainwatch_endpoint_lag_seconds",
      help: "Seconds from the delete request until the pod's endpoint was not ready in its EndpointSlice.",
      labelNames: WORKLOAD_LABELS,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    endpointLagOverPreStop: new Counter({
      name: "drainwatch_endpoint_lag_over_prestop_total",
      help: "Terminations whose endpoint lag exceeded the preStop sleep (any lag without a preStop sleep).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
    preStopFailures: new Counter({
      name: "drainwatch_prestop_failures_total",
      help: "Terminations with a failed preStop hook (FailedPreStopHook event).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
    terminationRequests: new Counter({
      name: "drainwatch_termination_requests_total",
      help: "Requests to the workload inside termination windows (joined traffic).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
    terminationErrors5xx: new Counter({
      name: "drainwatch_termination_errors_5xx_total",
      help: "5xx responses of the workload inside termination windows (joined traffic).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
    baselineRequests: new Counter({
      name: "drainwatch_termination_baseline_requests_total",
      help: "Requests to the workload in the baseline windows before terminations (joined traffic).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
    baselineErrors5xx: new Counter({
      name: "drainwatch_termination_baseline_errors_5xx_total",
      help: "5xx responses of the workload in the baseline windows before terminations (joined traffic).",
      labelNames: WORKLOAD_LABELS,
      registers,
    }),
  };
}

/** The process-wide metrics, created on first use and shared by every copy of this module
 * (Next's bundle included), so /metrics never serves a second, empty registry. */
export function getMetrics(): Metrics {
  return remember("metrics", () => createMetrics());
}
