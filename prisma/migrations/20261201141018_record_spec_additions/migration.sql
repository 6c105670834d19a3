-- AlterTable
ALTER TABLE "termination_containers" ADD COLUMN     "args" JSONB,
ADD COLUMN     "command" JSONB,
ADD COLUMN     "image" TEXT,
ADD COLUMN     "stop_signal" TEXT;

-- AlterTable
ALTER TABLE "terminations" ADD COLUMN     "prestop_sleep_seconds" DOUBLE PRECISION;
