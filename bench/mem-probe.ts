// temporary probe (not committed)
import { processEnv } from "../lib/env.ts";
const MiB = 1024 * 1024;
const g = (): void => (globalThis as { gc?: () => void }).gc?.();
const show = (label: string): void => {
  g();
  const m = process.memoryUsage();
  console.log(`${label}: rss ${(m.rss / MiB).toFixed(0)} heapUsed ${(m.heapUsed / MiB).toFixed(0)} heapTotal ${(m.heapTotal / MiB).toFixed(0)} external ${(m.external / MiB).toFixed(0)} ab ${(m.arrayBuffers / MiB).toFixed(0)}`);
};
show("start");
await Promise.all([import("@kubernetes/client-node"), import("pino"), import("../lib/ingest/live.ts"), import("../lib/ingest/store-sink.ts"), import("../lib/metrics/registry.ts")]);
show("live modules");
const [{ openStore, migrate }, { claimCheckpoint, commitCheckpoint }] = await Promise.all([import("../lib/store/index.ts"), import("../lib/store/checkpoint.ts")]);
show("store modules");
const store = await openStore({ databaseUrl: processEnv().DATABASE_URL! });
show("openStore");
await migrate(store);
show("migrate");
await store.ping();
show("ping");
const claim = await claimCheckpoint("probe", store);
show("claim");
if (processEnv().PROBE_PG) {
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: processEnv().DATABASE_URL!, max: 1 });
  const big = { entries: Array.from({ length: 3000 }, (_, i) => ({ uid: `uid-${i}-${"x".repeat(150)}` })) };
  for (let i = 0; i < 60; i++) {
    const c = await pool.connect();
    await c.query("BEGIN");
    await c.query("SELECT epoch FROM ingest_checkpoints WHERE cluster = $1 FOR UPDATE", ["probe"]);
    await c.query("UPDATE ingest_checkpoints SET tracker = $2::jsonb, positions = $3::jsonb, written_at = now() WHERE cluster = $1", ["probe", JSON.stringify(big), "{}"]);
    await c.query("COMMIT");
    c.release();
  }
  show("60 pg commits");
  process.exit(0);
}
const big = { entries: Array.from({ length: 3000 }, (_, i) => ({ uid: `uid-${i}-${"x".repeat(150)}` })) };
for (let i = 0; i < 20; i++) await commitCheckpoint("probe", claim.epoch, { tracker: big, positions: {} }, [], store);
show(`20 commits of ${(JSON.stringify(big).length / 1024).toFixed(0)} KiB`);
for (let i = 0; i < 40; i++) await commitCheckpoint("probe", claim.epoch, { tracker: big, positions: {} }, [], store);
show(`60 commits`);
process.exit(0);
