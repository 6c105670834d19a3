-- CreateTable
CREATE TABLE "ingest_checkpoints" (
    "cluster" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL DEFAULT 0,
    "tracker" JSONB,
    "positions" JSONB NOT NULL DEFAULT '{}',
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "written_at" TIMESTAMPTZ(3),

    CONSTRAINT "ingest_checkpoints_pkey" PRIMARY KEY ("cluster")
);
