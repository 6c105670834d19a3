// Applies prisma/migrations like `prisma migrate deploy` (same _prisma_migrations table and sha256
// checksums), through the WASM schema engine. On a Postgres server, a session advisory lock held on
// a dedicated connection serializes replicas that start together: the second waits, then finds
// nothing left to apply.
import { createSchemaEngine, migrationsDir as defaultMigrationsDir, NO_FILTERS, projectPrismaDir, readMigrationList } from "./schema-engine";
import type { Store } from "./types";
import { DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { PrismaPg as PrismaPgFactory } from "@prisma/adapter-pg";
import type { Client as PgClient, Pool as PgPool } from "pg";

/** pg_advisory_lock key for drainwatch migrations ("drnw"); distinct from Prisma's own 72707369. */
export const MIGRATION_LOCK_KEY = 0x64726e77;

export interface MigrateOptions {
  /** Defaults to prisma/migrations of this checkout (or of `prismaDir`). */
  migrationsDir?: string;
  /** DRAINWATCH_PRISMA_DIR: where prisma/ is when it is not beside the program. */
  prismaDir?: string;
  /** How long to wait for another process's migration before giving up (default 10 min). */
  lockTimeoutMs?: number;
}

export async function migrate(store: Store, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const migrationsList = readMigrationList(opts.migrationsDir ?? defaultMigrationsDir(projectPrismaDir(opts.prismaDir)));
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`no migrations found in ${migrationsList.baseDir}`);
  }

  if (store.kind === "pglite") {
    if (!store.pglite) throw new Error("pglite store without its database");
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    return apply(new PrismaPGlite(store.pglite), migrationsList);
  }

  if (!store.databaseUrl) throw new Error("postgres store without a databaseUrl");
  const { default: pg } = await import("pg");
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const lockClient = new pg.Client({ connectionString: store.databaseUrl });
  lockClient.on("error", () => {});
  await lockClient.connect();
  try {
    await lockClient.query(`SET lock_timeout = ${Math.max(1, Math.floor(opts.lockTimeoutMs ?? 600_000))}`);
    await lockClient.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      // Every start of every replica comes here: when the database already has every migration,
      // the schema engine (WASM, ~16 MiB RSS for the life of the process) is not loaded at all.
      if (await allApplied(lockClient, migrationsList)) return { applied: [] };
      // One connection for the engine: its own advisory lock/unlock must land on the same session.
      const pool = new pg.Pool({ connectionString: store.databaseUrl, max: 1 });
      pool.on("error", () => {});
      try {
        return await apply(wholeScripts(new PrismaPg(pool), pool), migrationsList);
      } finally {
        await pool.end().catch(() => {});
      }
    } finally {
      await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await lockClient.end().catch(() => {});
  }
}

/**
 * True when `_prisma_migrations` records every local migration as finished (and not rolled back)
 * and holds no failed one: then `migrate deploy` has nothing to apply. Anything else (no table, a
 * new directory, a failed migration, an unreadable file) is the engine's to apply or report.
 */
async function allApplied(client: PgClient, list: ReturnType<typeof readMigrationList>): Promise<boolean> {
  if (list.migrationDirectories.some((d) => d.migrationFile.content.tag !== "ok")) return false;
  const table = await client.query<{ present: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return false;
  const rows = await client.query<{ name: string; finished: boolean; rolled_back: boolean }>(
    "SELECT migration_name AS name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations",
  );
  if (rows.rows.some((r) => !r.finished && !r.rolled_back)) return false;
  const done = new Set(rows.rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.name));
  return list.migrationDirectories.every((d) => done.has(d.path));
}

/**
 * The pg driver adapter cuts a migration script at every ";", function bodies included, and sends
 * the pieces one by one. Postgres is sent the script whole instead, as `prisma migrate deploy` does:
 * dollar-quoted bodies stay intact and the script runs as one implicit transaction.
 */
function wholeScripts(factory: PrismaPgFactory, pool: PgPool): SqlMigrationAwareDriverAdapterFactory {
  const wrap = async (adapter: SqlDriverAdapter): Promise<SqlDriverAdapter> => {
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (err) {
        throw asAdapterError(err);
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wrap(await factory.connect()),
    connectToShadowDb: async () => wrap(await factory.connectToShadowDb()),
  };
}

/** A Postgres error as the engine expects it from a driver adapter (its message reaches migrate's error). */
function asAdapterError(err: unknown): unknown {
  if (!(err instanceof Error) || !("code" in err) || typeof err.code !== "string" || !("severity" in err)) return err;
  const field = (k: string): string | undefined => {
    const v: unknown = (err as unknown as Record<string, unknown>)[k];
    return typeof v === "string" ? v : undefined;
  };
  return new DriverAdapterError({
    kind: "postgres",
    code: err.code,
    severity: field("severity") ?? "ERROR",
    message: err.message,
    detail: field("detail"),
    column: field("column"),
    hint: field("hint"),
  });
}

async function apply(
  factory: Parameters<typeof createSchemaEngine>[0],
  migrationsList: ReturnType<typeof readMigrationList>,
): Promise<{ applied: string[] }> {
  // applyMigrations does not look at the models; a bare datasource avoids reading schema.prisma,
  // which a deployed image may not ship (the engine needs at least one file).
  const engine = await createSchemaEngine(factory, {
    datamodels: [["schema.prisma", 'datasource db {\n  provider = "postgresql"\n}\n']],
  });
  try {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: out.appliedMigrationNames };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`migrate: ${message.split("\n")[0]}`, { cause: err });
  } finally {
    engine.free();
  }
}
