// The live view feed: while this replica ingests (holds the Lease), its tracker's in-flight
// terminations are published to the database every second, so every replica's /live shows them.
// On stop or lost leadership the snapshot is withdrawn, so nobody shows a stale one as current.
import { log as rootLog } from "../../log.ts";
import { inFlightOf, publishInFlight, withdrawInFlight } from "../../store/index.ts";
import type { Tracker } from "../../tracker/tracker.ts";
import type { Service } from "../lifecycle.ts";

export interface LiveFeedSource {
  cluster: string;
  /** The running tracker while this replica leads, else null. */
  tracker(): Tracker | null;
  /** The clock the tracker's times are on (the sandbox's is virtual). */
  now(): number;
}

const EVERY_MS = 1_000;

export function liveFeedService(source: () => LiveFeedSource): Service {
  const log = rootLog.child({ component: "live-feed" });
  let timer: NodeJS.Timeout | null = null;
  let busy: Promise<void> | null = null;
  let published = false;
  let failures = 0;

  async function publish(): Promise<void> {
    const { cluster, tracker, now } = source();
    const running = tracker();
    try {
      if (running) {
        const observedAt = new Date(now()).toISOString();
        const items = running.inFlight().flatMap((r) => inFlightOf(r, observedAt) ?? []);
        await publishInFlight(cluster, items, new Date(now()));
        published = true;
      } else if (published) {
        await withdrawInFlight(cluster);
        published = false;
      }
      failures = 0;
    } catch (err) {
      // The database may be starting or down: the next tick tries again (logged rarely).
      if (failures++ % 60 === 0) log.warn({ err: err instanceof Error ? err.message : String(err) }, "publishing the in-flight terminations failed");
    }
  }

  return {
    name: "live-feed",
    async start() {
      timer = setInterval(() => {
        busy ??= publish().finally(() => (busy = null));
      }, EVERY_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await busy;
      if (published) await withdrawInFlight(source().cluster).catch(() => {});
    },
  };
}
