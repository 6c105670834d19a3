// Benchmark: capture reader + tracker throughput against plain JSON.parse of the same lines, and
// storing terminations (recordTerminations) against a plain COPY of the same rows.
//
//   npx tsx bench/tracker.ts CAPTURE.ndjson      (bench/run.sh generates the capture and a Postgres)
//
// COPY baseline: `pg` has no COPY FROM STDIN helper (pg-copy-streams is not installed), so the
// baseline runs `psql -c "\copy …"`: psql streams the file over the same COPY FROM STDIN protocol,
// from the client side, so it works against any DATABASE_URL (a server-side `COPY … FROM '/file'`
// would need superuser and a file on the database host). The rows copied are exactly the rows the
// store wrote (dumped with \copy … TO). The reference for the target is COPY into the same schema
// (a second database migrated like the store's: same tables, indexes, foreign keys), in
// foreign-key order in one transaction: Postgres's bulk-load floor for exactly these rows. A second
// figure loads unconstrained clones (`LIKE … INCLUDING ALL`: same indexes, no foreign keys), to
// show what the foreign keys cost. Timings include psql's start (~20 ms), which favours the store.
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { runIngest } from "../lib/ingest/pipeline.ts";
import { CollectSink } from "../lib/ingest/sink.ts";
import { StoreSink } from "../lib/ingest/store-sink.ts";
import { readCapture } from "../lib/sources/capture.ts";
import { migrate, openStore, recordTerminations } from "../lib/store/index.ts";
import type { TerminationRecord } from "../lib/tracker/record.ts";
import { Tracker } from "../lib/tracker/tracker.ts";
import { processEnv } from "../lib/env.ts";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: tsx bench/tracker.ts CAPTURE.ndjson\n");
  process.exit(2);
}
// Records per recordTerminations call: what `replay` hands the store (the store sink's batch size).
const STORE_BATCH = Number(processEnv().BENCH_STORE_BATCH ?? 500);
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
const note = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

/** Baseline: split the file into lines (streaming) and JSON.parse every non-blank one. */
async function parseBaseline(): Promise<{ lines: number; ms: number }> {
  const t0 = performance.now();
  let lines = 0;
  let carry = "";
  let sink = 0;
  for await (const chunk of createReadStream(file!, { encoding: "utf8", highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", pos);
      if (nl === -1) {
        carry += chunk.slice(pos);
        break;
      }
      const line = carry.length > 0 ? carry + chunk.slice(pos, nl) : chunk.slice(pos, nl);
      carry = "";
      pos = nl + 1;
      if (line.length === 0) continue;
      const v = JSON.parse(line) as { type?: string };
      if (v.type === "ADDED") sink++; // keep the result observable
      lines++;
    }
  }
  if (carry.trim().length > 0) {
    JSON.parse(carry);
    lines++;
  }
  if (sink < 0) console.log(sink);
  return { lines, ms: performance.now() - t0 };
}

async function readerOnly(): Promise<{ facts: number; ms: number }> {
  const t0 = performance.now();
  const reader = readCapture(file!);
  let facts = 0;
  for await (const batch of reader.batches()) facts += batch.length;
  return { facts, ms: performance.now() - t0 };
}

async function pipeline(): Promise<{ events: number; records: TerminationRecord[]; problems: number; ms: number; held: number }> {
  const tracker = new Tracker({ cluster: "bench", settleMs: 5000 });
  const out = new CollectSink();
  const t0 = performance.now();
  const s = await runIngest(readCapture(file!), { tracker, sink: out });
  return { events: s.events, records: out.records, problems: s.problemCount, ms: performance.now() - t0, held: tracker.size };
}

function psqlAvailable(): boolean {
  return spawnSync("psql", ["--version"], { stdio: "ignore" }).status === 0;
}

async function main(): Promise<void> {
  const size = statSync(file!).size;
  const rows: string[][] = [];
  const row = (...cells: (string | number)[]): void => void rows.push(cells.map(String));
  const fmt = (n: number, d = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

  // ---- 1. reader + tracker vs JSON.parse (best of 2 each, same process, interleaved)
  note(`capture ${file} (${fmt(size / 1e6, 0)} MB)`);
  let base = { lines: 0, ms: Infinity };
  let pipe = { events: 0, records: [] as TerminationRecord[], problems: 0, ms: Infinity, held: 0 };
  let rdr = { facts: 0, ms: Infinity };
  let rssAfterPipeline = 0;
  for (let round = 0; round < 2; round++) {
    const b = await parseBaseline();
    if (b.ms < base.ms) base = b;
    note(`round ${round + 1}: JSON.parse ${fmt(b.ms)} ms`);
    const r = await readerOnly();
    if (r.ms < rdr.ms) rdr = r;
    note(`round ${round + 1}: reader ${fmt(r.ms)} ms`);
    const p = await pipeline();
    if (p.ms < pipe.ms) pipe = p;
    rssAfterPipeline = rssMB();
    note(`round ${round + 1}: reader+tracker ${fmt(p.ms)} ms, ${p.records.length} records`);
  }
  const baseRate = (base.lines / base.ms) * 1000;
  const pipeRate = (pipe.events / pipe.ms) * 1000;
  const rdrRate = (rdr.facts / rdr.ms) * 1000;
  const evRatio = pipeRate / baseRate;

  // ---- 2. store vs COPY
  const url = processEnv().DATABASE_URL;
  let storeRate = NaN;
  let copyRate = NaN;
  let storeMs = NaN;
  let copyMs = NaN;
  let sameMs = NaN;
  let cloneRate = NaN;
  let sameSchemaUrl = "";
  let written = 0;
  let copied = 0;
  let e2eMs = NaN;
  let e2eEvents = 0;
  if (!url) {
    note("DATABASE_URL is not set: skipping the store benchmark (bench/run.sh starts a Postgres)");
  } else {
    const dbName = `dw_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    const u = new URL(url);
    u.pathname = `/${dbName}`;
    const dbUrl = u.toString();
    const work = mkdtempSync(path.join(tmpdir(), "dw-bench-"));
    try {
      const store = await openStore({ databaseUrl: dbUrl });
      try {
        await migrate(store);
        const recs = pipe.records;
        // Best of 2 rounds on emptied tables (the machine is shared; the first round also warms up).
        storeMs = Infinity;
        for (let round = 0; round < 2; round++) {
          if (round > 0) {
            const tables = await store.prisma.$queryRawUnsafe<{ t: string }[]>(
              `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
            );
            await store.prisma.$executeRawUnsafe(`TRUNCATE ${tables.map((r) => `"${r.t}"`).join(", ")} CASCADE`);
          }
          let w = 0;
          const t0 = performance.now();
          for (let i = 0; i < recs.length; i += STORE_BATCH) {
            w += (await recordTerminations(store, recs.slice(i, i + STORE_BATCH))).written;
          }
          const ms = performance.now() - t0;
          note(`round ${round + 1}: recordTerminations ${recs.length} records in ${fmt(ms)} ms (${w} written)`);
          if (ms < storeMs) {
            storeMs = ms;
            written = w;
          }
        }
        storeRate = (recs.length / storeMs) * 1000;
      } finally {
        await store.close();
      }

      // End to end, as `replay` runs it: the store sink (overflow "wait") writes while reading goes on.
      await admin.query(`CREATE DATABASE "${dbName}_e2e"`);
      const u2 = new URL(url);
      u2.pathname = `/${dbName}_e2e`;
      const store2 = await openStore({ databaseUrl: u2.toString() });
      try {
        await migrate(store2);
        const t0 = performance.now();
        const sink = new StoreSink({ overflow: "wait", maxAttempts: 1, batchSize: STORE_BATCH, write: (batch) => recordTerminations(store2, batch) });
        const s = await runIngest(readCapture(file!), { tracker: new Tracker({ cluster: "bench", settleMs: 5000 }), sink });
        if (!(await sink.close(Number.POSITIVE_INFINITY))) throw new Error("replay pipeline: the store sink gave up");
        e2eMs = performance.now() - t0;
        e2eEvents = s.events;
        note(`replay pipeline with store: ${fmt(e2eMs)} ms`);
      } finally {
        await store2.close();
        await admin.query(`DROP DATABASE IF EXISTS "${dbName}_e2e" WITH (FORCE)`).catch(() => {});
      }

      if (!psqlAvailable()) {
        note("psql not found: skipping the COPY baseline");
      } else {
        const c = new pg.Client({ connectionString: dbUrl });
        await c.connect();
        const tables = (
          await c.query<{ t: string }>(
            `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'
             AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
          )
        ).rows.map((r) => r.t);
        const nonEmpty: string[] = [];
        for (const t of tables) {
          const n = await c.query(`SELECT 1 FROM "${t}" LIMIT 1`);
          if (n.rowCount) nonEmpty.push(t);
        }
        // Dump what the store wrote, create empty clones with the same columns and indexes.
        const dump = nonEmpty.map((t) => `\\copy (SELECT * FROM "${t}") TO '${path.join(work, t)}.csv' CSV`).join("\n");
        execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", dbUrl], { input: dump });
        for (const t of nonEmpty) await c.query(`CREATE TABLE "copy_${t}" (LIKE "${t}" INCLUDING ALL)`);
        await c.end();

        // Same schema: a database migrated exactly like the store's.
        await admin.query(`CREATE DATABASE "${dbName}_copy"`);
        const u3 = new URL(url);
        u3.pathname = `/${dbName}_copy`;
        sameSchemaUrl = u3.toString();
        const fresh = await openStore({ databaseUrl: sameSchemaUrl });
        try {
          await migrate(fresh);
        } finally {
          await fresh.close();
        }
        const fkOrder = ["clusters", "workloads", "revisions", "terminations", "termination_containers", "termination_events"];
        // workload_days and workload_hours are kept by triggers on terminations (the same schema has
        // them): COPY of terminations fills them, as the store's write does, so they are not copied.
        const derived = new Set(["workload_days", "workload_hours"]);
        const ordered = [...fkOrder.filter((t) => nonEmpty.includes(t)), ...nonEmpty.filter((t) => !fkOrder.includes(t) && !derived.has(t))];
        const loadSame =
          `BEGIN;\nTRUNCATE ${[...ordered, ...derived].map((t) => `"${t}"`).join(", ")} CASCADE;\n` +
          ordered.map((t) => `\\copy "${t}" FROM '${path.join(work, t)}.csv' CSV`).join("\n") +
          "\nCOMMIT;\n";
        sameMs = Infinity;
        for (let round = 0; round < 3; round++) {
          const t0 = performance.now();
          execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", sameSchemaUrl], { input: loadSame });
          const ms = performance.now() - t0;
          sameMs = Math.min(sameMs, ms);
          note(`round ${round + 1}: psql \\copy into the same schema (with foreign keys): ${fmt(ms)} ms`);
        }
        const load =
          "BEGIN;\n" +
          nonEmpty.map((t) => `TRUNCATE "copy_${t}";\n\\copy "copy_${t}" FROM '${path.join(work, t)}.csv' CSV`).join("\n") +
          "\nCOMMIT;\n";
        copyMs = Infinity;
        for (let round = 0; round < 3; round++) {
          const t0 = performance.now();
          execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", dbUrl], { input: load });
          const ms = performance.now() - t0;
          copyMs = Math.min(copyMs, ms);
          note(`round ${round + 1}: psql \\copy of ${nonEmpty.join(", ")}: ${fmt(ms)} ms`);
        }
        copied = pipe.records.length;
        copyRate = (copied / sameMs) * 1000;
        cloneRate = (copied / copyMs) * 1000;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      if (sameSchemaUrl) await admin.query(`DROP DATABASE IF EXISTS "${dbName}_copy" WITH (FORCE)`).catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  }
  const storeRatio = storeRate / copyRate;

  // ---- report
  const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");
  row("JSON.parse of every line (baseline)", fmt(base.lines), fmt(base.ms / 1000, 2), `${fmt(baseRate)} ev/s`, "");
  row("capture reader only", fmt(rdr.facts), fmt(rdr.ms / 1000, 2), `${fmt(rdrRate)} ev/s`, `${fmt(rdrRate / baseRate, 2)}x`);
  row("reader + tracker (runIngest)", fmt(pipe.events), fmt(pipe.ms / 1000, 2), `${fmt(pipeRate)} ev/s`, `${fmt(evRatio, 2)}x  ${verdict(evRatio >= 0.5)} (>= 0.5)`);
  row("  terminations finalized", fmt(pipe.records.length), "", "", `${pipe.problems} problems, ${pipe.held} held at end`);
  if (url) {
    row("recordTerminations (store)", fmt(pipe.records.length), fmt(storeMs / 1000, 2), `${fmt(storeRate)} rec/s`, `${written} rows written`);
    if (Number.isFinite(copyRate)) {
      row("COPY same rows, same schema (baseline)", fmt(copied), fmt(sameMs / 1000, 2), `${fmt(copyRate)} rec/s`, `store/COPY ${fmt(storeRatio, 2)}x  ${verdict(storeRatio >= 0.3)} (>= 0.3)`);
      row("  COPY into clones without foreign keys", fmt(copied), fmt(copyMs / 1000, 2), `${fmt(cloneRate)} rec/s`, `store/COPY ${fmt(storeRate / cloneRate, 2)}x  (foreign keys' share)`);
    }
  }
  if (Number.isFinite(e2eMs)) {
    const r = (e2eEvents / e2eMs) * 1000;
    row("replay end to end (reader+tracker+store)", fmt(e2eEvents), fmt(e2eMs / 1000, 2), `${fmt(r)} ev/s`, `${fmt(r / baseRate, 2)}x of JSON.parse`);
  }
  row("peak RSS (reader + tracker phase)", `${rssAfterPipeline} MB`, "", "", "");
  row("peak RSS (whole run)", `${rssMB()} MB`, "", "", "");
  const headers = ["phase", "count", "seconds", "rate", "ratio / note"];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  console.log(`\ndrainwatch bench: ${path.basename(file!)}, ${fmt(size / 1e6)} MB, node ${process.version}`);
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  const results = {
    capture: { file, bytes: size, lines: base.lines },
    jsonParse: { ms: base.ms, eventsPerSec: baseRate },
    readerOnly: { ms: rdr.ms, eventsPerSec: rdrRate },
    pipeline: { ms: pipe.ms, events: pipe.events, records: pipe.records.length, eventsPerSec: pipeRate, ratio: evRatio },
    store: url ? { ms: storeMs, recordsPerSec: storeRate, written, batch: STORE_BATCH } : null,
    endToEnd: Number.isFinite(e2eMs) ? { ms: e2eMs, eventsPerSec: (e2eEvents / e2eMs) * 1000 } : null,
    copy: Number.isFinite(copyRate)
      ? { ms: sameMs, recordsPerSec: copyRate, ratio: storeRatio, withoutForeignKeys: { ms: copyMs, recordsPerSec: cloneRate, ratio: storeRate / cloneRate } }
      : null,
    peakRssMB: rssMB(),
  };
  const out = path.join(path.dirname(file!), "results.json");
  await import("node:fs/promises").then((fs) => fs.writeFile(out, JSON.stringify(results, null, 2) + "\n"));
  note(`results written to ${out}`);
}

await main();
process.exit(0);
