// The traffic joiner (contract §3 `traffic`, §5): for finalized termination records, the
// workload's requests and 5xx over each termination window and its baseline, from Prometheus.
//
// Rules:
// - Window (window.ts): (deleteRequestedAt, latest known of exitedAt/deletedAt/endpointsUnreadyAt
//   + tail]; none known: no window, traffic stays null for good. Baseline: the window of the same
//   length ending at its start. Answerable once `now` is past windowEnd + scrape delay; before
//   that the record is pending with retryAt = that moment.
// - Counting (count.ts): raw samples only, value at a window's start looked up 5 min back, resets
//   add the value after them, integers. Sums over all series of the workload (every pod, every
//   client): clients cannot tell which pod refused them.
// - Sources (presets.ts): an explicit source always answers: no series means four zeros and a null
//   baseline rate. `auto` tries istio, envoy, ingress-nginx, then custom (when configured), and per
//   record takes the first whose series have a sample the count would read (baseline start minus
//   the 5-min lookback, to windowEnd); none: `noSeries` (note `no-traffic-series`, not retried).
// - Failure: any query of a batch failing (Prometheus down, timeout, error status, unreadable
//   answer) leaves the batch's unanswered records pending, retryAt = now + retry delay. Nothing is
//   invented from a partial answer; what auto already decided from complete answers stands.
// - Batching: records of one workload (cluster/namespace/kind/name) are grouped when the sample
//   spans they need (baseline start - 5 min lookback .. windowEnd) overlap or lie within
//   BATCH_GAP_MS of each other, up to MAX_BATCH_SPAN_MS per batch. One query per selector fetches
//   the batch's whole span, and each record is counted from those samples in memory. A 500-pod
//   rollout is then one batch (one per 2 h if it took longer): a query or a few, not 500. The gap
//   is 5 min because the samples in between cost little next to a query's fixed cost, and windows
//   of one rollout are seconds to minutes apart; the 2 h cap keeps one answer small (500 series
//   scraped every 15 s: 240k samples) and far under Prometheus' query.max-samples (50M default).
import { countWindow, hasSamplesFor, LOOKBACK_MS, type CountedSeries, type TrafficCounts } from "./count";
import { AUTO_ORDER, isConfigured, planFor, type QueryPlan, type TrafficSource } from "./presets";
import { MetricsUnavailable, type RawSeries, type SampleSource } from "./prometheus";
import type { TrafficConfig } from "./settings";
import { answerableAt, isAnswerable, windowOf, type TrafficWindow, type WindowTimes } from "./window";

export const BATCH_GAP_MS = 5 * 60_000;
export const MAX_BATCH_SPAN_MS = 2 * 3600_000;

/** The fields of a termination record the joiner reads (a TerminationRecord has them all). */
export interface TrafficRecordInput extends WindowTimes {
  podUid: string;
  cluster: string;
  namespace: string;
  workload: { kind: string; name: string };
}

/** The record's `traffic` field (contract §3). */
export interface Traffic extends TrafficCounts {
  source: TrafficSource;
  /** RFC 3339 with milliseconds. */
  windowStart: string;
  windowEnd: string;
}

export const NO_TRAFFIC_SERIES = "no-traffic-series";

export type TrafficJoin =
  | { traffic: Traffic }
  /** Ask again at retryAt (epoch ms): not answerable yet, or Prometheus failed. */
  | { pending: "not-yet-answerable" | "metrics-unavailable"; retryAt: number }
  /** Under auto, no source has series for the workload then: add the note, do not retry. */
  | { noSeries: true; note: typeof NO_TRAFFIC_SERIES }
  /** No window can be built (no request time, or none of the three end times): stays null. */
  | { noWindow: true };

export interface JoinOptions {
  settings: TrafficConfig;
  /** Wall-clock epoch ms (decides which windows are answerable). */
  now: number;
  client: SampleSource;
  /** Batches asked for at once (default 4). */
  concurrency?: number;
}

interface Item {
  index: number;
  window: TrafficWindow;
  /** First sample time the counts read: baseline start minus the lookback. */
  from: number;
}

interface Batch {
  namespace: string;
  workload: string;
  items: Item[];
}

function workloadKey(r: TrafficRecordInput): string {
  return JSON.stringify([r.cluster, r.namespace, r.workload.kind, r.workload.name]);
}

function spanOf(items: readonly Item[]): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const it of items) {
    from = Math.min(from, it.from);
    to = Math.max(to, it.window.end);
  }
  return { from, to };
}

/** Groups answerable records of one workload whose spans overlap or are close (see header). */
function batchesOf(records: readonly TrafficRecordInput[], items: readonly Item[]): Batch[] {
  const byWorkload = new Map<string, Item[]>();
  for (const it of items) {
    const key = workloadKey(records[it.index]!);
    let list = byWorkload.get(key);
    if (!list) byWorkload.set(key, (list = []));
    list.push(it);
  }
  const batches: Batch[] = [];
  for (const list of byWorkload.values()) {
    list.sort((x, y) => x.from - y.from);
    const r = records[list[0]!.index]!;
    let current: Item[] = [];
    let from = 0;
    let to = 0;
    for (const it of list) {
      const fits = current.length > 0 && it.from <= to + BATCH_GAP_MS && Math.max(to, it.window.end) - from <= MAX_BATCH_SPAN_MS;
      if (!fits) {
        if (current.length > 0) batches.push({ namespace: r.namespace, workload: r.workload.name, items: current });
        current = [];
        from = it.from;
        to = it.window.end;
      }
      current.push(it);
      to = Math.max(to, it.window.end);
    }
    batches.push({ namespace: r.namespace, workload: r.workload.name, items: current });
  }
  return batches;
}

/** Every series a plan's queries returned, with what each counts as. */
async function fetchPlan(client: SampleSource, plan: QueryPlan, from: number, to: number): Promise<CountedSeries[]> {
  const answers: RawSeries[][] = await Promise.all(plan.queries.map((q) => client.rawSamples(q.selector, from, to)));
  return plan.queries.flatMap((q, i) =>
    answers[i]!.map((s) => ({
      samples: s.samples,
      requests: q.counts !== "errors",
      errors: q.counts === "errors" || (q.counts === "both" && plan.isError(s.labels)),
    })),
  );
}

function trafficOf(source: TrafficSource, w: TrafficWindow, series: readonly CountedSeries[]): Traffic {
  return {
    source,
    ...countWindow(series, w.start, w.end),
    windowStart: new Date(w.start).toISOString(),
    windowEnd: new Date(w.end).toISOString(),
  };
}

async function answerBatch(batch: Batch, opts: JoinOptions, out: TrafficJoin[]): Promise<void> {
  const { settings, client } = opts;
  const sources: readonly TrafficSource[] =
    settings.source === "auto" ? AUTO_ORDER.filter((s) => isConfigured(s, settings.presets)) : [settings.source];
  let open = batch.items;
  try {
    for (const source of sources) {
      if (open.length === 0) break;
      const plan = planFor(source, { namespace: batch.namespace, workload: batch.workload }, settings.presets);
      const span = spanOf(open);
      const fetched = await fetchPlan(client, plan, span.from, span.to);
      const still: Item[] = [];
      for (const it of open) {
        const found = settings.source !== "auto" || fetched.some((s) => hasSamplesFor(s.samples, it.window.start, it.window.end));
        if (found) out[it.index] = { traffic: trafficOf(source, it.window, fetched) };
        else still.push(it);
      }
      open = still;
    }
    for (const it of open) out[it.index] = { noSeries: true, note: NO_TRAFFIC_SERIES };
  } catch (err) {
    if (!(err instanceof MetricsUnavailable)) throw err;
    const retryAt = opts.now + settings.retrySeconds * 1000;
    for (const it of open) out[it.index] = { pending: "metrics-unavailable", retryAt };
  }
}

/** One answer per record, in the records' order. Throws only on bugs, never on Prometheus. */
export async function joinTraffic(records: readonly TrafficRecordInput[], opts: JoinOptions): Promise<TrafficJoin[]> {
  const { settings, now } = opts;
  const out: TrafficJoin[] = new Array<TrafficJoin>(records.length);
  const items: Item[] = [];
  records.forEach((r, index) => {
    const window = windowOf(r, settings.tailSeconds);
    if (!window) {
      out[index] = { noWindow: true };
    } else if (!isAnswerable(window, settings.scrapeDelaySeconds, now)) {
      out[index] = { pending: "not-yet-answerable", retryAt: answerableAt(window, settings.scrapeDelaySeconds) + 1 };
    } else {
      items.push({ index, window, from: window.start - (window.end - window.start) - LOOKBACK_MS });
    }
  });
  const queue = batchesOf(records, items);
  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, queue.length)) }, async () => {
    for (let b = queue.shift(); b; b = queue.shift()) await answerBatch(b, opts, out);
  });
  await Promise.all(workers);
  return out;
}
