-- CreateTable
CREATE TABLE "terminations_in_flight" (
    "cluster" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "terminations_in_flight_pkey" PRIMARY KEY ("cluster")
);
