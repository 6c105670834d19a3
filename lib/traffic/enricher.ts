// The traffic joiner as an enricher of the ingest stage (lib/ingest/enrich.ts): the stage writes a
// record at once, asks here, and rewrites it when its traffic is filled.
//
// Per record, from joinTraffic:
// - traffic         → patch { traffic }; the traffic counters of /metrics count it (once).
// - not answerable  → ask again at window end + scrape delay.
// - metrics failing → ask again with backoff (retry period × 2^failures, at most 10 minutes).
// - no series (auto)→ patch the note `no-traffic-series`; never asked again.
// - no window       → nothing to add; never asked again.
// While a record is pending it is marked in the database (`pending`), so a restarted drainwatch
// resumes it (lib/ingest/live.ts `resume`) instead of forgetting it; nothing is invented meanwhile.
import type { Enricher, EnrichOutcome } from "../ingest/enrich.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { joinTraffic, NO_TRAFFIC_SERIES } from "./joiner.ts";
import type { SampleSource } from "./prometheus.ts";
import type { TrafficConfig } from "./settings.ts";

const MAX_BACKOFF_MS = 10 * 60_000;

/** Where pending marks live (lib/store/traffic-pending.ts); absent in replay, which waits instead. */
export interface PendingMarks {
  mark(marks: { cluster: string; podUid: string; attempts: number; nextAttemptAt: Date; reason: string }[]): Promise<void>;
  clear(keys: { cluster: string; podUid: string }[]): Promise<void>;
}

export interface TrafficEnricherOptions {
  config: TrafficConfig;
  client: SampleSource;
  pending?: PendingMarks;
  /** Called with each record whose traffic was filled (the /metrics traffic counters). */
  onFilled?: (record: TerminationRecord) => void;
  /** Wall clock, epoch ms (decides which windows are answerable). */
  now?: () => number;
}

export function trafficEnricher(opts: TrafficEnricherOptions): Enricher {
  const now = opts.now ?? Date.now;
  /** Consecutive metrics failures per record (in memory; a restart starts the backoff again). */
  const failures = new Map<string, number>();
  const key = (r: TerminationRecord) => `${r.cluster}/${r.podUid}`;

  return {
    name: "traffic",
    async enrich(records) {
      const at = now();
      const joined = await joinTraffic(records, { settings: opts.config, now: at, client: opts.client });
      const outcomes: EnrichOutcome[] = [];
      const marks: Parameters<PendingMarks["mark"]>[0] = [];
      const done: { cluster: string; podUid: string }[] = [];
      records.forEach((r, i) => {
        const j = joined[i]!;
        const k = { cluster: r.cluster, podUid: r.podUid };
        if ("traffic" in j) {
          failures.delete(key(r));
          done.push(k);
          outcomes.push({ kind: "patch", patch: { traffic: j.traffic } });
          opts.onFilled?.({ ...r, traffic: j.traffic });
        } else if ("pending" in j) {
          let retryAt = j.retryAt;
          let attempts = 0;
          if (j.pending === "metrics-unavailable") {
            attempts = (failures.get(key(r)) ?? 0) + 1;
            failures.set(key(r), attempts);
            retryAt = at + Math.min(MAX_BACKOFF_MS, (j.retryAt - at) * 2 ** (attempts - 1));
          }
          marks.push({ ...k, attempts, nextAttemptAt: new Date(retryAt), reason: j.pending });
          outcomes.push({ kind: "retry", at: retryAt });
        } else if ("noSeries" in j) {
          failures.delete(key(r));
          done.push(k);
          outcomes.push(r.notes.includes(NO_TRAFFIC_SERIES) ? { kind: "none" } : { kind: "patch", patch: { notes: [...r.notes, NO_TRAFFIC_SERIES] } });
        } else {
          failures.delete(key(r));
          done.push(k);
          outcomes.push({ kind: "none" });
        }
      });
      // A failing mark fails the call: the stage retries it with backoff, so no pending record is
      // left unmarked (and so forgotten by a restart).
      if (opts.pending) {
        await opts.pending.mark(marks);
        await opts.pending.clear(done);
      }
      return outcomes;
    },
  };
}
