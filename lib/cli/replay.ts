// `drainwatch replay FILE [FILE...] [--json] [--no-store]` (contract section 2).
import { constants as fsc } from "node:fs";
import { access, stat } from "node:fs/promises";
import type { Settings } from "../env.ts";
import { log } from "../log.ts";
import { enrichStage, type Enricher } from "../ingest/enrich.ts";
import { runIngest, type IngestSummary, type Problem } from "../ingest/pipeline.ts";
import { CollectSink, teeSink, type RecordSink } from "../ingest/sink.ts";
import { readCapture } from "../sources/capture.ts";
import { Tracker } from "../tracker/tracker.ts";
import { compareRecords, type TerminationRecord } from "../tracker/record.ts";
import { UsageError, writeOut, writeErr } from "./io.ts";

export interface ReplayOptions {
  files: string[];
  json: boolean;
  store: boolean;
}

/** How many problems are printed one by one on stderr before they are only counted. */
const PRINT_PROBLEMS = 200;

async function checkReadable(file: string): Promise<void> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error("not a regular file");
    await access(file, fsc.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code ?? (e as Error).message}`);
  }
}

export async function replay(settings: Settings, opts: ReplayOptions): Promise<number> {
  if (opts.files.length === 0) throw new UsageError("replay: at least one FILE is required");
  for (const f of opts.files) await checkReadable(f);

  const tracker = new Tracker({
    cluster: settings.ingest.DRAINWATCH_CLUSTER,
    settleMs: settings.ingest.DRAINWATCH_SETTLE_SECONDS * 1000,
  });

  // Store: loaded lazily so that --no-store never loads Prisma/PGlite.
  let closeStore: (() => Promise<void>) | null = null;
  let stored = 0;
  let quarantinedCount = 0;
  const collected = new CollectSink();
  let sink: RecordSink = collected;
  let storeError = (): unknown => null;
  if (opts.store) {
    const [storeMod, { StoreSink }] = await Promise.all([import("../store/index.ts"), import("../ingest/store-sink.ts")]);
    const store = await storeMod.openStore({ databaseUrl: settings.store.DATABASE_URL, dataDir: settings.dataDir });
    closeStore = () => store.close();
    try {
      const { applied } = await storeMod.migrate(store, { prismaDir: settings.store.DRAINWATCH_PRISMA_DIR });
      if (applied.length > 0) log.info({ applied }, "migrations applied");
    } catch (e) {
      await closeStore().catch(() => {});
      throw e;
    }
    // The live writer with the other overflow policy: replay waits for room and never drops. A
    // failed write fails the replay (no retries: the user is watching and can run it again).
    const storeSink = new StoreSink({
      overflow: "wait",
      maxAttempts: 1,
      write: async (batch) => {
        const { written, quarantined } = await storeMod.recordTerminations(store, batch);
        stored += written;
        // Rejected by the database: kept in quarantine (the API and UI show them), not fatal.
        for (const q of quarantined) {
          quarantinedCount++;
          writeErr(`drainwatch: ${q.record.namespace}/${q.record.pod} (${q.record.podUid}): rejected by the database, quarantined: ${q.error}\n`);
        }
      },
    });
    sink = teeSink(collected, storeSink);
    storeError = () => storeSink.error;
  }
  // Replay waits for enrichment to finish: what it prints and stores carries what enrichers add.
  // With a metrics source, traffic is joined (contract §5), waiting at most for the newest windows
  // to become answerable plus two query timeouts; what is still pending then stays null.
  const enrichers: Enricher[] = [];
  const traffic = settings.traffic;
  let finishBudgetMs = Number.POSITIVE_INFINITY;
  if (traffic.PROMETHEUS_URL !== undefined) {
    const [{ trafficEnricher }, { prometheusFromSettings }, { toTrafficConfig }] = await Promise.all([
      import("../traffic/enricher.ts"),
      import("../traffic/prometheus.ts"),
      import("../traffic/settings.ts"),
    ]);
    enrichers.push(trafficEnricher({ config: toTrafficConfig(traffic), client: prometheusFromSettings(traffic)! }));
    finishBudgetMs = (traffic.DRAINWATCH_TRAFFIC_SCRAPE_DELAY_SECONDS + traffic.DRAINWATCH_TRAFFIC_TAIL_SECONDS + 2 * traffic.DRAINWATCH_TRAFFIC_QUERY_TIMEOUT_SECONDS) * 1000;
  }
  const stage = enrichStage({ downstream: sink, enrichers, finishOnClose: true, finishBudgetMs });

  let printed = 0;
  const onProblem = (p: Problem): void => {
    printed++;
    if (printed <= PRINT_PROBLEMS) writeErr(`drainwatch: ${p.position}: ${p.reason}\n`);
  };

  let summary: IngestSummary;
  const started = performance.now();
  try {
    summary = await runIngest(readCapture(opts.files), { tracker, sink: stage, onProblem });
    // Everything is stored (and enriched) once the sinks closed: that is part of the run's time.
    if (!(await stage.close(Number.POSITIVE_INFINITY))) throw storeError() ?? new Error("not every record could be stored");
    summary.durationMs = performance.now() - started;
  } catch (e) {
    await stage.close(0).catch(() => false);
    throw e;
  } finally {
    if (closeStore) await closeStore().catch((e: unknown) => log.warn({ err: e }, "closing the store failed"));
  }

  const records = collected.records;
  records.sort(compareRecords);
  if (opts.json) {
    await writeRecords(records);
  } else {
    await writeOut(humanSummary(records, summary, opts.store ? stored : null));
  }

  if (summary.problemCount > PRINT_PROBLEMS) {
    writeErr(`drainwatch: … ${summary.problemCount - PRINT_PROBLEMS} more problems not shown\n`);
  }
  const secs = (summary.durationMs / 1000).toFixed(2);
  writeErr(
    `drainwatch replay: ${opts.files.length} file${opts.files.length === 1 ? "" : "s"}, ` +
      `${summary.events} events, ${summary.records} records` +
      (opts.store ? ` (${stored} written to the store${quarantinedCount > 0 ? `, ${quarantinedCount} quarantined` : ""})` : "") +
      `, ${summary.problemCount} problems, ${summary.errors} ERROR events, ${secs}s\n`,
  );
  return 0;
}

/** One record per line, written in large pieces, respecting stdout backpressure. */
async function writeRecords(records: TerminationRecord[]): Promise<void> {
  const PIECE = 2048;
  for (let i = 0; i < records.length; i += PIECE) {
    const part = records.slice(i, i + PIECE);
    await writeOut(part.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

function humanSummary(records: TerminationRecord[], s: IngestSummary, stored: number | null): string {
  let out =
    `${records.length} terminations from ${s.events} events` +
    (stored === null ? "" : `, ${stored} written to the store (new or changed)`) +
    (s.problemCount > 0 ? `, ${s.problemCount} problems (see stderr)` : "") +
    "\n\n";
  if (records.length === 0) return out;
  const SHOW = 20;
  const shown = records.slice(0, SHOW);
  out += table(
    ["DELETE REQUESTED", "NAMESPACE", "POD", "WORKLOAD", "CAUSE", "OUTCOME", "DRAIN"],
    shown.map((r) => [
      r.deleteRequestedAt ?? "-",
      r.namespace,
      r.pod,
      `${r.workload.kind}/${r.workload.name}`,
      r.cause,
      r.outcome,
      r.drainSeconds === null ? "-" : `${r.drainSeconds.toFixed(1)}s`,
    ]),
  );
  if (records.length > SHOW) out += `… and ${records.length - SHOW} more\n`;
  const byOutcome = new Map<string, number>();
  const byCause = new Map<string, number>();
  for (const r of records) {
    byOutcome.set(r.outcome, (byOutcome.get(r.outcome) ?? 0) + 1);
    byCause.set(r.cause, (byCause.get(r.cause) ?? 0) + 1);
  }
  const counts = (m: Map<string, number>): string[][] =>
    [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, String(v)]);
  out += "\n" + table(["OUTCOME", "COUNT"], counts(byOutcome));
  out += "\n" + table(["CAUSE", "COUNT"], counts(byCause));
  return out;
}
