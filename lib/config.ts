// Environment, parsed once at start. Everything optional has a default that gives a working
// product on a bare machine (embedded PGlite, sandbox cluster, no metrics source).
import path from "node:path";
import { z } from "zod";

const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DRAINWATCH_DATA_DIR: z.string().min(1).default(".drainwatch"),
  DRAINWATCH_CLUSTER: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, "a DNS-1123 name")
    .default("default"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How long a deleted pod's record waits for late events and status before it is final. */
  DRAINWATCH_SETTLE_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  /** Namespaces live ingest watches (comma-separated); empty or unset: all namespaces. */
  DRAINWATCH_NAMESPACES: z
    .string()
    .default("")
    .transform((s) => [...new Set(s.split(",").map((n) => n.trim()).filter((n) => n.length > 0))])
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a comma-separated list of namespace names"))),
  /** The sandbox cluster's scenario when no kubeconfig is found: "demo" or a YAML file path. */
  DRAINWATCH_SANDBOX_SCENARIO: z.string().min(1).default("demo"),
  /** Wall seconds per virtual second in the sandbox (default: the scenario's own). */
  DRAINWATCH_SANDBOX_TIME_SCALE: z.coerce.number().positive().max(100).optional(),
  /** A watch with no event or bookmark for this long is reconnected (default 300). */
  DRAINWATCH_WATCH_SILENCE_SECONDS: z.coerce.number().min(1).max(86_400).optional(),
  /** drainwatch's own namespace: where the ingester Lease lives. */
  POD_NAMESPACE: z.string().min(1).default("default"),
  /**
   * Ingester Lease duration (default 12). A follower takes over at most this long plus one retry
   * period (2 s) after the leader's last renewal, so within 15 s of its death; renew interval and
   * renew deadline scale with it.
   */
  DRAINWATCH_LEASE_DURATION_SECONDS: z.coerce.number().min(2).max(600).default(12),
});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DRAINWATCH_DATA_DIR) };
}
