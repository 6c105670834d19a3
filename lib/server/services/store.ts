// The store as a service: opens and migrates the database in the background, retrying with
// backoff while it is down (logged at warn with the reason, rate-limited), and primes the
// process-wide store that queries use. /readyz says why it is not ready.
import { setTimeout as sleep } from "node:timers/promises";
import type { Settings } from "../../env.ts";
import { log as rootLog } from "../../log.ts";
import { openMigratedStore, primeStore, type Store } from "../../store/index.ts";
import type { Service } from "../lifecycle.ts";

const PING_TIMEOUT_MS = 2_000;
/** At most one "still cannot open" warning per this long (the reason is in /readyz meanwhile). */
const WARN_EVERY_MS = 30_000;

export interface StoreService extends Service {
  /** The open store, or null while it is not (yet) open. */
  current(): Store | null;
}

export function storeService(settings: Settings): StoreService {
  const log = rootLog.child({ component: "store" });
  const abort = new AbortController();
  let store: Store | null = null;
  let reason = "opening the database";
  let opening: Promise<void> | null = null;

  async function openLoop(): Promise<void> {
    let delayMs = 1_000;
    let lastWarn = 0;
    let attempts = 0;
    while (!abort.signal.aborted) {
      attempts++;
      try {
        const opened = await openMigratedStore(settings);
        if (abort.signal.aborted) {
          await opened.close();
          return;
        }
        store = opened;
        primeStore(opened);
        log.info({ kind: opened.kind, dataDir: opened.kind === "pglite" ? settings.dataDir : undefined, attempts }, "store open and migrated");
        return;
      } catch (err) {
        reason = `cannot open the database: ${describe(err)}`;
        primeStore(null, "the database is not answering");
        if (Date.now() - lastWarn >= WARN_EVERY_MS) {
          lastWarn = Date.now();
          log.warn({ err: describe(err), attempts, retryInSeconds: delayMs / 1000 }, "cannot open or migrate the store; retrying");
        }
        await sleep(delayMs, undefined, { signal: abort.signal }).catch(() => {});
        delayMs = Math.min(delayMs * 2, 30_000);
      }
    }
  }

  return {
    name: "store",
    current: () => store,
    async start() {
      primeStore(null, "the database is starting");
      opening = openLoop();
    },
    async notReady() {
      const current = store;
      if (!current) return reason;
      const ok = await Promise.race([current.ping(), sleep(PING_TIMEOUT_MS, false, { ref: false })]);
      return ok ? null : "database not answering";
    },
    async stop() {
      abort.abort();
      await opening;
      primeStore(null, "drainwatch is shutting down");
      if (store) await store.close();
    },
  };
}

/** The error's own words, without a stack (for logs and /readyz; never sent to API clients). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return first[first.length - 1] ?? err.name;
}
