-- CreateTable
CREATE TABLE "coverage_gaps" (
    "cluster" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "from_at" TIMESTAMPTZ(3) NOT NULL,
    "to_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "coverage_gaps_pkey" PRIMARY KEY ("cluster","resource","from_at")
);

-- CreateIndex
CREATE INDEX "coverage_gaps_to_at_from_at_idx" ON "coverage_gaps"("to_at", "from_at");

-- A gap ends no earlier than it starts, and its reason is one the UI can put in words.
ALTER TABLE "coverage_gaps" ADD CONSTRAINT "coverage_gaps_span_check" CHECK ("to_at" >= "from_at");
ALTER TABLE "coverage_gaps" ADD CONSTRAINT "coverage_gaps_reason_check"
  CHECK ("reason" IN ('history-expired', 'no-checkpoint', 'watch-expired', 'checkpoint-unreadable'));
