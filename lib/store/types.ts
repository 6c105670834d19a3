// Types shared by the store modules. Type-only imports of the generated client, so that modules
// importing this file (and Next pages reading through lib/store) never bundle a driver.
import type { PrismaClient } from "./generated/prisma/client";

export type StoreKind = "postgres" | "pglite";

export interface Store {
  readonly prisma: PrismaClient;
  readonly kind: StoreKind;
  /** Disconnects Prisma and closes the pool / embedded database. Safe to call twice. */
  close(): Promise<void>;
  /** `SELECT 1` through Prisma; false (never a throw) when the database is unreachable. */
  ping(): Promise<boolean>;
  /** Postgres connection string (kind "postgres"): migrate() opens its own connections with it. */
  readonly databaseUrl?: string;
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
