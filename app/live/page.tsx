// /live: pods terminating right now, counting down to their SIGKILL deadlines. The data comes
// from `findTerminationsInFlight()` in lib/store/queries.ts (type: lib/store/inflight-types.ts);
// until that query exists, the page says so instead of showing an empty list that looks calm.
import type { Metadata } from "next";
import { load } from "../../lib/errors.ts";
import type { FindTerminationsInFlight } from "../../lib/store/inflight-types.ts";
import * as queries from "../../lib/store/queries.ts";
import { LoadError, PageHead } from "../_ui/parts.tsx";
import { LiveTable } from "./live-table.tsx";

export const metadata: Metadata = { title: "Live" };

const QUERY = "findTerminationsInFlight";

/** The in-flight query, once lib/store/queries.ts exports it. */
function inFlightQuery(): FindTerminationsInFlight | null {
  const fn: unknown = (queries as Record<string, unknown>)[QUERY];
  return typeof fn === "function" ? (fn as FindTerminationsInFlight) : null;
}

export default async function LivePage() {
  const query = inFlightQuery();
  if (query === null) {
    return (
      <>
        <PageHead title="Live" />
        <div className="notice" data-testid="live-unavailable">
          <strong>Live view not available:</strong> this drainwatch version does not yet expose the terminations in flight
          (pods being deleted whose containers have not all exited). Recorded terminations appear on the{" "}
          <a href="/terminations?since=1h">terminations list</a> as soon as each pod is gone; during a rollout, reload that
          list or watch <code>kubectl get pods -w</code>.
        </div>
      </>
    );
  }
  const loaded = await load(query());
  return (
    <>
      <PageHead title="Live">
        <span className="meta">pods terminating now · updates every 2 s</span>
      </PageHead>
      {loaded.ok ? <LiveTable items={loaded.value} /> : <LoadError error={loaded.error} />}
    </>
  );
}
