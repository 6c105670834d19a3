// The live view's data, shared through the database: the ingesting leader publishes its tracker's
// in-flight terminations every second (one snapshot per cluster); every replica reads them. A
// snapshot older than STALE_AFTER_MS is a leader that stopped publishing: not shown as current.
import { z } from "zod";
import { AppError } from "../errors.ts";
import { CAUSES, OUTCOMES, PRESTOP_ACTIONS, type TerminationRecord } from "../tracker/record.ts";
import { getStore } from "./db.ts";
import type { InFlight } from "./inflight-types.ts";
import type { Store } from "./types.ts";

export const STALE_AFTER_MS = 15_000;

const time = z.string();
const inFlightSchema = z.object({
  cluster: z.string(),
  namespace: z.string(),
  pod: z.string(),
  podUid: z.string(),
  node: z.string().nullable(),
  workload: z.object({ kind: z.string(), name: z.string() }),
  revision: z.string().nullable(),
  cause: z.enum(CAUSES).nullable(),
  gracePeriodSeconds: z.number().nullable(),
  deleteRequestedAt: time,
  deadlineAt: time.nullable(),
  endpointsUnreadyAt: time.nullable(),
  killingAt: time.nullable(),
  preStop: z.object({ defined: z.boolean(), action: z.enum(PRESTOP_ACTIONS).nullable() }),
  containers: z.array(
    z.object({
      name: z.string(),
      sidecar: z.boolean(),
      exitCode: z.number().nullable(),
      finishedAt: time.nullable(),
      outcome: z.enum(OUTCOMES).nullable(),
    }),
  ),
  observedAt: time,
}) satisfies z.ZodType<InFlight>;

/** The leader's snapshot for its cluster (replaces the previous one). */
export async function publishInFlight(cluster: string, items: readonly InFlight[], observedAt: Date, store?: Store): Promise<void> {
  const db = await getStore(store);
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO terminations_in_flight (cluster, items, observed_at, published_at) VALUES ($1, $2::jsonb, $3::timestamptz, now())
     ON CONFLICT (cluster) DO UPDATE SET items = excluded.items, observed_at = excluded.observed_at, published_at = now()`,
    cluster,
    JSON.stringify(items),
    observedAt.toISOString(),
  );
}

/** The leader stopped (shutdown, lost Lease): its snapshot is no longer current. */
export async function withdrawInFlight(cluster: string, store?: Store): Promise<void> {
  const db = await getStore(store);
  await db.prisma.$executeRawUnsafe(`DELETE FROM terminations_in_flight WHERE cluster = $1`, cluster);
}

/**
 * Pods terminating right now, in every cluster with a current snapshot, soonest deadline first.
 * Unavailable (503) when no snapshot is current: no replica is ingesting, so "nothing is
 * terminating" cannot be told.
 */
export async function findTerminationsInFlight(store?: Store): Promise<InFlight[]> {
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<{ items: string }[]>(
    `SELECT items::text AS items FROM terminations_in_flight WHERE published_at > now() - ($1::int * interval '1 millisecond') ORDER BY cluster`,
    STALE_AFTER_MS,
  );
  if (rows.length === 0) {
    throw new AppError("unavailable", "no drainwatch replica is ingesting right now (no in-flight snapshot in the last 15 s): is ingest running and leading?");
  }
  const items = rows.flatMap((r) => z.array(inFlightSchema).parse(JSON.parse(r.items)));
  const deadline = (i: InFlight) => (i.deadlineAt === null ? Number.POSITIVE_INFINITY : Date.parse(i.deadlineAt));
  return items.sort((a, b) => deadline(a) - deadline(b) || a.pod.localeCompare(b.pod));
}

/** A provisional record (Tracker.inFlight) as the live view shows it. */
export function inFlightOf(r: TerminationRecord, observedAt: string): InFlight | null {
  if (r.deleteRequestedAt === null) return null; // a kubelet termination not yet dated: nothing to count down from
  return {
    cluster: r.cluster,
    namespace: r.namespace,
    pod: r.pod,
    podUid: r.podUid,
    node: r.node,
    workload: r.workload,
    revision: r.revision,
    cause: r.cause,
    gracePeriodSeconds: r.gracePeriodSeconds,
    deleteRequestedAt: r.deleteRequestedAt,
    deadlineAt: r.deadlineAt,
    endpointsUnreadyAt: r.endpointsUnreadyAt,
    killingAt: r.killingAt,
    preStop: { defined: r.preStop.defined, action: r.preStop.action },
    containers: r.containers.map((c) => {
      const exited = c.finishedAt !== null || c.exitCode !== null;
      return { name: c.name, sidecar: c.sidecar, exitCode: c.exitCode, finishedAt: c.finishedAt, outcome: exited ? c.outcome : null };
    }),
    observedAt,
  };
}
