-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "clusters" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clusters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workloads" (
    "id" SERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "namespace" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workloads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "revisions" (
    "id" SERIAL NOT NULL,
    "workload_id" INTEGER NOT NULL,
    "revision" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "terminations" (
    "id" BIGSERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "pod_uid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "node" TEXT,
    "workload_id" INTEGER NOT NULL,
    "revision_id" INTEGER,
    "cause" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "grace_period_seconds" INTEGER,
    "delete_requested_at" TIMESTAMPTZ(3),
    "deadline_at" TIMESTAMPTZ(3),
    "endpoints_unready_at" TIMESTAMPTZ(3),
    "killing_at" TIMESTAMPTZ(3),
    "exited_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "drain_seconds" DOUBLE PRECISION,
    "endpoint_lag_seconds" DOUBLE PRECISION,
    "prestop_defined" BOOLEAN NOT NULL,
    "prestop_action" TEXT,
    "prestop_failed" BOOLEAN NOT NULL,
    "sidecar_exited_first" BOOLEAN NOT NULL,
    "notes" TEXT[],
    "traffic" JSONB,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "terminations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "termination_containers" (
    "termination_id" BIGINT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "sidecar" BOOLEAN NOT NULL,
    "exit_code" INTEGER,
    "reason" TEXT,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT NOT NULL,

    CONSTRAINT "termination_containers_pkey" PRIMARY KEY ("termination_id","ordinal")
);

-- CreateTable
CREATE TABLE "termination_events" (
    "termination_id" BIGINT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3),
    "count" INTEGER NOT NULL,

    CONSTRAINT "termination_events_pkey" PRIMARY KEY ("termination_id","ordinal")
);

-- CreateIndex
CREATE UNIQUE INDEX "clusters_name_key" ON "clusters"("name");

-- CreateIndex
CREATE INDEX "workloads_name_idx" ON "workloads"("name");

-- CreateIndex
CREATE UNIQUE INDEX "workloads_cluster_id_namespace_kind_name_key" ON "workloads"("cluster_id", "namespace", "kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "revisions_workload_id_revision_key" ON "revisions"("workload_id", "revision");

-- CreateIndex
CREATE INDEX "terminations_workload_id_delete_requested_at_idx" ON "terminations"("workload_id", "delete_requested_at");

-- CreateIndex
CREATE INDEX "terminations_cluster_id_delete_requested_at_pod_uid_idx" ON "terminations"("cluster_id", "delete_requested_at" DESC, "pod_uid");

-- CreateIndex
CREATE INDEX "terminations_delete_requested_at_pod_uid_idx" ON "terminations"("delete_requested_at" DESC, "pod_uid");

-- CreateIndex
CREATE INDEX "terminations_pod_uid_idx" ON "terminations"("pod_uid");

-- CreateIndex
CREATE INDEX "terminations_namespace_delete_requested_at_idx" ON "terminations"("namespace", "delete_requested_at" DESC);

-- CreateIndex
CREATE INDEX "terminations_outcome_delete_requested_at_idx" ON "terminations"("outcome", "delete_requested_at" DESC);

-- CreateIndex
CREATE INDEX "terminations_cause_delete_requested_at_idx" ON "terminations"("cause", "delete_requested_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "terminations_cluster_id_pod_uid_key" ON "terminations"("cluster_id", "pod_uid");

-- CreateIndex
CREATE INDEX "termination_events_reason_idx" ON "termination_events"("reason");

-- AddForeignKey
ALTER TABLE "workloads" ADD CONSTRAINT "workloads_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_workload_id_fkey" FOREIGN KEY ("workload_id") REFERENCES "workloads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "terminations" ADD CONSTRAINT "terminations_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "terminations" ADD CONSTRAINT "terminations_workload_id_fkey" FOREIGN KEY ("workload_id") REFERENCES "workloads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "terminations" ADD CONSTRAINT "terminations_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "revisions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "termination_containers" ADD CONSTRAINT "termination_containers_termination_id_fkey" FOREIGN KEY ("termination_id") REFERENCES "terminations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "termination_events" ADD CONSTRAINT "termination_events_termination_id_fkey" FOREIGN KEY ("termination_id") REFERENCES "terminations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
