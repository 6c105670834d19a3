// Types shared by the store modules. Type-only imports of the generated client, so that modules
// importing this file (and Next pages reading through lib/store) never bundle a driver.
import type { PrismaClient } from "./generated/prisma/client";

export type StoreKind = "postgres" | "pglite";

/** Raw statements on one connection: a Prisma interactive transaction, or a driver transaction. */
export interface RawTx {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface Store {
  readonly prisma: PrismaClient;
  readonly kind: StoreKind;
  /** Disconnects Prisma and closes the pool / embedded database. Safe to call twice. */
  close(): Promise<void>;
  /** `SELECT 1` through Prisma; false (never a throw) when the database is unreachable. */
  ping(): Promise<boolean>;
  /** Postgres connection string (kind "postgres"): migrate() opens its own connections with it. */
  readonly databaseUrl?: string;
  /**
   * Kind "postgres": `fn` in a transaction on one pooled connection, its statements sent by pg
   * itself, not through Prisma's query engine. For the live ingest's checkpoint (half a MiB of JSON
   * every 2 s at 100,000 pods): the engine's WASM memory and copies grow with such parameters and
   * the first query through Prisma loads its query compiler (~50 MiB RSS), which an ingest-only
   * process does not otherwise need. Results are pg's: int8 as strings, json parsed.
   */
  driverTransaction?<T>(fn: (tx: RawTx) => Promise<T>, timeoutMs: number): Promise<T>;
  /** The embedded database (kind "pglite"), for the schema engine. */
  readonly pglite?: import("@electric-sql/pglite").PGlite;
}

export interface OpenStoreOptions {
  /** Postgres connection string; without it, an embedded PGlite in `<dataDir>/pglite`. */
  databaseUrl?: string;
  /** DRAINWATCH_DATA_DIR (default ./.drainwatch). */
  dataDir?: string;
  /** Max connections of the pg pool (default 10). */
  poolSize?: number;
}
