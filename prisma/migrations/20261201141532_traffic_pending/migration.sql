-- CreateTable
CREATE TABLE "traffic_pending" (
    "cluster" TEXT NOT NULL,
    "pod_uid" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "traffic_pending_pkey" PRIMARY KEY ("cluster","pod_uid")
);

-- CreateIndex
CREATE INDEX "traffic_pending_cluster_next_attempt_at_idx" ON "traffic_pending"("cluster", "next_attempt_at");
