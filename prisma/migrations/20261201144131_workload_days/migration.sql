-- The overview's data at scale (issue 8): covering indexes for index-only scans, traffic numbers as
-- columns, and workload_days, a per (workload, UTC day, cause) rollup kept current by triggers.
-- Hand-edited after `scripts/migration-diff.ts --create`: the lock, the backfills, the functions and
-- triggers, and the autovacuum settings are what Prisma's schema cannot say.

-- One transaction (the engine sends statements one by one), and writers wait until it commits (a replica
-- still ingesting while another migrates), so no termination is written between the backfill of
-- workload_days and its triggers.
BEGIN;
LOCK TABLE "terminations" IN SHARE ROW EXCLUSIVE MODE;

-- DropIndex
DROP INDEX "terminations_workload_id_delete_requested_at_idx";

-- AlterTable
ALTER TABLE "terminations" ADD COLUMN     "traffic_errors5xx" BIGINT,
ADD COLUMN     "traffic_requests" BIGINT;

UPDATE "terminations" SET "traffic_requests" = ("traffic"->>'requests')::bigint, "traffic_errors5xx" = ("traffic"->>'errors5xx')::bigint
WHERE "traffic" IS NOT NULL;

-- CreateTable
CREATE TABLE "workload_days" (
    "workload_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "cause" TEXT NOT NULL,
    "terminations" INTEGER NOT NULL,
    "clean" INTEGER NOT NULL,
    "sigterm" INTEGER NOT NULL,
    "sigkill" INTEGER NOT NULL,
    "oom" INTEGER NOT NULL,
    "error" INTEGER NOT NULL,
    "unknown" INTEGER NOT NULL,
    "with_traffic" INTEGER NOT NULL,
    "requests" BIGINT NOT NULL,
    "errors5xx" BIGINT NOT NULL,

    CONSTRAINT "workload_days_pkey" PRIMARY KEY ("workload_id","day","cause")
);

-- CreateIndex
CREATE INDEX "workload_days_day_workload_id_idx" ON "workload_days"("day", "workload_id");

-- CreateIndex
CREATE INDEX "terminations_workload_time_covering_idx" ON "terminations"("workload_id", "delete_requested_at", "outcome", "cause", "drain_seconds", "endpoint_lag_seconds", "grace_period_seconds", "revision_id", "traffic_requests", "traffic_errors5xx");

-- CreateIndex
CREATE INDEX "terminations_time_covering_idx" ON "terminations"("delete_requested_at", "workload_id", "outcome", "cause", "traffic_requests", "traffic_errors5xx");

-- Index-only scans need the visibility map current: vacuum after 1 % new or 2 % changed rows
-- rather than the defaults' 20 %, so the newest days (what the overview reads) are all-visible.
ALTER TABLE "terminations" SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_scale_factor = 0.02);

-- workload_days: one statement-level trigger per event, with the rows it changed as transition
-- tables: +1 per new row version, -1 per old one, summed per key and added to the stored counts
-- (INSERT ... ON CONFLICT adds under the row's lock, so concurrent writers add up, and keys in order,
-- so they lock in the same order). A key whose count reaches zero is removed.
CREATE FUNCTION "workload_days_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  cols constant text := 'workload_id, delete_requested_at, cause, outcome, traffic_requests, traffic_errors5xx';
  src text;
BEGIN
  src := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS s FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS s FROM old_rows', cols)
    ELSE format('SELECT %s, 1 AS s FROM new_rows UNION ALL SELECT %s, -1 FROM old_rows', cols, cols)
  END;
  EXECUTE format($q$
    INSERT INTO workload_days AS d (workload_id, day, cause, terminations, clean, sigterm, sigkill, oom, error, unknown, with_traffic, requests, errors5xx)
    SELECT * FROM (
      SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AS day, cause,
        sum(s)::int AS terminations,
        COALESCE(sum(s) FILTER (WHERE outcome = 'clean'), 0)::int AS clean,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigterm'), 0)::int AS sigterm,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigkill'), 0)::int AS sigkill,
        COALESCE(sum(s) FILTER (WHERE outcome = 'oom'), 0)::int AS oom,
        COALESCE(sum(s) FILTER (WHERE outcome = 'error'), 0)::int AS error,
        COALESCE(sum(s) FILTER (WHERE outcome = 'unknown'), 0)::int AS unknown,
        COALESCE(sum(s) FILTER (WHERE traffic_requests IS NOT NULL), 0)::int AS with_traffic,
        COALESCE(sum(s * traffic_requests), 0)::bigint AS requests,
        COALESCE(sum(s * traffic_errors5xx), 0)::bigint AS errors5xx
      FROM (%s) x GROUP BY 1, 2, 3) g
    WHERE (terminations, clean, sigterm, sigkill, oom, error, unknown, with_traffic, requests, errors5xx)
      IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0::bigint, 0::bigint)
    ORDER BY 1, 2, 3
    ON CONFLICT (workload_id, day, cause) DO UPDATE SET
      terminations = d.terminations + excluded.terminations, clean = d.clean + excluded.clean,
      sigterm = d.sigterm + excluded.sigterm, sigkill = d.sigkill + excluded.sigkill, oom = d.oom + excluded.oom,
      error = d.error + excluded.error, unknown = d.unknown + excluded.unknown,
      with_traffic = d.with_traffic + excluded.with_traffic, requests = d.requests + excluded.requests,
      errors5xx = d.errors5xx + excluded.errors5xx$q$, src);
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM workload_days d USING old_rows o
    WHERE d.workload_id = o.workload_id AND d.cause = o.cause
      AND d.day = COALESCE((o.delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AND d.terminations = 0;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION "workload_days_truncate"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM workload_days;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "terminations_workload_days_insert" AFTER INSERT ON "terminations"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "workload_days_apply"();
CREATE TRIGGER "terminations_workload_days_update" AFTER UPDATE ON "terminations"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "workload_days_apply"();
CREATE TRIGGER "terminations_workload_days_delete" AFTER DELETE ON "terminations"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "workload_days_apply"();
CREATE TRIGGER "terminations_workload_days_truncate" AFTER TRUNCATE ON "terminations"
  FOR EACH STATEMENT EXECUTE FUNCTION "workload_days_truncate"();

-- The rollup of what is already stored.
INSERT INTO "workload_days" (workload_id, day, cause, terminations, clean, sigterm, sigkill, oom, error, unknown, with_traffic, requests, errors5xx)
SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date), cause, count(*),
  count(*) FILTER (WHERE outcome = 'clean'), count(*) FILTER (WHERE outcome = 'sigterm'), count(*) FILTER (WHERE outcome = 'sigkill'),
  count(*) FILTER (WHERE outcome = 'oom'), count(*) FILTER (WHERE outcome = 'error'), count(*) FILTER (WHERE outcome = 'unknown'),
  count(traffic_requests), COALESCE(sum(traffic_requests), 0), COALESCE(sum(traffic_errors5xx), 0)
FROM "terminations" GROUP BY 1, 2, 3;

COMMIT;
