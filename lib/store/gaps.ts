// Coverage gaps: spans in which drainwatch could not watch a resource of a cluster (a resume from
// the checkpoint was impossible), so terminations in them may be missing. Stored as stated, shown
// where they overlap the range being viewed; never turned into invented records.
import { z } from "zod";
import { AppError } from "../errors.ts";
import { getStore } from "./db.ts";
import type { Store } from "./types.ts";

export const GAP_REASONS = ["history-expired", "no-checkpoint", "watch-expired", "checkpoint-unreadable"] as const;
export type GapReason = (typeof GAP_REASONS)[number];

export interface CoverageGap {
  cluster: string;
  /** The watched resource (`pods`, `events`, …). */
  resource: string;
  from: Date;
  to: Date;
  reason: GapReason;
}

/** A stored gap, as queries return it. */
export interface StoredGap extends CoverageGap {
  /** to − from. */
  seconds: number;
  recordedAt: Date;
}

export interface GapQuery {
  cluster?: string;
  /** Gaps that end at or after `since` and start at or before `until` (both inclusive). */
  since?: Date;
  until?: Date;
  /** At most this many, newest first (default and maximum GAPS_LIMIT). */
  limit?: number;
}

export interface GapPage {
  items: StoredGap[];
  /** More gaps overlap than `limit` allowed. */
  truncated: boolean;
}

export const GAPS_LIMIT = 1000;

const gapInput = z.object({
  cluster: z.string().min(1),
  resource: z.string().min(1),
  from: z.date().refine((d) => !Number.isNaN(d.getTime()), "an invalid date"),
  to: z.date().refine((d) => !Number.isNaN(d.getTime()), "an invalid date"),
  reason: z.enum(GAP_REASONS),
});

const gapRow = z.object({
  cluster: z.string(),
  resource: z.string(),
  from_at: z.date(),
  to_at: z.date(),
  reason: z.enum(GAP_REASONS),
  recorded_at: z.date(),
});

/**
 * Stores a gap; true when it is new. Idempotent on (cluster, resource, from): recording it again
 * (a retried commit, a second detector) keeps the first row and answers false, so a caller
 * counts each gap once.
 */
export async function recordGap(gap: CoverageGap, store?: Store): Promise<boolean> {
  const parsed = gapInput.safeParse(gap);
  if (!parsed.success) throw new AppError("bad_request", `invalid coverage gap: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const g = parsed.data;
  if (g.to.getTime() < g.from.getTime()) throw new AppError("bad_request", `invalid coverage gap: to (${g.to.toISOString()}) is before from (${g.from.toISOString()})`);
  const db = await getStore(store);
  const inserted = await db.prisma.$executeRawUnsafe(
    `INSERT INTO coverage_gaps (cluster, resource, from_at, to_at, reason) VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5)
     ON CONFLICT (cluster, resource, from_at) DO NOTHING`,
    g.cluster,
    g.resource,
    g.from.toISOString(),
    g.to.toISOString(),
    g.reason,
  );
  return inserted > 0;
}

/** Gaps overlapping [since, until] (either bound open when absent), newest start first. */
export async function findGaps(query: GapQuery = {}, store?: Store): Promise<GapPage> {
  const limit = Math.min(GAPS_LIMIT, Math.max(1, Math.floor(query.limit ?? GAPS_LIMIT)));
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<unknown[]>(
    `SELECT cluster, resource, from_at, to_at, reason, recorded_at FROM coverage_gaps
     WHERE ($1::text IS NULL OR cluster = $1)
       AND ($2::timestamptz IS NULL OR to_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR from_at <= $3::timestamptz)
     ORDER BY from_at DESC, cluster, resource
     LIMIT ${limit + 1}`,
    query.cluster ?? null,
    query.since?.toISOString() ?? null,
    query.until?.toISOString() ?? null,
  );
  const items = rows.slice(0, limit).map((raw) => {
    const r = gapRow.parse(raw);
    return {
      cluster: r.cluster,
      resource: r.resource,
      from: r.from_at,
      to: r.to_at,
      reason: r.reason,
      seconds: (r.to_at.getTime() - r.from_at.getTime()) / 1000,
      recordedAt: r.recorded_at,
    };
  });
  return { items, truncated: rows.length > limit };
}

/** Seconds of a gap (what the metric adds). */
export function gapSeconds(gap: Pick<CoverageGap, "from" | "to">): number {
  return Math.max(0, gap.to.getTime() - gap.from.getTime()) / 1000;
}
