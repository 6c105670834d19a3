// One logger, JSON lines on stderr: stdout belongs to command output (replay --json).
import { pino } from "pino";

export const log = pino(
  { level: process.env.LOG_LEVEL ?? "info", base: { app: "drainwatch" } },
  pino.destination(2),
);
