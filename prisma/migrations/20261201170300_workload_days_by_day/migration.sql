-- workload_days per (workload, UTC day) with one count column per cause, instead of a row per
-- (workload, day, cause): a third of the rows, so a 30-day overview sums ~60,000 rollup rows in one
-- grouping instead of ~190,000 in two. And workload_hours, per (workload, UTC hour) by outcome: the
-- overview's sparklines of a page of workloads read whole hours there and only the hours a bucket
-- boundary cuts from terminations. Same triggers (bound by name), same invariant: each rollup equals
-- the aggregates of terminations. Hand-edited after `scripts/migration-diff.ts --create`: the lock,
-- the functions and the backfills are what Prisma's schema cannot say.

-- One transaction, and writers wait until it commits, so no termination is written between the
-- backfill and the new function.
BEGIN;
LOCK TABLE "terminations" IN SHARE ROW EXCLUSIVE MODE;

-- DropTable
DROP TABLE "workload_days";

-- CreateTable
CREATE TABLE "workload_days" (
    "workload_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "terminations" INTEGER NOT NULL,
    "clean" INTEGER NOT NULL,
    "sigterm" INTEGER NOT NULL,
    "sigkill" INTEGER NOT NULL,
    "oom" INTEGER NOT NULL,
    "error" INTEGER NOT NULL,
    "unknown" INTEGER NOT NULL,
    "cause_rollout" INTEGER NOT NULL,
    "cause_scale_down" INTEGER NOT NULL,
    "cause_eviction" INTEGER NOT NULL,
    "cause_preemption" INTEGER NOT NULL,
    "cause_taint" INTEGER NOT NULL,
    "cause_pod_gc" INTEGER NOT NULL,
    "cause_node_pressure" INTEGER NOT NULL,
    "cause_node_shutdown" INTEGER NOT NULL,
    "cause_force_delete" INTEGER NOT NULL,
    "cause_delete" INTEGER NOT NULL,
    "cause_unknown" INTEGER NOT NULL,
    "with_traffic" INTEGER NOT NULL,
    "requests" BIGINT NOT NULL,
    "errors5xx" BIGINT NOT NULL,

    CONSTRAINT "workload_days_pkey" PRIMARY KEY ("workload_id","day")
);

-- CreateTable
CREATE TABLE "workload_hours" (
    "workload_id" INTEGER NOT NULL,
    "hour" INTEGER NOT NULL,
    "clean" INTEGER NOT NULL,
    "sigterm" INTEGER NOT NULL,
    "sigkill" INTEGER NOT NULL,
    "oom" INTEGER NOT NULL,
    "error" INTEGER NOT NULL,
    "unknown" INTEGER NOT NULL,

    CONSTRAINT "workload_hours_pkey" PRIMARY KEY ("workload_id","hour")
);

-- CreateIndex
CREATE INDEX "workload_days_day_workload_id_idx" ON "workload_days"("day", "workload_id");

-- +1 per new row version, -1 per old one, summed per (workload, day) and added under the row's lock
-- (keys in order, so concurrent writers lock in the same order). A group whose every sum is zero
-- (a rewrite that changed no counted column) writes nothing, and a key whose count reaches zero goes.
CREATE OR REPLACE FUNCTION "workload_days_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
    INSERT INTO workload_days AS d (workload_id, day, terminations, clean, sigterm, sigkill, oom, error, unknown, cause_rollout, cause_scale_down, cause_eviction, cause_preemption, cause_taint, cause_pod_gc, cause_node_pressure, cause_node_shutdown, cause_force_delete, cause_delete, cause_unknown, with_traffic, requests, errors5xx)
    SELECT * FROM (
      SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AS day,
        sum(s)::int AS terminations,
        COALESCE(sum(s) FILTER (WHERE outcome = 'clean'), 0)::int AS clean,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigterm'), 0)::int AS sigterm,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigkill'), 0)::int AS sigkill,
        COALESCE(sum(s) FILTER (WHERE outcome = 'oom'), 0)::int AS oom,
        COALESCE(sum(s) FILTER (WHERE outcome = 'error'), 0)::int AS error,
        COALESCE(sum(s) FILTER (WHERE outcome = 'unknown'), 0)::int AS unknown,
        COALESCE(sum(s) FILTER (WHERE cause = 'rollout'), 0)::int AS cause_rollout,
        COALESCE(sum(s) FILTER (WHERE cause = 'scale-down'), 0)::int AS cause_scale_down,
        COALESCE(sum(s) FILTER (WHERE cause = 'eviction'), 0)::int AS cause_eviction,
        COALESCE(sum(s) FILTER (WHERE cause = 'preemption'), 0)::int AS cause_preemption,
        COALESCE(sum(s) FILTER (WHERE cause = 'taint'), 0)::int AS cause_taint,
        COALESCE(sum(s) FILTER (WHERE cause = 'pod-gc'), 0)::int AS cause_pod_gc,
        COALESCE(sum(s) FILTER (WHERE cause = 'node-pressure'), 0)::int AS cause_node_pressure,
        COALESCE(sum(s) FILTER (WHERE cause = 'node-shutdown'), 0)::int AS cause_node_shutdown,
        COALESCE(sum(s) FILTER (WHERE cause = 'force-delete'), 0)::int AS cause_force_delete,
        COALESCE(sum(s) FILTER (WHERE cause = 'delete'), 0)::int AS cause_delete,
        COALESCE(sum(s) FILTER (WHERE cause = 'unknown'), 0)::int AS cause_unknown,
        COALESCE(sum(s) FILTER (WHERE traffic_requests IS NOT NULL), 0)::int AS with_traffic,
        COALESCE(sum(s * traffic_requests), 0)::bigint AS requests,
        COALESCE(sum(s * traffic_errors5xx), 0)::bigint AS errors5xx
      FROM (%s) x GROUP BY 1, 2) g
    WHERE (terminations, clean, sigterm, sigkill, oom, error, unknown, cause_rollout, cause_scale_down, cause_eviction, cause_preemption, cause_taint, cause_pod_gc, cause_node_pressure, cause_node_shutdown, cause_force_delete, cause_delete, cause_unknown, with_traffic, requests, errors5xx)
      IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0::bigint, 0::bigint)
    ORDER BY 1, 2
    ON CONFLICT (workload_id, day) DO UPDATE SET
      terminations = d.terminations + excluded.terminations,
      clean = d.clean + excluded.clean,
      sigterm = d.sigterm + excluded.sigterm,
      sigkill = d.sigkill + excluded.sigkill,
      oom = d.oom + excluded.oom,
      error = d.error + excluded.error,
      unknown = d.unknown + excluded.unknown,
      cause_rollout = d.cause_rollout + excluded.cause_rollout,
      cause_scale_down = d.cause_scale_down + excluded.cause_scale_down,
      cause_eviction = d.cause_eviction + excluded.cause_eviction,
      cause_preemption = d.cause_preemption + excluded.cause_preemption,
      cause_taint = d.cause_taint + excluded.cause_taint,
      cause_pod_gc = d.cause_pod_gc + excluded.cause_pod_gc,
      cause_node_pressure = d.cause_node_pressure + excluded.cause_node_pressure,
      cause_node_shutdown = d.cause_node_shutdown + excluded.cause_node_shutdown,
      cause_force_delete = d.cause_force_delete + excluded.cause_force_delete,
      cause_delete = d.cause_delete + excluded.cause_delete,
      cause_unknown = d.cause_unknown + excluded.cause_unknown,
      with_traffic = d.with_traffic + excluded.with_traffic,
      requests = d.requests + excluded.requests,
      errors5xx = d.errors5xx + excluded.errors5xx$q$, src);
  -- Hours (epoch ms / 3,600,000, floored) of known request times only: trends have a range.
  EXECUTE format($q$
    INSERT INTO workload_hours AS h (workload_id, hour, clean, sigterm, sigkill, oom, error, unknown)
    SELECT * FROM (
      SELECT workload_id, floor(extract(epoch FROM delete_requested_at) / 3600)::int AS hour,
        COALESCE(sum(s) FILTER (WHERE outcome = 'clean'), 0)::int AS clean,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigterm'), 0)::int AS sigterm,
        COALESCE(sum(s) FILTER (WHERE outcome = 'sigkill'), 0)::int AS sigkill,
        COALESCE(sum(s) FILTER (WHERE outcome = 'oom'), 0)::int AS oom,
        COALESCE(sum(s) FILTER (WHERE outcome = 'error'), 0)::int AS error,
        COALESCE(sum(s) FILTER (WHERE outcome = 'unknown'), 0)::int AS unknown
      FROM (%s) x WHERE delete_requested_at IS NOT NULL GROUP BY 1, 2) g
    WHERE (clean, sigterm, sigkill, oom, error, unknown) IS DISTINCT FROM (0, 0, 0, 0, 0, 0)
    ORDER BY 1, 2
    ON CONFLICT (workload_id, hour) DO UPDATE SET
      clean = h.clean + excluded.clean, sigterm = h.sigterm + excluded.sigterm, sigkill = h.sigkill + excluded.sigkill, oom = h.oom + excluded.oom, error = h.error + excluded.error, unknown = h.unknown + excluded.unknown$q$, src);
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM workload_days d USING old_rows o
    WHERE d.workload_id = o.workload_id
      AND d.day = COALESCE((o.delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AND d.terminations = 0;
    DELETE FROM workload_hours h USING old_rows o
    WHERE h.workload_id = o.workload_id AND h.hour = floor(extract(epoch FROM o.delete_requested_at) / 3600)::int
      AND h.clean + h.sigterm + h.sigkill + h.oom + h.error + h.unknown = 0;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION "workload_days_truncate"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM workload_days;
  DELETE FROM workload_hours;
  RETURN NULL;
END
$fn$;

-- The rollups of what is already stored.
INSERT INTO "workload_days" (workload_id, day, terminations, clean, sigterm, sigkill, oom, error, unknown, cause_rollout, cause_scale_down, cause_eviction, cause_preemption, cause_taint, cause_pod_gc, cause_node_pressure, cause_node_shutdown, cause_force_delete, cause_delete, cause_unknown, with_traffic, requests, errors5xx)
SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date),
  count(*),
  count(*) FILTER (WHERE outcome = 'clean'),
  count(*) FILTER (WHERE outcome = 'sigterm'),
  count(*) FILTER (WHERE outcome = 'sigkill'),
  count(*) FILTER (WHERE outcome = 'oom'),
  count(*) FILTER (WHERE outcome = 'error'),
  count(*) FILTER (WHERE outcome = 'unknown'),
  count(*) FILTER (WHERE cause = 'rollout'),
  count(*) FILTER (WHERE cause = 'scale-down'),
  count(*) FILTER (WHERE cause = 'eviction'),
  count(*) FILTER (WHERE cause = 'preemption'),
  count(*) FILTER (WHERE cause = 'taint'),
  count(*) FILTER (WHERE cause = 'pod-gc'),
  count(*) FILTER (WHERE cause = 'node-pressure'),
  count(*) FILTER (WHERE cause = 'node-shutdown'),
  count(*) FILTER (WHERE cause = 'force-delete'),
  count(*) FILTER (WHERE cause = 'delete'),
  count(*) FILTER (WHERE cause = 'unknown'),
  count(traffic_requests),
  COALESCE(sum(traffic_requests), 0),
  COALESCE(sum(traffic_errors5xx), 0)
FROM "terminations" GROUP BY 1, 2;

INSERT INTO "workload_hours" (workload_id, hour, clean, sigterm, sigkill, oom, error, unknown)
SELECT workload_id, floor(extract(epoch FROM delete_requested_at) / 3600)::int,
  count(*) FILTER (WHERE outcome = 'clean'),
  count(*) FILTER (WHERE outcome = 'sigterm'),
  count(*) FILTER (WHERE outcome = 'sigkill'),
  count(*) FILTER (WHERE outcome = 'oom'),
  count(*) FILTER (WHERE outcome = 'error'),
  count(*) FILTER (WHERE outcome = 'unknown')
FROM "terminations" WHERE delete_requested_at IS NOT NULL GROUP BY 1, 2;

COMMIT;
