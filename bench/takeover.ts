// Benchmark: time from the leader's SIGKILL to the first record written by its successor.
//
//   DATABASE_URL=… node --import tsx bench/takeover.ts
//
// The sandbox (1,000 running pods) with steady graceful deletions (BENCH_TAKEOVER_DELETES/s, 5)
// and two replicas, each a child process running leader-elected live ingest exactly as serve
// does (the Lease with serve's timings for DRAINWATCH_LEASE_DURATION_SECONDS, default 12 s;
// checkpoints every 2 s). Once the leader is writing, it is SIGKILLed; the parent watches the
// database: the successor's claim (epoch + 1), its first committed checkpoint, and the first
// termination row inserted after the kill. BENCH_TAKEOVER_ROUNDS (2) kills in a row, alternating.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { processEnv } from "../lib/env.ts";

const HERE = fileURLToPath(import.meta.url);
const CLUSTER = "takeover";

async function child(url: string, databaseUrl: string): Promise<void> {
  const [{ KubeConfig }, { pino }, { startLeaderIngest }, store, { createMetrics }] = await Promise.all([
    import("@kubernetes/client-node"),
    import("pino"),
    import("../lib/ingest/leader-ingest.ts"),
    import("../lib/store/index.ts"),
    import("../lib/metrics/registry.ts"),
  ]);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "sandbox", server: url, skipTLSVerify: true }],
    users: [{ name: "sandbox" }],
    contexts: [{ name: "sandbox", cluster: "sandbox", user: "sandbox" }],
    currentContext: "sandbox",
  });
  const db = await store.openStore({ databaseUrl });
  const leaseMs = Number(processEnv().BENCH_TAKEOVER_LEASE_SECONDS ?? 12) * 1000;
  const li = startLeaderIngest({
    cluster: CLUSTER,
    kubeConfig: kc,
    metrics: createMetrics(),
    log: pino({ level: processEnv().BENCH_TAKEOVER_LOG ?? "silent" }),
    checkpointing: {
      store: {
        claim: (c) => store.claimCheckpoint(c, db),
        commit: async (c, epoch, state, records) => void (await store.commitCheckpoint(c, epoch, state, records, db)),
        newestRecordTime: (c) => store.newestRecordTime(c, db),
        ping: () => db.ping(),
      },
      intervalMs: 2000,
      onGap: async () => undefined,
    },
    lease: {
      namespace: "default",
      leaseDurationMs: leaseMs,
      renewIntervalMs: Math.round(leaseMs / 3),
      renewDeadlineMs: Math.round((leaseMs * 2) / 3),
      retryIntervalMs: Math.round(Math.min(2_000, leaseMs / 7.5)),
    },
  });
  setInterval(() => process.send!({ leader: li.isLeader() }), 100);
}

async function main(): Promise<void> {
  const databaseUrl = processEnv().DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL must name a Postgres");
  const rounds = Number(processEnv().BENCH_TAKEOVER_ROUNDS ?? 2);
  const deletes = Number(processEnv().BENCH_TAKEOVER_DELETES ?? 5);
  const [{ startSandbox }, { bulkScenario, startChurn }, { migrate, openStore }] = await Promise.all([
    import("../lib/sandbox/index.ts"),
    import("./load.ts"),
    import("../lib/store/index.ts"),
  ]);
  const s = await openStore({ databaseUrl });
  await migrate(s);
  await s.close();
  const sb = await startSandbox({ scenario: bulkScenario({ workloads: 10, replicas: 100, terminationGracePeriodSeconds: 5, drainSeconds: 1 }), timeScale: 1 });
  const q = new pg.Client({ connectionString: databaseUrl });
  await q.connect();
  const one = async <T>(text: string): Promise<T> => (await q.query(text, [CLUSTER])).rows[0] as T;
  const loader = HERE.endsWith(".ts") ? ["--import", "tsx"] : [];
  const leading = new Map<ChildProcess, boolean>();
  const spawnReplica = (): ChildProcess => {
    const c = fork(HERE, ["--role", "child", sb.url, databaseUrl], { execArgv: loader, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    c.on("message", (m: { leader: boolean }) => leading.set(c, m.leader));
    return c;
  };
  const replicas = [spawnReplica(), spawnReplica()];
  const churn = startChurn(sb.driver, { updatesPerSecond: 50, deletesPerSecond: deletes, gracePeriodSeconds: 2 });
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const until = async (cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await sleep(20);
    }
  };
  const rows = async (): Promise<number> => Number((await one<{ n: string }>(`SELECT count(*) AS n FROM terminations t JOIN clusters c ON c.id = t.cluster_id WHERE c.name = $1`)).n);
  const results: { claimS: number; commitS: number; recordS: number }[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      await until(() => replicas.some((r) => leading.get(r) === true), 60_000, "a leader");
      const leader = replicas.find((r) => leading.get(r) === true)!;
      const before = await rows();
      await until(async () => (await rows()) > before, 60_000, "the leader writing records");
      const { epoch } = await one<{ epoch: string }>(`SELECT epoch::text AS epoch FROM ingest_checkpoints WHERE cluster = $1`);
      await sleep(1000);
      leader.kill("SIGKILL");
      const killedAt = Date.now();
      const atKill = await rows();
      let claimS = NaN;
      let commitS = NaN;
      await until(async () => {
        const r = await one<{ epoch: string; written: boolean }>(`SELECT epoch::text AS epoch, written_at > claimed_at AS written FROM ingest_checkpoints WHERE cluster = $1`);
        if (Number.isNaN(claimS) && BigInt(r.epoch) > BigInt(epoch)) claimS = (Date.now() - killedAt) / 1000;
        if (!Number.isNaN(claimS) && Number.isNaN(commitS) && r.written) commitS = (Date.now() - killedAt) / 1000;
        return !Number.isNaN(commitS) && (await rows()) > atKill;
      }, 60_000, "the successor's first record");
      const recordS = (Date.now() - killedAt) / 1000;
      results.push({ claimS, commitS, recordS });
      console.error(`bench takeover: round ${round + 1}: successor claimed after ${claimS.toFixed(2)} s, first checkpoint ${commitS.toFixed(2)} s, first new record ${recordS.toFixed(2)} s`);
      // A new replica takes the killed one's place (as its Deployment would restart it).
      const i = replicas.indexOf(leader);
      leading.delete(leader);
      replicas[i] = spawnReplica();
    }
  } finally {
    churn.stop();
    for (const r of replicas) r.kill("SIGKILL");
    await q.end();
    await sb.close();
  }
  const lease = Number(processEnv().BENCH_TAKEOVER_LEASE_SECONDS ?? 12);
  console.log(`\ndrainwatch takeover bench: lease ${lease} s, ${deletes} terminations/s, ${rounds} SIGKILLs of the leader`);
  console.log("round  successor claimed  first checkpoint  first record written");
  results.forEach((r, i) => console.log(`${String(i + 1).padEnd(5)}  ${r.claimS.toFixed(2).padStart(15)} s  ${r.commitS.toFixed(2).padStart(14)} s  ${r.recordS.toFixed(2).padStart(18)} s`));
  process.exit(0);
}

const roleAt = process.argv.indexOf("--role");
if (roleAt >= 0) {
  await child(process.argv[roleAt + 2]!, process.argv[roleAt + 3]!);
} else {
  await main();
}
