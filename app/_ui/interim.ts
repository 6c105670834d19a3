// INTERIM: stand-ins for queries the data side (branch `api`) is adding to lib/store/queries.ts,
// built on findTerminations. Each goes once the real one is merged.
import { findTerminations } from "../../lib/store/queries.ts";
import type { TerminationRecord } from "../../lib/tracker/record.ts";

/** Terminations of the same workload and revision within an hour either side, without `r`. */
export async function findSiblingTerminations(r: TerminationRecord): Promise<TerminationRecord[]> {
  if (!r.deleteRequestedAt) return [];
  const t = Date.parse(r.deleteRequestedAt);
  const page = await findTerminations({
    cluster: r.cluster,
    namespace: r.namespace,
    workload: r.workload,
    since: new Date(t - 3_600_000),
    until: new Date(t + 3_600_000),
    limit: 200,
  });
  return page.items.filter((s) => s.podUid !== r.podUid && s.revision === r.revision);
}
