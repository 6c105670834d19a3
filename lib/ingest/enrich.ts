// The enrich stage: a RecordSink between the tracker and the real sinks where stages that add to
// finished records (the traffic joiner) plug in. "Write now, rewrite when enriched": every record
// goes downstream at once, unchanged; each enricher is then asked about it, and what it adds is
// sent downstream again as an "update" (stores upsert by pod UID, so that is one more upsert).
//
// The stage owns the scheduling so enrichers only answer questions: per record an enricher says
// "here are fields" (patch), "nothing to add" (none) or "ask me again at T" (retry, e.g. until
// the metrics for the record's window are scraped). A failed call retries its records with
// backoff. Several enrichers each see the record as sent; their patches are merged in the order
// they arrive. With no enrichers, enrichStage() returns the downstream sink itself.
import type { Logger } from "pino";
import { log as rootLog } from "../log.ts";
import { backoffDelay, type BackoffOptions } from "../sources/live/backoff.ts";
import type { TerminationRecord } from "../tracker/record.ts";
import { recordKey, type RecordSink, type RecordVersion } from "./sink.ts";

export type EnrichOutcome =
  /** Fields to set on the record; the new version is sent downstream. */
  | { kind: "patch"; patch: Partial<TerminationRecord> }
  /** Nothing to add (e.g. no series for this workload). */
  | { kind: "none" }
  /** Not answerable yet: ask again at `at` (epoch ms, the stage's clock). */
  | { kind: "retry"; at: number };

export interface Enricher {
  readonly name: string;
  /**
   * One outcome per record, in order. A rejection (or a wrong number of outcomes) retries these
   * records with backoff. `signal` aborts when the stage closes; the answer is then ignored.
   */
  enrich(records: readonly TerminationRecord[], signal: AbortSignal): Promise<readonly EnrichOutcome[]>;
  /** Releases the enricher's own resources when the stage closes. */
  close?(): Promise<void>;
}

export interface EnrichStageOptions {
  downstream: RecordSink;
  enrichers: readonly Enricher[];
  /**
   * On close, keep enriching until nothing is left (or the budget ends) before closing downstream
   * (replay: its printed and stored records carry what enrichers add). Default false (live: pending
   * enrichment is abandoned at shutdown; the records themselves were already sent).
   */
  finishOnClose?: boolean;
  /** With finishOnClose: how long close() waits for enrichment at most (default: its whole budget);
   * what is left is abandoned and the rest of the budget goes to the downstream sink. */
  finishBudgetMs?: number;
  /** Records per enrich call (default 500). */
  batchSize?: number;
  /** Failed calls before a record's enrichment is given up (default 10). */
  maxAttempts?: number;
  /** Records waiting per enricher at most; beyond, new records are not enriched (default 100,000). */
  maxPending?: number;
  /** Backoff after a failed call (default 1 s → 60 s). */
  backoff?: BackoffOptions;
  /** The clock retry times are in (default Date.now). */
  now?: () => number;
  log?: Logger;
}

export interface EnrichStats {
  /** Records waiting for an enricher (summed over enrichers). */
  pending: number;
  /** Updates sent downstream. */
  enriched: number;
  /** Enricher calls that failed. */
  failures: number;
  /** Records whose enrichment was given up (attempts exhausted, queue full, or abandoned at close). */
  givenUp: number;
}

/** The enrich stage in front of `downstream`, or `downstream` itself when there are no enrichers. */
export function enrichStage(opts: EnrichStageOptions): RecordSink {
  return opts.enrichers.length === 0 ? opts.downstream : new EnrichStage(opts);
}

/** Resumes stored records' enrichment on `sink` when it is an enrich stage (else there is nothing to enrich with). */
export function resumeEnrichment(sink: RecordSink, records: readonly { record: TerminationRecord; dueAt: number }[]): void {
  if (sink instanceof EnrichStage) sink.resume(records);
}

interface Job {
  key: string;
  dueAt: number;
  attempt: number;
}

/** The newest version of a record that some enricher still works on. */
interface Open {
  record: TerminationRecord;
  lanes: number;
}

/** One enricher's queue: one call in flight at a time, woken by a timer at the next due time. */
class Lane {
  jobs = new Map<string, Job>();
  running: Promise<void> | null = null;
  timer: NodeJS.Timeout | null = null;
  timerAt = Number.POSITIVE_INFINITY;
  constructor(readonly enricher: Enricher) {}
}

export class EnrichStage implements RecordSink {
  private readonly downstream: RecordSink;
  private readonly lanes: Lane[];
  private readonly open = new Map<string, Open>();
  private readonly abort = new AbortController();
  private readonly counts = { enriched: 0, failures: 0, givenUp: 0 };
  /** Resolved (and replaced) whenever a call settles: what close() waits on while finishing. */
  private progress = deferred();
  private closing = false;
  private readonly finishOnClose: boolean;
  private readonly finishBudgetMs: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly maxPending: number;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(opts: EnrichStageOptions) {
    this.downstream = opts.downstream;
    this.lanes = opts.enrichers.map((e) => new Lane(e));
    this.finishOnClose = opts.finishOnClose ?? false;
    this.finishBudgetMs = opts.finishBudgetMs ?? Number.POSITIVE_INFINITY;
    this.batchSize = Math.max(1, opts.batchSize ?? 500);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 10);
    this.maxPending = Math.max(1, opts.maxPending ?? 100_000);
    this.backoff = opts.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.now = opts.now ?? Date.now;
    this.log = (opts.log ?? rootLog).child({ component: "enrich" });
  }

  stats(): EnrichStats {
    let pending = 0;
    for (const lane of this.lanes) pending += lane.jobs.size;
    return { pending, ...this.counts };
  }

  async send(records: readonly TerminationRecord[], version: RecordVersion = "first"): Promise<void> {
    await this.downstream.send(records, version); // write now
    this.enqueue(records, version, this.now());
  }

  /**
   * Enriches records that are stored already (not sent downstream first): what an enricher left
   * pending before a restart, due at `dueAt` (epoch ms, the stage's clock).
   */
  resume(records: readonly { record: TerminationRecord; dueAt: number }[]): void {
    for (const { record, dueAt } of records) this.enqueue([record], "first", dueAt);
  }

  private enqueue(records: readonly TerminationRecord[], version: RecordVersion, dueAt: number): void {
    if (this.closing) return;
    for (const r of records) {
      const key = recordKey(r);
      const open = this.open.get(key);
      if (open) {
        open.record = r; // a newer version: enrichers are asked about this one from now on
        continue;
      }
      if (version === "update") continue; // enriched already (or never queued)
      let lanes = 0;
      for (const lane of this.lanes) {
        if (lane.jobs.size >= this.maxPending) {
          this.giveUp(lane, 1, "enrich queue full: record not enriched");
          continue;
        }
        lane.jobs.set(key, { key, dueAt, attempt: 0 });
        lanes++;
      }
      if (lanes > 0) this.open.set(key, { record: r, lanes });
    }
    for (const lane of this.lanes) this.schedule(lane);
  }

  async close(budgetMs: number): Promise<boolean> {
    const deadline = Date.now() + budgetMs;
    this.closing = true;
    if (this.finishOnClose) {
      // Run what falls due before the deadline (retry times are kept: they are not ours to hurry).
      const finishBy = Date.now() + Math.min(budgetMs, this.finishBudgetMs);
      while (Date.now() < finishBy && this.lanes.some((l) => l.running || this.nextDue(l) < this.now() + (finishBy - Date.now()))) {
        await within(this.progress.promise, finishBy - Date.now());
      }
    }
    this.abort.abort();
    let abandoned = 0;
    for (const lane of this.lanes) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
      abandoned += lane.jobs.size;
      lane.jobs.clear();
    }
    this.open.clear();
    if (abandoned > 0) {
      this.counts.givenUp += abandoned;
      this.log.info({ abandoned }, "enrichment still pending at close: abandoned (the records were sent unenriched)");
    }
    await Promise.all(
      this.lanes.map((l) =>
        l.enricher.close?.().catch((err: unknown) => this.log.warn({ err, enricher: l.enricher.name }, "closing an enricher failed")),
      ),
    );
    return this.downstream.close(Math.max(0, deadline - Date.now()));
  }

  private nextDue(lane: Lane): number {
    let min = Number.POSITIVE_INFINITY;
    for (const job of lane.jobs.values()) if (job.dueAt < min) min = job.dueAt;
    return min;
  }

  /** Starts a call when something is due, else sets the lane's timer to the next due time. */
  private schedule(lane: Lane): void {
    if (lane.running || this.abort.signal.aborted || lane.jobs.size === 0) return;
    const at = this.nextDue(lane);
    const delay = at - this.now();
    if (delay <= 0) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
      lane.timerAt = Number.POSITIVE_INFINITY;
      lane.running = this.run(lane).finally(() => {
        lane.running = null;
        const p = this.progress;
        this.progress = deferred();
        p.resolve();
        this.schedule(lane);
      });
      return;
    }
    if (lane.timer && lane.timerAt <= at) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timerAt = at;
    // Capped so a far retry time cannot overflow setTimeout (and a clock jump is noticed).
    lane.timer = setTimeout(() => {
      lane.timer = null;
      lane.timerAt = Number.POSITIVE_INFINITY;
      this.schedule(lane);
    }, Math.min(delay, 60_000));
  }

  private async run(lane: Lane): Promise<void> {
    const now = this.now();
    const due: Job[] = [];
    for (const job of lane.jobs.values()) if (job.dueAt <= now) due.push(job);
    due.sort((a, b) => a.dueAt - b.dueAt);
    const jobs = due.slice(0, this.batchSize);
    const records = jobs.map((j) => this.open.get(j.key)!.record);

    let outcomes: readonly EnrichOutcome[];
    try {
      outcomes = await lane.enricher.enrich(records, this.abort.signal);
      if (outcomes.length !== records.length) throw new Error(`${outcomes.length} outcomes for ${records.length} records`);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.counts.failures++;
      const attempt = (jobs[0]?.attempt ?? 0) + 1;
      const delayMs = backoffDelay(attempt - 1, this.backoff);
      this.log.warn({ err: describe(err), enricher: lane.enricher.name, records: jobs.length, attempt, delayMs }, "enriching records failed: retrying");
      const retryAt = this.now() + delayMs;
      let exhausted = 0;
      for (const job of jobs) {
        if (++job.attempt < this.maxAttempts) {
          job.dueAt = retryAt;
          continue;
        }
        this.finish(lane, job);
        exhausted++;
      }
      if (exhausted > 0) this.giveUp(lane, exhausted, "enrichment failed too often: records stay unenriched");
      return;
    }
    if (this.abort.signal.aborted) return;

    const updated: TerminationRecord[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const outcome = outcomes[i]!;
      if (outcome.kind === "retry") {
        job.dueAt = Math.max(outcome.at, this.now());
        job.attempt = 0;
        continue;
      }
      if (outcome.kind === "patch") {
        const open = this.open.get(job.key)!;
        open.record = { ...open.record, ...outcome.patch };
        updated.push(open.record);
      }
      this.finish(lane, job);
    }
    if (updated.length > 0) {
      this.counts.enriched += updated.length;
      try {
        await this.downstream.send(updated, "update"); // rewrite when enriched
      } catch (err) {
        this.log.error({ err: describe(err), records: updated.length }, "sending enriched records failed");
      }
    }
  }

  private finish(lane: Lane, job: Job): void {
    lane.jobs.delete(job.key);
    const open = this.open.get(job.key);
    if (open && --open.lanes === 0) this.open.delete(job.key);
  }

  private giveUp(lane: Lane, n: number, message: string): void {
    this.counts.givenUp += n;
    // Rate-limited: a long outage fills the queue once and then hits this for every record.
    if (this.counts.givenUp - n < 20 || this.counts.givenUp % 1000 < n) {
      this.log.warn({ enricher: lane.enricher.name, records: n, givenUp: this.counts.givenUp }, message);
    }
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `p` at most `ms` (Infinity: no limit); leaves no timer behind. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) {
    await p;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
