-- The tail percentiles of a page of workloads (p95 and max drain, p95 endpoint lag: what the
-- overview shows) by rank instead of by sorting every value in range: workload_days counts the
-- terminations that have a drain time (drained) and an endpoint lag (lagged), so a page knows each
-- workload's n from the rollup, and terminations_workload_drain_idx / _lag_idx give the values of a
-- workload in order, so the ranks near the top are read from the index's end (lib/store/tails.ts).
-- Same triggers (bound by name); the function gains the two columns. Hand-edited after
-- `scripts/migration-diff.ts --create`: the lock, the function and the backfill.

-- One transaction, and writers wait until it commits, so no termination is written between the
-- backfill and the new function.
BEGIN;
LOCK TABLE "terminations" IN SHARE ROW EXCLUSIVE MODE;

-- AlterTable (the default only fills the existing rows; the backfill below sets them)
ALTER TABLE "workload_days" ADD COLUMN "drained" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "lagged" INTEGER NOT NULL DEFAULT 0;

UPDATE "workload_days" d SET drained = x.drained, lagged = x.lagged
FROM (
  SELECT workload_id, COALESCE((delete_requested_at AT TIME ZONE 'UTC')::date, '-infinity'::date) AS day,
    count(drain_seconds)::int AS drained, count(endpoint_lag_seconds)::int AS lagged
  FROM terminations GROUP BY 1, 2
) x
WHERE d.workload_id = x.workload_id AND d.day = x.day;

ALTER TABLE "workload_days" ALTER COLUMN "drained" DROP DEFAULT, ALTER COLUMN "lagged" DROP DEFAULT;

-- The range's partial days count drained and lagged from terminations too: index-only, like the
-- rest of the counts, when the time-ordered covering index carries the two columns.
DROP INDEX "terminations_time_covering_idx";
CREATE INDEX "terminations_time_covering_idx" ON "terminations"("delete_requested_at", "workload_id", "outcome", "cause", "traffic_requests", "traffic_errors5xx", "drain_seconds", "endpoint_lag_seconds");

-- CreateIndex
CREATE INDEX "terminations_workload_drain_idx" ON "terminations"("workload_id", "drain_seconds", "delete_requested_at");

-- CreateIndex
CREATE INDEX "terminations_workload_lag_idx" ON "terminations"("workload_id", "endpoint_lag_seconds", "delete_requested_at");

-- As in workload_days_by_day, plus drained and lagged.
CREATE OR REPLACE FUNCTION "workload_days_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  cols constant text := 'workload_id, delete_requested_at, cause, outcome, traffic_requests, traffic_errors5xx, drain_seconds, endpoint_lag_seconds';
  src text;
BEGIN
  src := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS s FROM new_rows', cols)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS s FROM old_rows', cols)
    ELSE format('SELECT %s, 1 AS s FROM new_rows UNION ALL SELECT %s, -1 FROM old_rows', cols, cols)
  END;
  EXECUTE format($q$
    INSERT INTO workload_days AS d (workload_id, day, terminations, clean, sigterm, sigkill, oom, error, unknown, cause_rollout, cause_scale_down, cause_eviction, cause_preemption, cause_taint, cause_pod_gc, cause_node_pressure, cause_node_shutdown, cause_force_delete, cause_delete, cause_unknown, with_traffic, requests, errors5xx, drained, lagged)
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
        COALESCE(sum(s * traffic_errors5xx), 0)::bigint AS errors5xx,
        COALESCE(sum(s) FILTER (WHERE drain_seconds IS NOT NULL), 0)::int AS drained,
        COALESCE(sum(s) FILTER (WHERE endpoint_lag_seconds IS NOT NULL), 0)::int AS lagged
      FROM (%s) x GROUP BY 1, 2) g
    WHERE (terminations, clean, sigterm, sigkill, oom, error, unknown, cause_rollout, cause_scale_down, cause_eviction, cause_preemption, cause_taint, cause_pod_gc, cause_node_pressure, cause_node_shutdown, cause_force_delete, cause_delete, cause_unknown, with_traffic, requests, errors5xx, drained, lagged)
      IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0::bigint, 0::bigint, 0, 0)
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
      errors5xx = d.errors5xx + excluded.errors5xx,
      drained = d.drained + excluded.drained,
      lagged = d.lagged + excluded.lagged$q$, src);
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

COMMIT;
