// Benchmark: the data behind the UI and the JSON API at scale. 1,000,000 terminations over 2,000
// workloads in 3 clusters (30 days, skewed: a few hot workloads), loaded with COPY (psql \copy
// FROM STDIN, rows generated here and streamed), then p95 over repeated calls of:
//   - the overview's reads (findWorkloadCounts, then a page of findWorkloadTails and
//     findWorkloadTrends), 7 and 30 days; findWorkloadTails of every workload (the overview sorted
//     by p95 drain), 30 days; findWorkloadSummaries of every workload (the API), 7 and 30 days;
//     findWorkloadTrends (sparklines);
//   - getWorkload + getWorkloadCharts (the workload page), for the hottest and a median workload;
//   - findTerminations limit 100: the first page, filtered pages, and a deep cursor page;
// and prints EXPLAIN (ANALYZE, BUFFERS) of each statement of those calls (captured as they run).
// Targets: overview and workload page data p95 < 300 ms, API list p95 < 100 ms.
//
//   DATABASE_URL=postgresql://… npx tsx bench/api.ts [--terminations N] [--runs N] [--keep] [--db NAME] [--only REGEX]
//
// Run by bench/run.sh (after the other benches; it needs `npm run build` for the render part). Creates (and drops, unless --keep) its own database; `--db NAME`
// reuses one that an earlier `--keep` run loaded (migrations applied, nothing loaded or dropped).
// `--only REGEX` measures only the queries whose name matches.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { once } from "node:events";
import pg from "pg";
import {
  findTerminations,
  findWorkloadCounts,
  findWorkloadSummaries,
  findWorkloadTails,
  findWorkloadTrends,
  getWorkload,
  getWorkloadCharts,
  migrate,
  openStore,
  type Store,
  type WorkloadKey,
} from "../lib/store/index.ts";
import { processEnv } from "../lib/env.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt("terminations", 1_000_000);
const RUNS = opt("runs", 15);
const KEEP = args.includes("--keep");
const sopt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const REUSE = sopt("db");
const ONLY = sopt("only");
const WORKLOADS = 2000;
const CLUSTERS = ["prod-eu", "prod-us", "staging"];
const DAYS = 30;
const NOW = Date.now();

const url = processEnv().DATABASE_URL;
if (!url) {
  process.stderr.write("bench/api.ts: DATABASE_URL is not set (source test/helpers/postgres-server.sh && pg_test_start)\n");
  process.exit(2);
}

const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- deterministic data ----------------------------------------------------------------------

let seed = 42;
const rand = () => {
  // mulberry32
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly [T, number][]): T => {
  let r = rand();
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1]![0];
};

interface W {
  id: number;
  cluster: number;
  namespace: string;
  kind: string;
  name: string;
  revisions: number[]; // revision ids
  grace: number;
}

function workloads(): W[] {
  let rev = 1;
  return Array.from({ length: WORKLOADS }, (_, i) => {
    const revisions = Array.from({ length: 8 }, () => rev++);
    return {
      id: i + 1,
      cluster: (i % CLUSTERS.length) + 1,
      namespace: `team-${i % 60}`,
      kind: i % 10 === 9 ? "StatefulSet" : "Deployment",
      name: `svc-${i}`,
      revisions,
      grace: i % 7 === 0 ? 60 : 30,
    };
  });
}

/** Zipf-like weights: workload k gets ~1/(k+10) of the terminations. */
function workloadPicker(ws: W[]): () => W {
  const cum: number[] = [];
  let total = 0;
  for (let k = 0; k < ws.length; k++) cum.push((total += 1 / (k + 10)));
  return () => {
    const r = rand() * total;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return ws[lo]!;
  };
}

const OUTCOMES: [string, number][] = [["clean", 0.8], ["sigterm", 0.05], ["sigkill", 0.06], ["error", 0.04], ["oom", 0.02], ["unknown", 0.03]];
const CAUSES: [string, number][] = [["rollout", 0.6], ["scale-down", 0.2], ["eviction", 0.08], ["delete", 0.07], ["node-pressure", 0.03], ["force-delete", 0.02]];

const iso = (ms: number) => new Date(ms).toISOString();
const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");

type Field = string | number | boolean | null;

/** Rows in COPY text format (tab-separated, \N for null) streamed to `psql \copy … FROM STDIN`. */
async function copy(dbUrl: string, table: string, columns: string[], rows: Iterable<Field[]>): Promise<void> {
  const psql = spawn("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", dbUrl, "-c", `\\copy ${table} (${columns.join(", ")}) FROM STDIN`], { stdio: ["pipe", "inherit", "inherit"] });
  const exited = once(psql, "exit");
  psql.stdin.on("error", () => {}); // psql failing is reported by its exit code
  let buf = "";
  for (const fields of rows) {
    buf += fields.map((f) => (f === null ? "\\N" : typeof f === "string" ? esc(f) : String(f))).join("\t") + "\n";
    if (buf.length > 1 << 20) {
      const ok = psql.stdin.write(buf);
      buf = "";
      if (!ok) await Promise.race([once(psql.stdin, "drain"), exited]);
      if (psql.exitCode !== null) break;
    }
  }
  psql.stdin.end(buf);
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`psql \\copy ${table} exited ${code}`);
}

async function load(dbUrl: string): Promise<{ ws: W[]; counts: Map<number, number>; now: number }> {
  const ws = workloads();
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query(`INSERT INTO clusters (id, name) SELECT i, (ARRAY[${CLUSTERS.map((n) => `'${n}'`).join(",")}])[i] FROM generate_series(1, ${CLUSTERS.length}) i`);
    await c.query(
      `INSERT INTO workloads (id, cluster_id, namespace, kind, name) SELECT * FROM json_to_recordset($1::json) AS x(id int, cluster_id int, namespace text, kind text, name text)`,
      [JSON.stringify(ws.map((w) => ({ id: w.id, cluster_id: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name })))],
    );
    await c.query(
      `INSERT INTO revisions (id, workload_id, revision) SELECT * FROM json_to_recordset($1::json) AS x(id int, workload_id int, revision text)`,
      [JSON.stringify(ws.flatMap((w) => w.revisions.map((id, k) => ({ id, workload_id: w.id, revision: String(k + 1) }))))],
    );
    await c.query(`SELECT setval('clusters_id_seq', 10), setval('workloads_id_seq', ${WORKLOADS + 1}), setval('revisions_id_seq', ${WORKLOADS * 8 + 1})`);
  } finally {
    await c.end();
  }

  const pickW = workloadPicker(ws);
  const counts = new Map<number, number>();
  const spec: { t: number; w: W; outcome: string; drain: number | null; sidecar: boolean }[] = [];
  const started = Date.now();
  // Terminations (ids 1..N), then their containers and events from what was kept in `spec`.
  await copy(
    dbUrl,
    "terminations",
    ["id", "cluster_id", "pod_uid", "namespace", "pod", "node", "workload_id", "revision_id", "cause", "outcome", "grace_period_seconds",
      "delete_requested_at", "deadline_at", "endpoints_unready_at", "killing_at", "exited_at", "deleted_at", "drain_seconds",
      "endpoint_lag_seconds", "prestop_defined", "prestop_action", "prestop_failed", "prestop_sleep_seconds", "sidecar_exited_first", "notes", "traffic",
      "traffic_requests", "traffic_errors5xx", "content_hash"],
    (function* () {
      for (let i = 1; i <= N; i++) {
        const w = pickW();
        counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
        const t = Math.floor(NOW - rand() * DAYS * 86_400_000);
        const outcome = pick(OUTCOMES);
        const cause = pick(CAUSES);
        const grace = cause === "node-pressure" ? null : w.grace;
        const drain = outcome === "unknown" ? null : outcome === "sigkill" ? (grace ?? 30) + 1 + rand() : Math.round(rand() * (grace ?? 30) * 700) / 1000;
        const lag = rand() < 0.1 ? null : Math.round((0.05 + rand() * rand() * 4) * 1000) / 1000;
        const preStop = w.id % 3 !== 0;
        const sidecar = w.id % 2 === 0;
        const tc = w.id % 4 < 2 ? { requests: Math.floor(rand() * 5000), errors5xx: Math.floor(rand() * rand() * 50) } : null;
        const traffic = tc
          ? JSON.stringify({ source: "istio", ...tc, baselineRequests: 4000, baselineErrors5xx: 3, baselineErrorRate: 0.00075, windowStart: iso(t), windowEnd: iso(t + 45_000) })
          : null;
        const rev = w.revisions[Math.min(7, Math.floor(((NOW - t) / 86_400_000 / DAYS) * 8))]!;
        spec.push({ t, w, outcome, drain, sidecar });
        yield [
          i, w.cluster, `uid-${i.toString(16).padStart(8, "0")}-bench`, w.namespace, `${w.name}-${rev.toString(36)}-${(i * 7919).toString(36).slice(-5)}`,
          `node-${i % 300}`, w.id, rev, cause, outcome, grace,
          iso(t), grace === null ? null : iso(t + grace * 1000), lag === null ? null : iso(t + lag * 1000), iso(t + 50),
          drain === null ? null : iso(t + Math.floor(drain) * 1000), iso(t + (drain ?? 5) * 1000 + 600), drain, lag,
          preStop, preStop ? "sleep" : null, false, preStop ? 5 : null, sidecar && rand() < 0.05, "{}", traffic,
          tc?.requests ?? null, tc?.errors5xx ?? null, "bench",
        ];
      }
    })(),
  );
  log(`  terminations: ${N} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let t1 = Date.now();
  await copy(dbUrl, "termination_containers", ["termination_id", "ordinal", "name", "sidecar", "exit_code", "reason", "finished_at", "outcome", "image", "command", "args", "stop_signal"], (function* () {
    for (let i = 0; i < spec.length; i++) {
      const s = spec[i]!;
      const code = ({ clean: 0, sigterm: 143, sigkill: 137, error: 1, oom: 137, unknown: null } as Record<string, number | null>)[s.outcome] ?? null;
      const fin = s.drain === null ? null : iso(s.t + Math.floor(s.drain) * 1000);
      yield [i + 1, 0, "app", false, code, code === null ? null : s.outcome === "oom" ? "OOMKilled" : code === 0 ? "Completed" : "Error", fin, s.outcome, `registry.example/${s.w.name}:1`, null, null, null];
      if (s.sidecar) yield [i + 1, 1, "istio-proxy", true, 0, "Completed", fin, "clean", "istio/proxyv2:1.24", null, null, null];
    }
  })());
  log(`  termination_containers in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  t1 = Date.now();
  await copy(dbUrl, "termination_events", ["termination_id", "ordinal", "reason", "type", "message", "at", "count"], (function* () {
    for (let i = 0; i < spec.length; i++) {
      const s = spec[i]!;
      yield [i + 1, 0, "Killing", "Normal", "Stopping container app", iso(s.t + 50), 1];
      if (s.outcome === "sigkill") yield [i + 1, 1, "FailedKillPod", "Warning", "error killing pod: context deadline exceeded", iso(s.t + 31_000), 1];
    }
  })());
  log(`  termination_events in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const c2 = new pg.Client({ connectionString: dbUrl });
  await c2.connect();
  try {
    await c2.query(`SELECT setval('terminations_id_seq', ${N + 1})`);
    t1 = Date.now();
    await c2.query("VACUUM ANALYZE");
    log(`  VACUUM ANALYZE in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  } finally {
    await c2.end();
  }
  return { ws, counts, now: NOW };
}

/** The workloads and per-workload counts of a database an earlier run loaded (`--db`). */
async function loaded(dbUrl: string): Promise<{ ws: W[]; counts: Map<number, number>; now: number }> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const rows = await c.query<{ w: number; n: string }>("SELECT workload_id AS w, count(*) AS n FROM terminations GROUP BY 1");
    log(`bench/api: reusing ${rows.rows.reduce((a, r) => a + Number(r.n), 0).toLocaleString("en")} terminations`);
    // The ranges end where the loaded data ends, as they did when it was loaded.
    const last = await c.query<{ t: Date }>("SELECT max(delete_requested_at) AS t FROM terminations");
    return { ws: workloads(), counts: new Map(rows.rows.map((r) => [Number(r.w), Number(r.n)])), now: (last.rows[0]?.t.getTime() ?? NOW) + 1 };
  } finally {
    await c.end();
  }
}

// ---- measuring ----------------------------------------------------------------------------------

interface Captured {
  sql: string;
  values: unknown[];
}

/** The store, with every statement it runs remembered (for EXPLAIN ANALYZE afterwards). */
function capturing(store: Store): { store: Store; take(): Captured[] } {
  let seen: Captured[] = [];
  const prisma = new Proxy(store.prisma, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "$queryRawUnsafe" || typeof v !== "function") return v;
      return (sql: string, ...values: unknown[]) => {
        seen.push({ sql, values });
        return (v as (s: string, ...a: unknown[]) => unknown).call(target, sql, ...values);
      };
    },
  });
  return {
    store: { ...store, prisma, close: () => store.close(), ping: () => store.ping() },
    take() {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

const failed = (w: { outcomes: { sigkill: number; oom: number; error: number } }) => w.outcomes.sigkill + w.outcomes.oom + w.outcomes.error;

const quantile = (xs: number[], p: number) => {
  const v = [...xs].sort((a, b) => a - b);
  const h = p * (v.length - 1);
  const lo = Math.floor(h);
  return v[lo]! + (h - lo) * ((v[Math.min(lo + 1, v.length - 1)] ?? v[lo]!) - v[lo]!);
};

interface Result {
  name: string;
  p50: number;
  p95: number;
  max: number;
  target: number;
  statements: Captured[];
}

async function measure(name: string, target: number, cap: ReturnType<typeof capturing>, fn: () => Promise<unknown>): Promise<Result> {
  await fn(); // warm-up (plans, caches)
  cap.take();
  const times: number[] = [];
  let statements: Captured[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    if (i === 0) statements = cap.take();
  }
  cap.take();
  return { name, p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: Math.max(...times), target, statements };
}

async function explain(dbUrl: string, results: Result[]): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    for (const r of results) {
      for (const [k, s] of r.statements.entries()) {
        if (/^\s*SELECT w\.id FROM workloads/.test(s.sql)) continue; // a primary-key lookup
        const plan = await c.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.values);
        const lines = plan.rows.map((row) => row["QUERY PLAN"]);
        process.stdout.write(`\n### ${r.name}: statement ${k + 1}\n${lines.join("\n")}\n`);
      }
    }
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const dbName = REUSE ?? `dw_bench_api_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  if (!REUSE) await admin.query(`CREATE DATABASE "${dbName}"`);
  const u = new URL(url!);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  const raw = await openStore({ databaseUrl: dbUrl, poolSize: 4 });
  try {
    await migrate(raw);
    const { ws, counts, now } = REUSE ? await loaded(dbUrl) : await (async () => {
      log(`bench/api: loading ${N.toLocaleString("en")} terminations over ${WORKLOADS} workloads, ${CLUSTERS.length} clusters, ${DAYS} days (COPY)`);
      const t0 = Date.now();
      const l = await load(dbUrl);
      log(`  loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return l;
    })();

    const cap = capturing(raw);
    const store = cap.store;
    const byCount = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const keyOf = (id: number): WorkloadKey => {
      const w = ws[id - 1]!;
      return { cluster: CLUSTERS[w.cluster - 1]!, namespace: w.namespace, kind: w.kind, name: w.name };
    };
    const hot = keyOf(byCount[0]![0]);
    const median = keyOf(byCount[Math.floor(byCount.length / 2)]![0]);
    const days = (d: number) => ({ since: new Date(now - d * 86_400_000), until: new Date(now) });

    // A deep cursor: 100 pages of 1,000 in (the 100,001st newest record).
    let deep: string | undefined;
    for (let i = 0; i < 100; i++) deep = (await findTerminations({ limit: 1000, cursor: deep }, store)).nextCursor ?? undefined;

    const results: Result[] = [];
    const run = async (name: string, target: number, fn: () => Promise<unknown>) => {
      if (ONLY !== undefined && !new RegExp(ONLY).test(name)) return;
      const r = await measure(name, target, cap, fn);
      results.push(r);
      log(`  ${name.padEnd(58)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  (target ${target} ms)`);
    };
    // What the overview reads (app/_ui/workloads-view.tsx): counts of every workload, then the shown
    // page's tails (p95 and max drain, p95 lag, by rank) and sparklines at once.
    const overview = async (range: { since: Date; until: Date }) => {
      const counts = await findWorkloadCounts(range, store);
      const page = [...counts].sort((a, b) => failed(b) - failed(a) || b.terminations - a.terminations).slice(0, 50);
      await Promise.all([findWorkloadTails({ ...range, workloads: page }, store), findWorkloadTrends({ ...range, workloads: page }, 24, store)]);
    };
    await run("overview: counts + page of 50 (tails, trends), 7 days", 300, () => overview(days(7)));
    await run("overview: counts + page of 50 (tails, trends), 30 days", 300, () => overview(days(30)));
    await run("overview sorted by p95 drain: findWorkloadTails of every workload, 30 days", 300, () => findWorkloadTails(days(30), store));
    await run("API workloads: findWorkloadSummaries, 7 days", 300, () => findWorkloadSummaries(days(7), store));
    await run("API workloads: findWorkloadSummaries, 30 days", 300, () => findWorkloadSummaries(days(30), store));
    await run("overview: findWorkloadTrends, 7 days, 28 buckets", 300, () => findWorkloadTrends(days(7), 28, store));
    await run("overview: summaries + trends, 7 days, one cluster", 300, () => Promise.all([findWorkloadSummaries({ ...days(7), cluster: "prod-eu" }, store), findWorkloadTrends({ ...days(7), cluster: "prod-eu" }, 28, store)]));
    await run(`workload page, hottest (${counts.get(byCount[0]![0])} terminations), all time`, 300, () => Promise.all([getWorkload(hot, {}, store), getWorkloadCharts(hot, {}, store)]));
    await run(`workload page, median (${counts.get(byCount[Math.floor(byCount.length / 2)]![0])} terminations), all time`, 300, () => Promise.all([getWorkload(median, {}, store), getWorkloadCharts(median, {}, store)]));
    await run("API list: findTerminations limit 100, first page", 100, () => findTerminations({ limit: 100 }, store));
    await run("API list: limit 100, deep cursor (after 100,000)", 100, () => findTerminations({ limit: 100, cursor: deep }, store));
    await run("API list: limit 100, cluster + outcome=sigkill", 100, () => findTerminations({ limit: 100, cluster: "prod-us", outcome: "sigkill" }, store));
    await run("API list: limit 100, namespace, 24 h", 100, () => findTerminations({ limit: 100, namespace: "team-7", ...days(1) }, store));
    await run("API list: limit 100, one workload (hottest)", 100, () => findTerminations({ limit: 100, cluster: hot.cluster, namespace: hot.namespace, kind: hot.kind, workload: hot.name }, store));

    // Server render over HTTP: a real `drainwatch serve --no-ingest` on this database (the pages are
    // server components calling the same queries; this adds Next's render and the HTTP hop).
    if (ONLY === undefined || /render/.test(ONLY)) {
      const served = await startServe(dbUrl);
      try {
        const page = (path: string) => async () => {
          const res = await fetch(`${served.base}${path}`);
          await res.text();
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
        };
        const wl = (k: WorkloadKey) => `/workloads/${[k.cluster, k.namespace, k.kind, k.name].map(encodeURIComponent).join("/")}`;
        for (const [name, path, target] of [
          ["render: overview /, default range (24 h)", "/", 300],
          ["render: overview /?since=7d", "/?since=7d", 300],
          ["render: overview /?since=30d", "/?since=30d", 300],
          ["render: overview /?since=30d&sort=drain", "/?since=30d&sort=drain", 300],
          ["render: /workloads?since=7d", "/workloads?since=7d", 300],
          [`render: workload page, hottest, default range (7 d)`, wl(hot), 300],
          [`render: workload page, median, default range (7 d)`, wl(median), 300],
          ["render: terminations list /terminations", "/terminations", 300],
          ["render: API GET /api/v1/terminations?limit=100", "/api/v1/terminations?limit=100", 100],
          ["render: API GET /api/v1/workloads (7 d default)", "/api/v1/workloads", 300],
        ] as const) {
          const r = await measure(name, target, cap, page(path));
          results.push({ ...r, statements: [] });
          log(`  ${name.padEnd(58)} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  (target ${target} ms)`);
        }
      } finally {
        await served.stop();
      }
    }

    process.stdout.write(`\n## bench/api: ${N.toLocaleString("en")} terminations, ${WORKLOADS} workloads, ${CLUSTERS.length} clusters, ${RUNS} runs each\n\n`);
    process.stdout.write(`| query | p50 ms | p95 ms | max ms | target p95 | |\n|---|---:|---:|---:|---:|---|\n`);
    for (const r of results) {
      process.stdout.write(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | < ${r.target} | ${r.p95 < r.target ? "ok" : "MISSED"} |\n`);
    }
    await explain(dbUrl, results);
  } finally {
    await raw.close();
    if (!KEEP && !REUSE) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
    else log(`kept database ${dbName}`);
    await admin.end();
  }
}

/** `drainwatch serve --no-ingest` on `dbUrl` (needs `npm run build`), ready to answer. */
async function startServe(dbUrl: string): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
  const bin = path.resolve(import.meta.dirname, "../bin/drainwatch.mjs");
  const child = spawn(process.execPath, ["--max-old-space-size=192", bin, "serve", "--no-ingest"], {
    env: { ...processEnv(), DATABASE_URL: dbUrl, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0", DRAINWATCH_RETENTION_DAYS: "0" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

await main();
