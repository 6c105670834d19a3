// `drainwatch sandbox [--scenario FILE|demo] [--port N] [--time-scale X] [--seed N] [--watch-history N]`: runs the
// sandbox cluster until SIGTERM/SIGINT. The URL goes to stdout; hints and logs to stderr.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { log } from "../log.ts";
import { startSandbox } from "./sandbox.ts";

export const SANDBOX_USAGE = `Usage: drainwatch sandbox [--scenario FILE|demo] [--port N] [--time-scale X] [--seed N] [--watch-history N]
  Serves a simulated Kubernetes API on 127.0.0.1 and plays the scenario (default: demo).
  --time-scale X     wall seconds per virtual second (0.1 = ten times faster)
  --watch-history N  watch events kept per resource; older resourceVersions get 410 Gone
                     (default: DRAINWATCH_SANDBOX_WATCH_HISTORY, 1000)
`;

/** A bad flag: the CLI answers it like any usage error (exit 2, with the usage). */
export class SandboxUsageError extends Error {
  override readonly name = "SandboxUsageError";
}

export async function runSandboxCommand(argv: string[], defaults: { watchHistory?: number } = {}): Promise<number> {
  const { values } = parseFlags(() => parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: "string", default: "demo" },
      port: { type: "string", default: "0" },
      "time-scale": { type: "string" },
      seed: { type: "string" },
      "watch-history": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
  if (values.help) {
    process.stdout.write(SANDBOX_USAGE);
    return 0;
  }
  const port = Number(values.port);
  const timeScale = values["time-scale"] === undefined ? undefined : Number(values["time-scale"]);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SandboxUsageError(`sandbox --port: must be a port number from 0 to 65535, not ${JSON.stringify(values.port)}`);
  if (timeScale !== undefined && !(timeScale > 0)) throw new SandboxUsageError(`sandbox --time-scale: must be a number > 0`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new SandboxUsageError(`sandbox --seed: must be an integer`);
  const historyFlag = values["watch-history"];
  const historyLimit = historyFlag === undefined ? defaults.watchHistory : Number(historyFlag);
  if (historyLimit !== undefined && !(Number.isInteger(historyLimit) && historyLimit >= 1)) {
    throw new SandboxUsageError(`sandbox --watch-history: must be a whole number of events >= 1, not ${JSON.stringify(historyFlag)}`);
  }

  const sandbox = await startSandbox({ scenario: values.scenario, port, timeScale, seed, ...(historyLimit === undefined ? {} : { historyLimit }) });
  const dir = await mkdtemp(path.join(tmpdir(), "drainwatch-sandbox-"));
  const kubeconfigPath = path.join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, sandbox.kubeconfigYaml(), { mode: 0o600 });

  process.stdout.write(`${sandbox.url}\n`);
  process.stderr.write(
    `drainwatch sandbox: scenario "${sandbox.scenario.name}" on ${sandbox.url}\n` +
      `  kubectl --server=${sandbox.url} get pods -A -w\n` +
      `  KUBECONFIG=${kubeconfigPath} kubectl get events -A\n` +
      `  clients' traffic: ${sandbox.url}/metrics, PROMETHEUS_URL=${sandbox.prometheusUrl}\n` +
      `  ground truth: ${sandbox.url}/sandbox/v1/ground-truth\n`,
  );
  log.info({ url: sandbox.url, scenario: sandbox.scenario.name, kubeconfig: kubeconfigPath }, "sandbox started");

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "sandbox stopping");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    // A finite scenario keeps serving after it has played out: the API stays inspectable.
  });
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
  return 0;
}

function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new SandboxUsageError(`sandbox: ${(e as Error).message}`);
  }
}
