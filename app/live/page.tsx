// /live: pods terminating right now, counting down to their SIGKILL deadlines, from the snapshot
// the ingesting leader publishes every second (lib/store/in-flight.ts). When no replica ingests,
// the page says so instead of showing an empty list that looks calm.
import type { Metadata } from "next";
import { load } from "../../lib/errors.ts";
import { findTerminationsInFlight } from "../../lib/store/queries.ts";
import { LoadError, PageHead } from "../_ui/parts.tsx";
import { AutoRefresh } from "./auto-refresh.tsx";
import { LiveTable } from "./live-table.tsx";
import { REFRESH_MS } from "./refresh.ts";

export const metadata: Metadata = { title: "Live" };
export const dynamic = "force-dynamic";

export default async function LivePage() {
  const loaded = await load(findTerminationsInFlight());
  return (
    <>
      <PageHead title="Live">
        <span className="meta">pods terminating now · updates every 2 s</span>
      </PageHead>
      {loaded.ok ? (
        <LiveTable items={loaded.value} />
      ) : loaded.error.code === "unavailable" ? (
        <div className="notice" data-testid="live-unavailable">
          <AutoRefresh everyMs={REFRESH_MS} />
          <strong>Live view not available:</strong> {loaded.error.message} The live view shows what the ingesting
          replica sees right now; check that one replica runs <code>drainwatch serve</code> with ingest (not{" "}
          <code>--no-ingest</code>) and <code>/readyz</code>. Recorded terminations are on the{" "}
          <a href="/terminations?since=1h">terminations list</a> as soon as each pod is gone.
        </div>
      ) : (
        <LoadError error={loaded.error} />
      )}
    </>
  );
}
