// drainwatch's self-metrics: one prom-client Registry per process (createMetrics() for tests that
// need isolation). /metrics serves `getMetrics().registry`. Names are part of the alert rules'
// contract: add labels or metrics, never rename.
import { Counter, Gauge, Registry } from "prom-client";
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
  /** Records written to the store. */
  readonly terminationsRecorded: Counter<"cause" | "outcome">;
  /** Pods the tracker is following through their termination. */
  readonly trackerPodsTracking: Gauge;
  /** 1 while this process holds the ingester Lease. */
  readonly leader: Gauge;
}

export function createMetrics(registry: Registry = new Registry()): Metrics {
  const registers = [registry];
  return {
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
      help: "Termination records dropped because the write buffer was full or unwritten at shutdown.",
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
  };
}

/** The process-wide metrics, created on first use and shared by every copy of this module
 * (Next's bundle included), so /metrics never serves a second, empty registry. */
export function getMetrics(): Metrics {
  return remember("metrics", () => createMetrics());
}
