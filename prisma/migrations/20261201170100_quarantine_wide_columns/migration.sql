-- Every value the Kubernetes API can hold fits (issue 10 point 5), and what the database still
-- rejects is quarantined instead of blocking the writer.
--   - grace periods are int64 in Kubernetes: bigint (int4 failed at 2^31 seconds)
--   - an owner reference's kind and name, and a revision taken from an annotation, have no length
--     limit but the object's size, while a btree entry holds ~2.7 kB: the unique indexes take md5
--     of them (the writer's ON CONFLICT names the same expressions), equality lookups by workload
--     name go through a hash index (any length, names are nearly unique), event reasons (a few values
--     shared by every event: a hash index chain would grow with them) through a btree on md5(reason)
--   - quarantined_records: one row per rejected record, nothing long indexed
-- Hand-edited after `scripts/migration-diff.ts --create`: the expression indexes are what Prisma's
-- schema cannot say (its diff ignores them), and the new unique indexes exist before the old go.

BEGIN;

-- AlterTable (rewrites terminations and its indexes)
ALTER TABLE "terminations" ALTER COLUMN "grace_period_seconds" SET DATA TYPE BIGINT;

-- Unique identities of any length
CREATE UNIQUE INDEX "workloads_identity_key" ON "workloads"("cluster_id", "namespace", md5("kind"), md5("name"));
DROP INDEX "workloads_cluster_id_namespace_kind_name_key";
CREATE UNIQUE INDEX "revisions_identity_key" ON "revisions"("workload_id", md5("revision"));
DROP INDEX "revisions_workload_id_revision_key";

-- Equality lookups of any length
DROP INDEX "workloads_name_idx";
CREATE INDEX "workloads_name_idx" ON "workloads" USING HASH ("name");
DROP INDEX "termination_events_reason_idx";
CREATE INDEX "termination_events_reason_idx" ON "termination_events" (md5("reason"));

-- CreateTable
CREATE TABLE "quarantined_records" (
    "key" TEXT NOT NULL,
    "cluster" TEXT NOT NULL,
    "pod_uid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "workload_kind" TEXT NOT NULL,
    "workload_name" TEXT NOT NULL,
    "record" TEXT NOT NULL,
    "error" TEXT NOT NULL,
    "sql_state" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "quarantined_records_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "quarantined_records_last_seen_at_key_idx" ON "quarantined_records"("last_seen_at" DESC, "key");

COMMIT;
