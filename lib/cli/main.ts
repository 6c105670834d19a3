// drainwatch command line: `drainwatch <command> [options]`. Started by bin/drainwatch.mjs.
// Importing this module runs the CLI and exits the process when the command is done (PGlite and
// other handles would otherwise keep it alive for seconds).
import { parseArgs } from "node:util";
import { loadSettings, SettingsError, settingsHelp, type Settings } from "../env.ts";
import { log, setLogLevel } from "../log.ts";
import { UsageError, writeErr, writeOut } from "./io.ts";

const USAGE = `Usage: drainwatch <command> [options]

Commands:
  replay FILE [FILE...] [--json] [--no-store]
                      Replay capture files (NDJSON or concatenated JSON watch events) through
                      the tracker, finalize every termination, and store the records.
                      --json      print one termination record per line on stdout (only that)
                      --no-store  do not open the database
  migrate             Apply pending database migrations and print their names.
  serve [--no-ingest] [--sandbox] [--dev]
                      Web UI, JSON API and /metrics, plus live ingest from the configured cluster.
                      --no-ingest serve only (no watch, no writes)
                      --sandbox   ingest simulated data from the built-in sandbox cluster
                      --dev       Next.js in development mode (hot reload; npm run dev)
  capture [--namespace NS]... [--out FILE]
                      Record live watch traffic to a capture file (NDJSON) until SIGINT/SIGTERM.
  sandbox [--scenario FILE|demo] [--port N] [--time-scale X]
                      A local Kubernetes API server driven by a termination simulator.
  config check        Validate the settings in the environment and print them; start nothing.

Options:
  -h, --help          Show this help (\`drainwatch serve --help\` lists every setting).

Settings come from the environment; \`drainwatch serve --help\` lists them with their defaults.
Exit codes: 0 ok (replay: also with bad input lines), 1 failure, 2 usage error, invalid setting
or unreadable file.
`;

const SETTINGS_HELP = () => `Settings (environment variables; empty means unset, i.e. the default):
${settingsHelp()}
`;

/** Runs an argument parse, turning parseArgs' errors into usage errors. */
function parse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The environment, parsed once; an invalid setting is a usage error naming it. */
function settingsOrUsageError(): Settings {
  try {
    const settings = loadSettings();
    setLogLevel(settings.server.LOG_LEVEL);
    return settings;
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help" || command === "help") {
    await writeOut(USAGE);
    return 0;
  }
  if (command === undefined) throw new UsageError("a command is required");
  if (rest.includes("-h") || rest.includes("--help")) {
    await writeOut(command === "serve" || command === "config" ? `${USAGE}\n${SETTINGS_HELP()}` : USAGE);
    return 0;
  }
  const settings = settingsOrUsageError();
  switch (command) {
    case "replay": {
      const { values, positionals } = parse(() =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { json: { type: "boolean" }, "no-store": { type: "boolean" } },
        }),
      );
      const { replay } = await import("./replay.ts");
      return replay(settings, { files: positionals, json: values.json === true, store: values["no-store"] !== true });
    }
    case "migrate": {
      const { positionals } = parse(() => parseArgs({ args: rest, allowPositionals: true, strict: true }));
      if (positionals.length > 0) throw new UsageError(`migrate: unexpected argument ${positionals[0]}`);
      const { migrateCommand } = await import("./migrate.ts");
      return migrateCommand(settings);
    }
    case "serve": {
      const { values, positionals } = parse(() =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          strict: true,
          options: { "no-ingest": { type: "boolean" }, sandbox: { type: "boolean" }, dev: { type: "boolean" } },
        }),
      );
      if (positionals.length > 0) throw new UsageError(`serve: unexpected argument ${positionals[0]}`);
      if (values["no-ingest"] && values.sandbox) throw new UsageError("serve: --sandbox and --no-ingest exclude each other");
      // Lazy: only serve loads Next.js.
      const { serve } = await import("../server/serve.ts");
      await serve(settings, { ingest: values["no-ingest"] !== true, sandbox: values.sandbox === true, dev: values.dev === true });
      return -1; // serve owns the process lifetime (it exits on SIGTERM)
    }
    case "capture": {
      const { runCapture } = await import("./capture.ts");
      return runCapture(settings, rest);
    }
    case "sandbox": {
      const { runSandboxCommand, SandboxUsageError } = await import("../sandbox/index.ts");
      try {
        return await runSandboxCommand(rest, { watchHistory: settings.sandbox.DRAINWATCH_SANDBOX_WATCH_HISTORY });
      } catch (e) {
        if (e instanceof SandboxUsageError) throw new UsageError(e.message);
        throw e;
      }
    }
    case "config": {
      const [sub, ...more] = rest;
      if (sub !== "check" || more.length > 0) throw new UsageError("config: the only subcommand is `config check`");
      const { configCheck } = await import("./config-check.ts");
      return configCheck(settings);
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

async function flushAndExit(code: number): Promise<never> {
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(code);
}

process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  // stdout closed early (e.g. `| head`): nothing more to say, not a failure.
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    writeErr(`drainwatch: ${e.message}\n\n${USAGE}`);
    code = 2;
  } else {
    log.error({ err: e }, "command failed");
    writeErr(`drainwatch: ${(e as Error)?.message ?? String(e)}\n`);
    code = 1;
  }
}
if (code >= 0) await flushAndExit(code);
