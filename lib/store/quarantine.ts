// Quarantine: termination records the database rejected (a value it cannot hold), kept with their
// error instead of blocking the writer or being dropped. Written by write.ts in the writer's own
// transaction; a record that is later written leaves it (WRITE_SQL deletes its key). Read by the
// API (`GET /api/v1/quarantine`) and the `/quarantine` page through quarantine-read.ts.
import { createHash } from "node:crypto";
import type { TerminationRecord } from "../tracker/record.ts";
import type { RawTx } from "./types.ts";

type Tx = Pick<RawTx, "$queryRawUnsafe">;

export interface QuarantinedWrite {
  record: TerminationRecord;
  /** The database's message (or the writer's, for a record it could not turn into a row). */
  error: string;
  /** SQLSTATE of the rejection; null when the writer itself refused the record. */
  sqlState: string | null;
  /** True when the record entered quarantine with this write (it was not there yet): what
   * `drainwatch_records_quarantined_total` counts, so retries of the same record count once. */
  entered: boolean;
}

/** The quarantine row's key: md5 of [cluster, podUid] (any length, one row per record identity). */
export function quarantineKey(r: Pick<TerminationRecord, "cluster" | "podUid">): string {
  return createHash("md5").update(JSON.stringify([r.cluster, r.podUid])).digest("hex");
}

/** A string Postgres text and json can always hold: no U+0000, no lone surrogate. */
function clean(s: string): string {
  return s.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\ufffd");
}

/**
 * Puts rejected records in quarantine (inside the writer's transaction). Nothing here can be
 * rejected for its content: every string is cleaned, the record is kept as JSON text (its escapes
 * are ASCII), and nothing long is indexed.
 */
export async function quarantineRecords(tx: Tx, rejected: readonly Omit<QuarantinedWrite, "entered">[]): Promise<QuarantinedWrite[]> {
  if (rejected.length === 0) return [];
  const rows = rejected.map(({ record: r, error, sqlState }) => ({
    k: quarantineKey(r),
    c: clean(r.cluster),
    u: clean(r.podUid),
    ns: clean(r.namespace),
    p: clean(r.pod),
    wk: clean(r.workload.kind),
    wn: clean(r.workload.name),
    r: JSON.stringify(r),
    e: clean(error),
    s: sqlState,
  }));
  const entered = await tx.$queryRawUnsafe<{ key: string; entered: boolean }[]>(
    `INSERT INTO quarantined_records AS q (key, cluster, pod_uid, namespace, pod, workload_kind, workload_name, record, error, sql_state)
     SELECT k, c, u, ns, p, wk, wn, r, e, s
     FROM json_to_recordset($1::json) AS x(k text, c text, u text, ns text, p text, wk text, wn text, r text, e text, s text)
     ON CONFLICT (key) DO UPDATE SET
       namespace = excluded.namespace, pod = excluded.pod, workload_kind = excluded.workload_kind,
       workload_name = excluded.workload_name, record = excluded.record, error = excluded.error,
       sql_state = excluded.sql_state, last_seen_at = now(), attempts = q.attempts + 1
     RETURNING key, (xmax = 0) AS entered`,
    JSON.stringify(rows),
  );
  const isNew = new Map(entered.map((e) => [e.key, e.entered]));
  return rejected.map((q) => ({ ...q, entered: isNew.get(quarantineKey(q.record)) ?? false }));
}
