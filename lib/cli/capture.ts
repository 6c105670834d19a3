// `drainwatch capture [--namespace NS]... [--out FILE]`: records live watch traffic from the
// informers as NDJSON capture lines (contract section 1) until SIGINT/SIGTERM, then flushes and
// exits 0. The lines are exactly the facts live ingest would feed the tracker (same informers,
// same observation times), so replaying a capture gives the records live ingest would have.
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Settings } from "../env.ts";
import { log } from "../log.ts";
import { captureLine } from "../sources/live/capture-line.ts";
import { startInformers, type InformerOptions, type LiveSource } from "../sources/live/informers.ts";
import { KubeConfigError, loadKubeConfig } from "../sources/live/kubeconfig.ts";
import { UsageError, writeErr } from "./io.ts";

export interface CaptureDeps {
  /** Default: loadKubeConfig() (KUBECONFIG, in-cluster, ~/.kube/config). */
  kubeConfig?: KubeConfig;
  /** Ends the capture like SIGINT (tests). */
  signal?: AbortSignal;
  /** Where to write without --out (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  informers?: Omit<InformerOptions, "kubeConfig" | "namespaces">;
}

export async function runCapture(settings: Settings, argv: string[], deps: CaptureDeps = {}): Promise<number> {
  let values: { namespace?: string[]; out?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { namespace: { type: "string", multiple: true, short: "n" }, out: { type: "string", short: "o" } },
    }));
  } catch (e) {
    throw new UsageError(`capture: ${(e as Error).message}`);
  }

  let kc = deps.kubeConfig;
  try {
    kc ??= loadKubeConfig({ env: settings.ingest })?.kubeConfig;
  } catch (e) {
    if (e instanceof KubeConfigError) throw new UsageError(e.message);
    throw e;
  }
  if (!kc) {
    writeErr("drainwatch capture: no cluster configured (set KUBECONFIG, run in a cluster, or create ~/.kube/config)\n");
    return 1;
  }

  let out: NodeJS.WritableStream;
  let file: WriteStream | null = null;
  if (values.out) {
    file = createWriteStream(values.out, { flags: "w" });
    await once(file, "open");
    out = file;
  } else {
    out = deps.stdout ?? process.stdout;
  }

  const source = startInformers({ ...deps.informers, kubeConfig: kc, namespaces: values.namespace });
  const stop = (): void => void source.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  deps.signal?.addEventListener("abort", stop, { once: true });

  let lines: number;
  try {
    lines = await writeLines(source, out);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await source.stop();
    if (file) {
      file.end();
      await once(file, "close");
    }
  }
  log.info({ lines, out: values.out ?? "stdout" }, "capture finished");
  writeErr(`drainwatch capture: ${lines} events${values.out ? ` written to ${values.out}` : ""}\n`);
  return 0;
}

/**
 * Writes every fact of the source as a capture line, respecting backpressure; returns the count.
 * BOOKMARKs are left out: they only carry a stream's position (no object, no uid), not traffic.
 */
export async function writeLines(source: Pick<LiveSource, "batches">, out: NodeJS.WritableStream): Promise<number> {
  let n = 0;
  for await (const batch of source.batches()) {
    let chunk = "";
    for (const item of batch) {
      if (item.fact.type === "BOOKMARK") continue;
      chunk += captureLine(item.fact);
      n++;
    }
    if (!out.write(chunk)) await once(out, "drain");
  }
  return n;
}
