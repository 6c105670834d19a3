// One logger, JSON lines on stderr: stdout belongs to command output (replay --json).
// It starts at `info`; the CLI entry sets the level from the parsed settings (LOG_LEVEL), so a bad
// level is a usage error naming the variable rather than pino's stack trace.
import { pino, type Level } from "pino";

export const log = pino({ level: "info", base: { app: "drainwatch" } }, pino.destination(2));

export function setLogLevel(level: Level | "silent"): void {
  log.level = level;
}
