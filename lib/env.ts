// Every setting drainwatch reads from its environment: one zod schema in sections, parsed once by
// the CLI entry and passed down. Nothing else reads process.env (ESLint enforces it), so a new
// setting is one line here and shows up in `drainwatch serve --help`, which is generated from
// these schemas and cannot drift from them.
//
// Rules every setting follows: an empty value means unset (the default), never 0 or ""; an
// invalid value is a usage error (exit 2) naming the variable and what is allowed.
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { trafficSettingsSchema } from "./traffic/settings.ts";

/** A whole number of seconds (or a decimal one, when `decimals`) within [min, max]. */
function seconds(min: number, max: number, opts: { decimals?: boolean } = {}) {
  const what = `${opts.decimals ? "a number" : "a whole number"} of seconds from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(opts.decimals ? /^\d+(\.\d+)?$/ : /^\d+$/, `must be ${what}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be ${what}`).max(max, `must be ${what}`));
}

function integer(min: number, max: number, unit = "") {
  const what = `a whole number${unit} from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ${what}`).max(max, `must be ${what}`));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const server = z.object({
  HOST: z.string().default("127.0.0.1").describe("listen address of `serve`"),
  PORT: integer(0, 65535).default(3000).describe("listen port of `serve` (0: any free port)"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info").describe("log level (JSON lines on stderr)"),
  DRAINWATCH_SHUTDOWN_DELAY_SECONDS: seconds(0, 60, { decimals: true })
    .default(2)
    .describe("on SIGTERM, keep serving this long with /readyz failing (endpoints stop routing here)"),
  DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS: seconds(0, 120, { decimals: true })
    .default(10)
    .describe("then wait at most this long for in-flight requests"),
  DRAINWATCH_SHUTDOWN_FLUSH_SECONDS: seconds(0, 60, { decimals: true })
    .default(10)
    .describe("budget for writing finished records when ingest stops"),
});

/** A comma-separated list of IP addresses or CIDRs. */
const addressList = z
  .string()
  .transform((s) => s.split(",").map((a) => a.trim()).filter((a) => a.length > 0))
  .pipe(
    z.array(
      z.string().refine((a) => {
        const [ip, bits, more] = a.split("/");
        if (more !== undefined || isIP(ip ?? "") === 0) return false;
        const max = isIP(ip ?? "") === 6 ? 128 : 32;
        return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
      }, "must be a comma-separated list of IP addresses or CIDRs"),
    ),
  );

const http = z.object({
  DRAINWATCH_HTTP_MAX_URL_BYTES: integer(256, 65_536, " of bytes").default(8192).describe("longer request targets are answered 414"),
  DRAINWATCH_HTTP_MAX_HEADER_BYTES: integer(1024, 1_048_576, " of bytes").default(16_384).describe("larger request headers (cookies included) are answered 431"),
  DRAINWATCH_HTTP_HEADERS_TIMEOUT_SECONDS: seconds(1, 300).default(10).describe("a client must send its request headers within this long"),
  DRAINWATCH_HTTP_REQUEST_TIMEOUT_SECONDS: seconds(1, 600).default(30).describe("a client must send its whole request within this long"),
  DRAINWATCH_HTTP_KEEPALIVE_TIMEOUT_SECONDS: seconds(1, 600).default(5).describe("an idle keep-alive connection is closed after this long"),
  DRAINWATCH_HTTP_MAX_CONNECTIONS: integer(1, 100_000).default(1024).describe("connections beyond this are refused"),
  DRAINWATCH_AUTH_TOKEN: z.string().min(16, "must be at least 16 characters").optional().describe("bearer token required on pages and the API (not on /healthz, /readyz, /metrics); unset: none"),
  DRAINWATCH_AUTH_PROXY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, "must be a header name")
    .optional()
    .describe("header naming the user, set by an authenticating proxy (e.g. X-Forwarded-User); trusted only from DRAINWATCH_AUTH_PROXY_FROM"),
  DRAINWATCH_AUTH_PROXY_FROM: addressList.default([]).describe("the proxy's addresses (IPs or CIDRs, comma-separated)"),
});

const store = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
    .optional()
    .describe("Postgres connection string; unset: an embedded database (PGlite) in DRAINWATCH_DATA_DIR"),
  DRAINWATCH_DATA_DIR: z.string().default(".drainwatch").describe("where the embedded database lives"),
  DRAINWATCH_PRISMA_DIR: z
    .string()
    .optional()
    .describe("the prisma/ folder (schema and migrations) when it is not beside the program"),
  DRAINWATCH_RETENTION_DAYS: integer(0, 36_500, " of days")
    .default(90)
    .describe("terminations older than this (by delete request) are deleted in small background batches; 0: keep forever"),
});

const ingest = z.object({
  DRAINWATCH_CLUSTER: z
    .string()
    .regex(DNS_SUBDOMAIN, "must be a DNS-1123 name (lower case letters, digits, '-', '.')")
    .default("default")
    .describe("cluster name stamped on records (the sandbox's are always `sandbox`)"),
  DRAINWATCH_SETTLE_SECONDS: seconds(0, 3600, { decimals: true })
    .default(5)
    .describe("how long a finished termination waits for late events and status"),
  DRAINWATCH_NAMESPACES: z
    .string()
    .default("")
    .transform((s) => [...new Set(s.split(",").map((n) => n.trim()).filter((n) => n.length > 0))])
    .pipe(z.array(z.string().regex(DNS_LABEL, "must be a comma-separated list of namespace names")))
    .describe("comma-separated namespaces to watch; unset: all"),
  DRAINWATCH_WRITER_UNREADY_SECONDS: seconds(1, 86_400, { decimals: true })
    .default(60)
    .describe("/readyz fails while writing records to the database has been failing for longer than this"),
  DRAINWATCH_WATCH_SILENCE_SECONDS: seconds(1, 86_400)
    .default(300)
    .describe("a watch with no event or bookmark for this long is reconnected"),
  DRAINWATCH_CHECKPOINT_SECONDS: seconds(0.1, 300, { decimals: true })
    .default(2)
    .describe("how often the ingesting leader commits its checkpoint (finished records, tracker state, resourceVersions) in one transaction"),
  KUBECONFIG: z
    .string()
    .optional()
    .describe("kubeconfig file(s) of the cluster to watch; every file named must exist; unset: in-cluster, then ~/.kube/config"),
  KUBERNETES_SERVICE_HOST: z.string().optional().describe("set by Kubernetes inside a pod (in-cluster configuration)"),
  KUBERNETES_SERVICE_PORT: z.string().optional().describe("set by Kubernetes inside a pod (in-cluster configuration)"),
});

const leader = z.object({
  POD_NAMESPACE: z.string().regex(DNS_LABEL, "must be a namespace name").default("default").describe("drainwatch's own namespace (holds the ingester Lease)"),
  DRAINWATCH_LEASE_DURATION_SECONDS: seconds(2, 600)
    .default(12)
    .describe("ingester Lease; a dead leader is replaced within this long plus one retry period (at most 2 s)"),
});

const sandbox = z.object({
  DRAINWATCH_SANDBOX_SCENARIO: z.string().default("demo").describe("sandbox scenario: `demo` or a YAML file (see sandbox/scenarios/)"),
  DRAINWATCH_SANDBOX_TIME_SCALE: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a positive number")
    .transform(Number)
    .pipe(z.number().positive("must be a positive number").max(100, "must be at most 100"))
    .optional()
    .describe("wall seconds per simulated second in the sandbox; unset: the scenario's own"),
  DRAINWATCH_SANDBOX_WATCH_HISTORY: integer(1, 10_000_000, " of events").default(1000).describe("watch events the sandbox keeps per resource; a watch from an older resourceVersion gets 410 Gone"),
  DRAINWATCH_SANDBOX_PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a port number")
    .transform(Number)
    .pipe(z.number().int().max(65535, "must be a port number"))
    .default(0)
    .describe("the sandbox's API port on 127.0.0.1 (also /metrics, /prometheus, /sandbox/v1/ground-truth); 0: any free port"),
});

/** The traffic joiner's section (contract §5) lives beside the joiner; it is one section here. */
const traffic = trafficSettingsSchema;

/** The sections, in `--help` order. */
export const SETTINGS = { server, http, store, ingest, leader, sandbox, traffic } as const;

export type Settings = { [K in keyof typeof SETTINGS]: z.infer<(typeof SETTINGS)[K]> } & {
  /** DRAINWATCH_DATA_DIR, made absolute. */
  dataDir: string;
};

/** A setting with a value that is not allowed; the CLI exits 2 with this message. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** Parses every section; throws SettingsError naming the first bad variable. */
export function parseSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  // Empty means unset: `PORT=` must give the default port, never port 0.
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") given[k] = v;
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SETTINGS)) {
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const variable = String(issue.path[0] ?? name);
      throw new SettingsError(`invalid setting ${variable}=${JSON.stringify(given[variable] ?? "")}: ${issue.message}`);
    }
    out[name] = parsed.data;
  }
  const settings = out as Omit<Settings, "dataDir">;
  if (settings.http.DRAINWATCH_AUTH_PROXY_HEADER !== undefined && settings.http.DRAINWATCH_AUTH_PROXY_FROM.length === 0) {
    throw new SettingsError("invalid setting DRAINWATCH_AUTH_PROXY_FROM=\"\": DRAINWATCH_AUTH_PROXY_HEADER is trusted only from the proxy's addresses: name them");
  }
  return { ...settings, dataDir: path.resolve(settings.store.DRAINWATCH_DATA_DIR) };
}

/** The process environment, for the CLI entry and for tests that start child processes. */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Settings from the process environment (the CLI entry calls this once). */
export function loadSettings(): Settings {
  return parseSettings(processEnv());
}

/** Settings for code paths that run without the CLI (tests, `next dev`'s instrumentation). */
export function defaultSettings(overrides: Record<string, string | undefined> = {}): Settings {
  return parseSettings(overrides);
}

/**
 * What Next.js itself reads from the environment: drainwatch owns the signals (Next must not
 * install its own SIGTERM handler, which would close the listener at once), and the mode must
 * match the server it starts.
 */
export function prepareNextEnvironment(dev: boolean): void {
  process.env.NEXT_MANUAL_SIG_HANDLE = "true";
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  (process.env as Record<string, string>).NODE_ENV = dev ? "development" : "production";
}

/** `serve --help`'s settings table, generated from the schemas above. */
export function settingsHelp(): string {
  const rows: string[] = [];
  for (const [section, schema] of Object.entries(SETTINGS)) {
    rows.push(`  ${section}:`);
    for (const [name, field] of Object.entries(schema.shape)) {
      const def = field instanceof z.ZodDefault ? field.def.defaultValue : undefined;
      const shown = def === undefined ? "unset" : Array.isArray(def) ? (def.length ? def.join(",") : "all") : String(def);
      rows.push(`    ${name.padEnd(40)} ${`(${shown})`.padEnd(14)} ${field.description ?? ""}`);
    }
  }
  return rows.join("\n");
}
