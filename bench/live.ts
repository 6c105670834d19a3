// Benchmark: live ingest (client-node informers → tracker → writer) against the sandbox cluster.
//
//   node --import tsx bench/live.ts          (bench/run.sh runs it after the replay bench)
//
// Three processes, so each figure belongs to one of them (the machine has 2 cores):
//   - this one: the sandbox (10,000 running pods in 100 Deployments, timeScale 1) and the churn
//     driver: stamped updates of running pods plus graceful deletions, at a fixed rate;
//   - "ingest" child: startLiveIngest only (all namespaces, every watched kind, records counted
//     by a write sink; no store). tracker.ingest is wrapped to time every stamped pod event:
//     lag = (tracker ingests it) − (sandbox wrote it), both on one machine's clock;
//   - "raw" child (same-run reference, run afterwards on the same stream): fetch list+watch,
//     JSON.parse per line, nothing else; for memory, it holds the same kinds' lists as parsed
//     objects, roughly what the informers' caches must hold at least.
// Checkpointing (issue 10): with DATABASE_URL set, the ingest child runs as serve's leader does:
// its sink is the CheckpointWriter, committing records + tracker state + resourceVersions to that
// Postgres every 2 s (cluster "bench"); the summary reports commits, their time and state size.
// Environment: BENCH_LIVE_SECONDS (60), BENCH_LIVE_REF_SECONDS (15), BENCH_LIVE_RATE (pod
// updates/s, 2000), BENCH_LIVE_DELETES (terminations/s, 10), BENCH_LIVE_REPLICAS (per Deployment,
// 100; 1000 = 100,000 pods), BENCH_LIVE_WORKLOADS (100), DATABASE_URL (checkpointing on when set).
import { fork, type ChildProcess } from "node:child_process";
import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { processEnv } from "../lib/env.ts";

const HERE = fileURLToPath(import.meta.url);
// bench/live.ts and its bundle bench/out/live/live.mjs both write to bench/out/.
const OUT = path.join(path.dirname(HERE), ...(HERE.endsWith(".ts") ? ["out"] : [".."]), "live-results.json");
const MiB = 1024 * 1024;
const RSS_TARGET_MIB = 300;
const RATE_TARGET = 2000;

type Msg =
  | { type: "synced"; syncMs: number; rssMiB: number; rssAfterGcMiB: number; heapMiB: number; heapTotalMiB: number; externalMiB: number; objects?: number }
  | { type: "second"; podEvents: number; events: number; stamped: number; lag: Percentiles | null; rssMiB: number; cpuPct: number }
  | { type: "summary"; stamped: number; events: number; podEvents: number; lag: Percentiles | null; records: number; tracker?: object; queueDepth?: number; checkpoint?: CheckpointFigures; rssMiB: number; rssAfterGcMiB: number; maxRssMiB: number }
  | { type: "error"; message: string };

interface CheckpointFigures {
  commits: number;
  failures: number;
  lastCommitMs: number;
  maxCommitMs: number;
  stateBytes: number;
}

interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function percentiles(xs: ArrayLike<number>, n = xs.length): Percentiles | null {
  if (n === 0) return null;
  const s = Float64Array.from({ length: n }, (_, i) => xs[i]!).sort();
  const at = (q: number): number => s[Math.min(n - 1, Math.floor(q * n))]!;
  return { n, p50: at(0.5), p99: at(0.99), max: s[n - 1]! };
}

const rssMiB = (): number => process.memoryUsage.rss() / MiB;
const heap = (): { heapMiB: number; heapTotalMiB: number; externalMiB: number } => {
  const m = process.memoryUsage();
  return { heapMiB: m.heapUsed / MiB, heapTotalMiB: m.heapTotal / MiB, externalMiB: m.external / MiB };
};

// ---------------------------------------------------------------------------------------------
// children

/** Per-second reporting shared by both children: counts, lag percentiles, RSS, CPU. */
function reporter(send: (m: Msg) => void): { event(isPod: boolean, obj: unknown): void; start(): void; stop(): void; all: Float64Array; n: () => number } {
  const all = new Float64Array(2_000_000);
  let n = 0;
  let second: number[] = [];
  let podEvents = 0;
  let events = 0;
  let stamped = 0;
  let timer: NodeJS.Timeout | null = null;
  let cpu = process.cpuUsage();
  let last = performance.now();
  let emittedAt: ((o: never) => number | null) | null = null;
  let now: () => number = () => performance.timeOrigin + performance.now();
  void import("./stamp.ts").then((m) => {
    emittedAt = m.emittedAt as (o: never) => number | null;
    now = m.preciseNow;
  });
  return {
    all,
    n: () => n,
    event(isPod, obj) {
      events++;
      if (!isPod) return;
      podEvents++;
      const e = emittedAt?.(obj as never) ?? null;
      if (e === null) return;
      const lag = now() - e;
      stamped++;
      if (n < all.length) all[n++] = lag;
      second.push(lag);
    },
    start() {
      // Counting starts now: the initial lists' facts are not churn.
      second = [];
      podEvents = 0;
      events = 0;
      stamped = 0;
      n = 0;
      cpu = process.cpuUsage();
      last = performance.now();
      timer = setInterval(() => {
        const c = process.cpuUsage(cpu);
        const t = performance.now();
        cpu = process.cpuUsage();
        const cpuPct = ((c.user + c.system) / 1000 / (t - last)) * 100;
        last = t;
        send({ type: "second", podEvents, events, stamped, lag: percentiles(second), rssMiB: rssMiB(), cpuPct });
        second = [];
        podEvents = 0;
        events = 0;
        stamped = 0;
      }, 1000);
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

function gcNow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

type Summary = Omit<Extract<Msg, { type: "summary" }>, "type" | "rssMiB" | "rssAfterGcMiB" | "maxRssMiB">;

/**
 * The protocol both measuring children follow: report "synced" (RSS before and after a full GC),
 * stream per-second figures, and on "finish" send the summary with the same RSS readings, then
 * stop (`stop` must end the process).
 */
function reportUntilFinish(
  send: (m: Msg) => void,
  rep: ReturnType<typeof reporter>,
  synced: { syncMs: number; objects: number },
  summary: () => Summary,
  stop: () => void,
): void {
  const rss = rssMiB();
  gcNow();
  send({ type: "synced", ...synced, rssMiB: rss, rssAfterGcMiB: rssMiB(), ...heap() });
  rep.start();
  process.on("message", (m: { type: string }) => {
    if (m.type !== "finish") return;
    rep.stop();
    const rssBefore = rssMiB();
    gcNow();
    send({ type: "summary", ...summary(), rssMiB: rssBefore, rssAfterGcMiB: rssMiB(), maxRssMiB: process.resourceUsage().maxRSS / 1024 });
    stop();
  });
}

async function ingestChild(url: string): Promise<void> {
  const send = (m: Msg): void => void process.send!(m);
  // Only what live ingest itself loads (the sandbox module stays out of this process).
  const [{ KubeConfig }, { pino }, { startLiveIngest }, { StoreSink }, { createMetrics }] = await Promise.all([
    import("@kubernetes/client-node"),
    import("pino"),
    import("../lib/ingest/live.ts"),
    import("../lib/ingest/store-sink.ts"),
    import("../lib/metrics/registry.ts"),
  ]);
  const rep = reporter(send);
  let records = 0;
  let stampedTotal = 0;
  let eventsTotal = 0;
  let podTotal = 0;
  const kc = new KubeConfig();
  // What sandbox.kubeconfigYaml() says: plain HTTP on 127.0.0.1, no credentials.
  kc.loadFromOptions({
    clusters: [{ name: "sandbox", server: url, skipTLSVerify: true }],
    users: [{ name: "sandbox" }],
    contexts: [{ name: "sandbox", cluster: "sandbox", user: "sandbox" }],
    currentContext: "sandbox",
  });
  const t0 = performance.now();
  const metrics = createMetrics();
  const log = pino({ level: processEnv().BENCH_LIVE_LOG ?? "silent" });
  const databaseUrl = processEnv().DATABASE_URL;
  let checkpoint: CheckpointFigures | undefined;
  let stateBytesOf = (): number => 0;
  let sink: import("../lib/ingest/sink.ts").RecordSink;
  let writer: import("../lib/ingest/checkpoint-writer.ts").CheckpointWriter | undefined;
  if (databaseUrl) {
    // As serve's leader runs it: records + checkpoint committed together every 2 s.
    const [{ openStore, migrate }, { claimCheckpoint, commitCheckpoint }, { CheckpointWriter }] = await Promise.all([
      import("../lib/store/index.ts"),
      import("../lib/store/checkpoint.ts"),
      import("../lib/ingest/checkpoint-writer.ts"),
    ]);
    const store = await openStore({ databaseUrl });
    await migrate(store);
    const claim = await claimCheckpoint("bench", store);
    const figures: CheckpointFigures = { commits: 0, failures: 0, lastCommitMs: 0, maxCommitMs: 0, stateBytes: 0 };
    let lastState: unknown = null;
    stateBytesOf = () => (lastState === null ? 0 : JSON.stringify(lastState).length);
    checkpoint = figures;
    writer = new CheckpointWriter({
      commit: async (state, batch) => {
        const t = performance.now();
        await commitCheckpoint("bench", claim.epoch, state, batch, store);
        const ms = performance.now() - t;
        figures.commits++;
        figures.lastCommitMs = ms;
        figures.maxCommitMs = Math.max(figures.maxCommitMs, ms);
        lastState = state.tracker; // measured once at the end: a second JSON copy per commit is not drainwatch's
        records += batch.length;
      },
      metrics,
      log,
    });
    sink = writer;
  } else {
    // The store sink as serve ran it before checkpoints (overflow "drop"), writing nowhere: records are counted.
    sink = new StoreSink({ overflow: "drop", write: async (batch) => void (records += batch.length), metrics, log });
  }
  const li = startLiveIngest({
    cluster: "bench",
    kubeConfig: kc,
    sink,
    ...(writer ? { checkpoint: { writer, intervalMs: 2000 } } : {}),
    settleMs: 5000,
    metrics,
    log,
  });
  const tracker = li.tracker;
  const ingest = tracker.ingest.bind(tracker);
  tracker.ingest = (fact) => {
    const o = fact.object as { kind?: string } | null;
    const isPod = o?.kind === "Pod";
    eventsTotal++;
    if (isPod) podTotal++;
    const before = rep.n();
    rep.event(isPod, o);
    if (rep.n() > before) stampedTotal++;
    return ingest(fact);
  };
  if (!(await li.waitForSync(60_000))) throw new Error("informers did not sync within 60 s");
  // Synced = every list returned; their facts may still be queued for the tracker. The initial
  // state counts as ingested once no fact has arrived for 300 ms (nothing changes before churn).
  let seen = -1;
  while (seen !== eventsTotal) {
    seen = eventsTotal;
    await new Promise((r) => setTimeout(r, 300));
  }
  reportUntilFinish(
    send,
    rep,
    { syncMs: performance.now() - t0 - 300, objects: eventsTotal },
    () => ({
      stamped: stampedTotal,
      events: eventsTotal,
      podEvents: podTotal,
      lag: percentiles(rep.all, rep.n()),
      records,
      tracker: tracker.stats(),
      ...(checkpoint ? { checkpoint: { ...checkpoint, failures: writer?.stats().failures ?? 0, stateBytes: stateBytesOf() } } : {}),
    }),
    () => void li.stop({ flushTimeoutMs: 2000 }).finally(() => process.exit(0)),
  );
}

/** The fixed cost: the live-ingest process's modules loaded, nothing connected. */
async function idleChild(): Promise<void> {
  await Promise.all([import("@kubernetes/client-node"), import("pino"), import("../lib/ingest/live.ts"), import("../lib/ingest/store-sink.ts"), import("../lib/metrics/registry.ts")]);
  await new Promise((r) => setTimeout(r, 200));
  const rss = rssMiB();
  gcNow();
  process.send!({ type: "synced", syncMs: 0, rssMiB: rss, rssAfterGcMiB: rssMiB(), ...heap() } satisfies Msg);
  setTimeout(() => process.exit(0), 50);
}

/** The reference: list (kept parsed, like a cache) + watch of pods with JSON.parse only. */
async function rawChild(url: string): Promise<void> {
  const send = (m: Msg): void => void process.send!(m);
  const rep = reporter(send);
  let stampedTotal = 0;
  let eventsTotal = 0;
  const t0 = performance.now();
  const cache = new Map<string, Map<string, unknown>>();
  const paths = ["/api/v1/pods", "/api/v1/events", "/apis/discovery.k8s.io/v1/endpointslices", "/apis/apps/v1/replicasets", "/apis/apps/v1/deployments"];
  let podRv = "";
  let objects = 0;
  for (const p of paths) {
    const body = (await (await fetch(url + p)).json()) as { metadata: { resourceVersion: string }; items: { metadata: { uid: string } }[] };
    const m = new Map<string, unknown>();
    for (const o of body.items) m.set(o.metadata.uid, o);
    objects += body.items.length;
    cache.set(p, m);
    if (p === "/api/v1/pods") podRv = body.metadata.resourceVersion;
  }
  const syncMs = performance.now() - t0;
  const ctrl = new AbortController();
  const res = await fetch(`${url}/api/v1/pods?watch=true&resourceVersion=${podRv}`, { signal: ctrl.signal });
  const pods = cache.get("/api/v1/pods")!;
  void (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.length === 0) continue;
          const ev = JSON.parse(line) as { type: string; object: { kind?: string; metadata: { uid: string } } };
          if (ev.type === "DELETED") pods.delete(ev.object.metadata.uid);
          else pods.set(ev.object.metadata.uid, ev.object);
          eventsTotal++;
          const before = rep.n();
          rep.event(true, ev.object);
          if (rep.n() > before) stampedTotal++;
        }
      }
    } catch {
      // aborted
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  reportUntilFinish(
    send,
    rep,
    { syncMs, objects },
    () => ({ stamped: stampedTotal, events: eventsTotal, podEvents: eventsTotal, lag: percentiles(rep.all, rep.n()), records: 0 }),
    () => {
      ctrl.abort();
      setTimeout(() => process.exit(0), 50);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// parent

interface Child {
  proc: ChildProcess;
  next(type: Msg["type"], timeoutMs: number): Promise<Msg>;
  seconds: Extract<Msg, { type: "second" }>[];
}

function startChild(role: "ingest" | "raw" | "idle", url: string): Child {
  // BENCH_LIVE_NODE_FLAGS: extra node flags for the children (e.g. --max-old-space-size=160).
  const extra = (processEnv().BENCH_LIVE_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
  // Run from the sources (tsx) or from the compiled bundle (bench/run.sh), children alike.
  const loader = HERE.endsWith(".ts") ? ["--import", "tsx"] : [];
  const proc = fork(HERE, ["--role", role, url], { execArgv: ["--expose-gc", ...extra, ...loader], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const seconds: Extract<Msg, { type: "second" }>[] = [];
  const waiting = new Map<string, (m: Msg) => void>();
  const early = new Map<string, Msg>();
  proc.on("message", (m: Msg) => {
    if (m.type === "second") seconds.push(m);
    const w = waiting.get(m.type);
    if (w) {
      waiting.delete(m.type);
      w(m);
    } else early.set(m.type, m);
  });
  return {
    proc,
    seconds,
    next: (type, timeoutMs) =>
      new Promise<Msg>((resolve, reject) => {
        const got = early.get(type);
        if (got) {
          early.delete(type);
          return resolve(got);
        }
        const timer = setTimeout(() => reject(new Error(`${role} child: no ${type} within ${timeoutMs} ms`)), timeoutMs);
        const exit = (code: number | null): void => reject(new Error(`${role} child exited (${code}) before ${type}`));
        proc.once("exit", exit);
        waiting.set(type, (m) => {
          clearTimeout(timer);
          proc.off("exit", exit);
          if (m.type === "error") reject(new Error(m.message));
          else resolve(m);
        });
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0): string => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const note = (s: string): void => void process.stderr.write(`bench live: ${s}\n`);

interface PhaseResult {
  synced: Extract<Msg, { type: "synced" }>;
  seconds: Extract<Msg, { type: "second" }>[];
  rssAt30: number | null;
  summary: Extract<Msg, { type: "summary" }>;
  emitted: number;
  deletes: number;
  drainMs: number;
}

async function phase(role: "ingest" | "raw", sb: import("../lib/sandbox/index.ts").Sandbox, seconds: number, rate: number, deletes: number): Promise<PhaseResult> {
  const { startChurn } = await import("./load.ts");
  const child = startChild(role, sb.url);
  try {
    const synced = (await child.next("synced", 90_000)) as Extract<Msg, { type: "synced" }>;
    note(`${role}: synced in ${fmt(synced.syncMs)} ms, RSS ${fmt(synced.rssMiB)} MiB; churn ${rate} updates/s + ${deletes} deletions/s for ${seconds} s`);
    child.seconds.length = 0;
    const churn = startChurn(sb.driver, { updatesPerSecond: rate, deletesPerSecond: deletes, gracePeriodSeconds: 2 });
    await sleep(seconds * 1000);
    churn.stop();
    const emitted = churn.stats();
    // Drain: how long until the child has taken every stamped update (bounded).
    const stopAt = performance.now();
    const taken = (): number => child.seconds.reduce((n, s) => n + s.stamped, 0);
    while (taken() < emitted.updates && performance.now() - stopAt < 15_000) await sleep(50);
    const drainMs = performance.now() - stopAt;
    // Terminations in flight finish (grace 2 s + settle 5 s) before the records are counted.
    if (role === "ingest") await sleep(8000);
    child.proc.send({ type: "finish" });
    const summary = (await child.next("summary", 20_000)) as Extract<Msg, { type: "summary" }>;
    const secs = child.seconds.slice(0, seconds);
    return { synced, seconds: secs, rssAt30: secs[29]?.rssMiB ?? null, summary, emitted: emitted.updates, deletes: emitted.deletes, drainMs };
  } finally {
    if (child.proc.exitCode === null) child.proc.kill();
  }
}

/** Lag over a window of seconds: medians of the per-second p50 and p99 (robust to one GC pause), and the max. */
function windowLag(xs: Extract<Msg, { type: "second" }>[]): { p50: number; p99: number; max: number } | null {
  const ls = xs.map((s) => s.lag).filter((l): l is Percentiles => l !== null);
  if (ls.length === 0) return null;
  const median = (v: number[]): number => v.sort((a, b) => a - b)[v.length >> 1]!;
  return { p50: median(ls.map((l) => l.p50)), p99: median(ls.map((l) => l.p99)), max: Math.max(...ls.map((l) => l.max)) };
}

async function main(): Promise<void> {
  const seconds = Number(processEnv().BENCH_LIVE_SECONDS ?? 60);
  const refSeconds = Number(processEnv().BENCH_LIVE_REF_SECONDS ?? 15);
  const rate = Number(processEnv().BENCH_LIVE_RATE ?? 2000);
  const deletes = Number(processEnv().BENCH_LIVE_DELETES ?? 10);
  const replicas = Number(processEnv().BENCH_LIVE_REPLICAS ?? 100);
  const workloads = Number(processEnv().BENCH_LIVE_WORKLOADS ?? 100);
  const [{ startSandbox }, { bulkScenario }] = await Promise.all([import("../lib/sandbox/index.ts"), import("./load.ts")]);
  const started = performance.now();
  const sb = await startSandbox({ scenario: bulkScenario({ workloads, replicas, namespaces: 10 }), timeScale: 1 });
  const pods = sb.podCount();
  note(`sandbox: ${fmt(pods)} running pods in ${workloads} Deployments (10 namespaces) after ${fmt(performance.now() - started)} ms, RSS ${fmt(rssMiB())} MiB`);
  let live: PhaseResult;
  let raw: PhaseResult;
  const idleChildProc = startChild("idle", sb.url);
  const idle = (await idleChildProc.next("synced", 30_000)) as Extract<Msg, { type: "synced" }>;
  try {
    live = await phase("ingest", sb, seconds, rate, deletes);
    const s = live.summary;
    note(
      `live figures: ${JSON.stringify({
        pods,
        syncMs: Math.round(live.synced.syncMs),
        idleRssMiB: Math.round(idle.rssMiB),
        syncedRssMiB: Math.round(live.synced.rssMiB),
        syncedRssAfterGcMiB: Math.round(live.synced.rssAfterGcMiB),
        heapUsedMiB: Math.round(live.synced.heapMiB),
        endRssAfterGcMiB: Math.round(s.rssAfterGcMiB),
        maxRssMiB: Math.round(s.maxRssMiB),
        podEventsPerSec: Math.round(live.seconds.reduce((n, x) => n + x.podEvents, 0) / Math.max(1, live.seconds.length)),
        lagP50: s.lag?.p50,
        lagP99: s.lag?.p99,
        lagMedianPerSecondP99: windowLag(live.seconds)?.p99,
        records: s.records,
        deletes: live.deletes,
        checkpoint: s.checkpoint,
      })}`,
    );
    // BENCH_LIVE_REF_SECONDS=0: no reference run (at 100,000 pods it needs more than the heap cap).
    if (refSeconds <= 0) return;
    raw = await phase("raw", sb, refSeconds, rate, deletes);
  } finally {
    await sb.close();
  }

  const rows: string[][] = [];
  const row = (...cells: string[]): void => void rows.push(cells);
  const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");
  const evRate = (p: PhaseResult): number => p.seconds.reduce((n, s) => n + s.podEvents, 0) / Math.max(1, p.seconds.length);
  const minRate = (p: PhaseResult): number => Math.min(...p.seconds.map((s) => s.podEvents));
  const cpu = (p: PhaseResult): number => p.seconds.reduce((n, s) => n + s.cpuPct, 0) / Math.max(1, p.seconds.length);
  const ms = (x: number | undefined): string => (x === undefined ? "-" : x < 10 ? fmt(x, 1) : fmt(x));
  const liveFirst = windowLag(live.seconds.slice(0, 10));
  const liveLast = windowLag(live.seconds.slice(-10));
  const rawFirst = windowLag(raw.seconds.slice(0, 10));
  const grows = liveFirst !== null && liveLast !== null && liveLast.p99 > Math.max(2 * liveFirst.p99, liveFirst.p99 + 50);
  const lr = evRate(live);

  row("initial list + sync", `${fmt(live.synced.syncMs)} ms`, `${fmt(raw.synced.syncMs)} ms`, `${fmt(pods)} pods + RS, Deployments, EndpointSlices`);
  row("RSS with modules loaded, not connected", `${fmt(idle.rssMiB)} MiB`, "-", `node + client-node etc. (${HERE.endsWith(".ts") ? "tsx loader" : "compiled"}, ${processEnv().BENCH_LIVE_NODE_FLAGS || "no node flags"}); V8 heap ${fmt(idle.heapMiB)}/${fmt(idle.heapTotalMiB)} MiB`);
  row("RSS after list + sync", `${fmt(live.synced.rssMiB)} MiB`, `${fmt(raw.synced.rssMiB)} MiB`, `${verdict(live.synced.rssMiB < RSS_TARGET_MIB)} (< ${RSS_TARGET_MIB} MiB)`);
  row("  same, after a full GC", `${fmt(live.synced.rssAfterGcMiB)} MiB`, `${fmt(raw.synced.rssAfterGcMiB)} MiB`, `V8 heap used/total ${fmt(live.synced.heapMiB)}/${fmt(live.synced.heapTotalMiB)} vs ${fmt(raw.synced.heapMiB)}/${fmt(raw.synced.heapTotalMiB)} MiB`);
  row(
    "RSS after 30 s of churn",
    live.rssAt30 === null ? "-" : `${fmt(live.rssAt30)} MiB`,
    raw.seconds[Math.min(raw.seconds.length, 30) - 1] ? `${fmt(raw.seconds[Math.min(raw.seconds.length, 30) - 1]!.rssMiB)} MiB` : "-",
    `${verdict(live.rssAt30 !== null && live.rssAt30 < RSS_TARGET_MIB)} (< ${RSS_TARGET_MIB} MiB); garbage awaiting a major GC counts; reference after ${Math.min(refSeconds, 30)} s`,
  );
  row("RSS after a full GC at the end", `${fmt(live.summary.rssAfterGcMiB)} MiB`, `${fmt(raw.summary.rssAfterGcMiB)} MiB`, `${verdict(live.summary.rssAfterGcMiB < RSS_TARGET_MIB)} (< ${RSS_TARGET_MIB} MiB): what churn leaves retained`);
  row("peak RSS of the process", `${fmt(live.summary.maxRssMiB)} MiB`, `${fmt(raw.summary.maxRssMiB)} MiB`, "");
  row(
    "pod watch events/s ingested (mean)",
    fmt(lr),
    fmt(evRate(raw)),
    `${verdict(lr >= RATE_TARGET)} (>= ${fmt(RATE_TARGET)}/s for ${live.seconds.length} s); slowest second ${fmt(minRate(live))}`,
  );
  row("lag p50 (median of per-second p50)", `${ms(windowLag(live.seconds)?.p50)} ms`, `${ms(windowLag(raw.seconds)?.p50)} ms`, "tracker ingest − sandbox write");
  row("lag p99 (all events)", `${ms(live.summary.lag?.p99)} ms`, `${ms(raw.summary.lag?.p99)} ms`, `${fmt(live.summary.lag?.n ?? 0)} / ${fmt(raw.summary.lag?.n ?? 0)} stamped events`);
  row("lag p50 (all events)", `${ms(live.summary.lag?.p50)} ms`, `${ms(raw.summary.lag?.p50)} ms`, "");
  row("lag max", `${ms(live.summary.lag?.max)} ms`, `${ms(raw.summary.lag?.max)} ms`, "");
  row("lag p99 (median of per-second p99)", `${ms(windowLag(live.seconds)?.p99)} ms`, `${ms(windowLag(raw.seconds)?.p99)} ms`, "");
  row("  same, first 10 s → last 10 s", `${ms(liveFirst?.p99)} → ${ms(liveLast?.p99)} ms`, `${ms(rawFirst?.p99)} → ${ms(windowLag(raw.seconds.slice(-10))?.p99)} ms`, `${grows ? "GROWS" : "steady (no growth)"}; max ${ms(liveFirst?.max)} → ${ms(liveLast?.max)} ms`);
  row("CPU of the process (one core = 100%)", `${fmt(cpu(live))} %`, `${fmt(cpu(raw))} %`, "sandbox + churn run in a third process");
  row("backlog drained after churn stopped", `${fmt(live.drainMs)} ms`, `${fmt(raw.drainMs)} ms`, `${fmt(live.emitted)} / ${fmt(raw.emitted)} stamped updates sent`);
  row("terminations → records", `${fmt(live.deletes)} → ${fmt(live.summary.records)}`, "-", "graceful deletes during churn; records written by the sink");
  const cp = live.summary.checkpoint;
  if (cp) {
    row("checkpoint commits (every 2 s)", fmt(cp.commits), "-", `${fmt(cp.failures)} failed; records + tracker state + resourceVersions in one transaction`);
    row("checkpoint commit time last / max", `${ms(cp.lastCommitMs)} / ${ms(cp.maxCommitMs)} ms`, "-", `tracker state ${fmt(cp.stateBytes / 1024, 1)} KiB (JSON) at the last commit`);
  } else {
    row("checkpointing", "off", "-", "DATABASE_URL unset: records counted by a sink writing nowhere");
  }

  const headers = ["live ingest (sandbox)", "drainwatch", "raw watch+JSON.parse", "verdict / note"];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  console.log(`\ndrainwatch live bench: ${fmt(pods)} pods, ${rate} pod updates/s + ${deletes} terminations/s, ${seconds} s (reference ${refSeconds} s), node ${process.version}`);
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(`total ${fmt((performance.now() - started) / 1000, 1)} s`);

  await mkdir(path.dirname(OUT), { recursive: true });
  await writeFile(
    OUT,
    JSON.stringify({ pods, rate, deletes, seconds, refSeconds, idle, live: { ...live, grows, eventsPerSec: lr, first10: liveFirst, last10: liveLast }, raw }, null, 2) + "\n",
  );
  note(`results written to ${OUT}`);
}

const roleAt = process.argv.indexOf("--role");
if (roleAt >= 0) {
  const role = process.argv[roleAt + 1];
  const url = process.argv[roleAt + 2]!;
  const run = role === "ingest" ? ingestChild(url) : role === "idle" ? idleChild() : rawChild(url);
  run.catch((e: unknown) => {
    process.send?.({ type: "error", message: String(e) });
    setTimeout(() => process.exit(1), 50);
  });
} else {
  await main();
  process.exit(0);
}
