// Retention as a service: deletes terminations older than DRAINWATCH_RETENTION_DAYS, shortly after
// start and then hourly, in small batches (lib/store/retention.ts), never blocking ingest or pages.
//
// Every replica runs it, leader or not, with or without ingest: the delete is idempotent and
// skips rows another session holds, so replicas never wait on each other, and a UI-only
// deployment (--no-ingest) still honours the setting. A run skipped while the database is down is
// simply the next run's work.
import { setTimeout as sleep } from "node:timers/promises";
import type { Settings } from "../../env.ts";
import { log as rootLog } from "../../log.ts";
import { deleteTerminationsBefore, getStore, RETENTION_BATCH_SIZE } from "../../store/index.ts";
import type { Service } from "../lifecycle.ts";

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** First run after start (default 1 min, spread over a minute so replicas do not start together). */
  firstRunMs?: number;
  /** Between runs (default 1 h). */
  intervalMs?: number;
  batchSize?: number;
  /** Between batches of one run (default 100 ms). */
  pauseMs?: number;
  now?: () => number;
}

export function retentionService(settings: Settings, opts: RetentionOptions = {}): Service {
  const log = rootLog.child({ component: "retention" });
  const days = settings.store.DRAINWATCH_RETENTION_DAYS;
  const abort = new AbortController();
  const now = opts.now ?? Date.now;
  let loop: Promise<void> | null = null;

  async function runOnce(): Promise<void> {
    const cutoff = new Date(now() - days * DAY_MS);
    let store;
    try {
      store = await getStore();
    } catch {
      log.debug("store not open: retention waits for the next run");
      return;
    }
    const t0 = Date.now();
    const { deleted, batches } = await deleteTerminationsBefore(cutoff, opts.batchSize ?? RETENTION_BATCH_SIZE, store, {
      signal: abort.signal,
      pauseMs: opts.pauseMs ?? 100,
    });
    if (deleted > 0) log.info({ deleted, batches, before: cutoff.toISOString(), seconds: (Date.now() - t0) / 1000 }, "retention: deleted old terminations");
  }

  async function run(): Promise<void> {
    let wait = opts.firstRunMs ?? 60_000 + Math.round(Math.random() * 60_000);
    for (;;) {
      const woke = await sleep(wait, true, { signal: abort.signal }).catch(() => false);
      if (!woke) return;
      await runOnce().catch((err: unknown) => log.warn({ err }, "retention run failed; retrying at the next run"));
      wait = opts.intervalMs ?? 3_600_000;
    }
  }

  return {
    name: "retention",
    async start() {
      if (days === 0) {
        log.info("DRAINWATCH_RETENTION_DAYS=0: terminations are kept forever");
        return;
      }
      log.info({ days }, "retention: deleting terminations older than the retention period, hourly");
      loop = run();
    },
    async stop() {
      // The batch in flight finishes (it is small); no new one starts.
      abort.abort();
      await loop;
    },
  };
}
