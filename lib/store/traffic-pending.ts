// Terminations whose traffic is still to be joined (contract §3: "the record keeps traffic: null
// and is retried"): marked here so that a restarted drainwatch picks them up again instead of
// forgetting them. Keyed like terminations (cluster name, pod UID).
import { getStore } from "./db.ts";
import { FROM, parseRecord, RECORD_JSON } from "./read.ts";
import type { Store } from "./types.ts";
import type { TerminationRecord } from "../tracker/record.ts";

export interface TrafficPendingMark {
  cluster: string;
  podUid: string;
  /** Failed attempts so far (0 while the window is only not answerable yet). */
  attempts: number;
  nextAttemptAt: Date;
  reason: string;
}

/** Marks (or re-marks) records as waiting for traffic. */
export async function markTrafficPending(marks: readonly TrafficPendingMark[], store?: Store): Promise<void> {
  if (marks.length === 0) return;
  const db = await getStore(store);
  const rows = marks.map((m) => ({ c: m.cluster, u: m.podUid, a: m.attempts, n: m.nextAttemptAt.toISOString(), r: m.reason }));
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO traffic_pending (cluster, pod_uid, attempts, next_attempt_at, reason, updated_at)
     SELECT x.c, x.u, x.a, x.n, x.r, now() FROM json_to_recordset($1::json) AS x(c text, u text, a int, n timestamptz, r text)
     ON CONFLICT (cluster, pod_uid) DO UPDATE SET attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
       reason = excluded.reason, updated_at = now()`,
    JSON.stringify(rows),
  );
}

/** The records are done (traffic filled, no series, or no window): no longer pending. */
export async function clearTrafficPending(keys: readonly { cluster: string; podUid: string }[], store?: Store): Promise<void> {
  if (keys.length === 0) return;
  const db = await getStore(store);
  await db.prisma.$executeRawUnsafe(
    `DELETE FROM traffic_pending p USING json_to_recordset($1::json) AS x(c text, u text) WHERE p.cluster = x.c AND p.pod_uid = x.u`,
    JSON.stringify(keys.map((k) => ({ c: k.cluster, u: k.podUid }))),
  );
}

export interface PendingTraffic {
  record: TerminationRecord;
  attempts: number;
  nextAttemptAt: Date;
}

/** A cluster's pending records that are stored, soonest first (a mark without its record is
 * skipped: the record's write has not landed, and that write's own enrichment will mark it again). */
export async function findTrafficPending(cluster: string, limit = 10_000, store?: Store): Promise<PendingTraffic[]> {
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ rec: string; attempts: number; next: Date }[]>(
    `SELECT ${RECORD_JSON} AS rec, p.attempts, p.next_attempt_at AS next
     ${FROM} JOIN traffic_pending p ON p.cluster = c.name AND p.pod_uid = t.pod_uid
     WHERE p.cluster = $1 AND t.traffic IS NULL
     ORDER BY p.next_attempt_at LIMIT ${Math.max(1, Math.floor(limit))}`,
    cluster,
  );
  return rows.map((r) => ({ record: parseRecord(r.rec), attempts: Number(r.attempts), nextAttemptAt: new Date(r.next) }));
}
