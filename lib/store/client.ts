// The one module that constructs the Prisma client and its driver (pg Pool or embedded PGlite).
// Everything else in lib/store imports generated types with `import type` only.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaClient } from "./generated/prisma/client";
import type { Pool } from "pg";
import type { OpenStoreOptions, RawTx, Store } from "./types";

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const databaseUrl = opts.databaseUrl;
  if (databaseUrl) return openPostgres(databaseUrl, opts.poolSize ?? 10);
  // The data dir is a setting, not a file of this program: keep Next's file tracing off it.
  return openPGlite(path.join(path.resolve(/* turbopackIgnore: true */ opts.dataDir ?? ".drainwatch"), "pglite"));
}

async function openPostgres(databaseUrl: string, max: number): Promise<Store> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  // A database that stops answering (a partition, not a refused connection) must surface as an
  // error the writer retries, not as a connect or an idle socket that hangs until the kernel gives up.
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 10_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // An idle client that loses its server (restart, failover) must not crash the process.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    prisma,
    kind: "postgres",
    databaseUrl,
    ping: () => ping(prisma),
    driverTransaction: (fn, timeoutMs) => driverTransaction(pool, fn, timeoutMs),
    close() {
      closed ??= (async () => {
        await prisma.$disconnect().catch(() => {});
        await pool.end().catch(() => {});
      })();
      return closed;
    },
  };
}

async function openPGlite(dir: string): Promise<Store> {
  mkdirSync(dir, { recursive: true });
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  const db = await PGlite.create(dir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  let closed: Promise<void> | undefined;
  return {
    prisma,
    kind: "pglite",
    pglite: db,
    ping: () => ping(prisma),
    close() {
      closed ??= (async () => {
        await prisma.$disconnect().catch(() => {});
        if (!db.closed) await db.close();
      })();
      return closed;
    },
  };
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRawUnsafe("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

/** BEGIN … COMMIT on one pooled connection; ROLLBACK on any error (a connection that fails even that is discarded). */
async function driverTransaction<T>(pool: Pool, fn: (tx: RawTx) => Promise<T>, timeoutMs: number): Promise<T> {
  const client = await pool.connect();
  let discard = false;
  try {
    await client.query("BEGIN");
    // As Prisma's transaction timeout: no statement of it holds the row lock for longer.
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const tx: RawTx = {
      $queryRawUnsafe: async <R>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as R,
      $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await client.query(query, values)).rowCount ?? 0,
    };
    const out = await fn(tx);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      discard = true;
    });
    throw err;
  } finally {
    client.release(discard);
  }
}
