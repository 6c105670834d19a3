// Test databases: one fresh database per test file on the server named by DATABASE_URL (test/run.sh
// starts a throwaway Postgres and exports it). Tests never skip silently without it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore } from "../../lib/store/client";
import { migrate } from "../../lib/store/migrate";
import type { Store } from "../../lib/store/types";
import { processEnv } from "../../lib/env.ts";

export function serverUrl(): string {
  const url = processEnv().DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set: store tests need a Postgres server (run them through `npm test`, " +
        "which starts one, or export DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres)",
    );
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(serverUrl(), "postgres") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates a uniquely named, empty database; `drop()` removes it (closing leftover sessions). */
export async function freshDatabase(prefix = "dw"): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** A fresh database with the migrations applied and a store open on it. */
export async function migratedStore(): Promise<{ store: Store; url: string; cleanup(): Promise<void> }> {
  const db = await freshDatabase();
  const store = await openStore({ databaseUrl: db.url });
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    await db.drop();
    throw err;
  }
  return {
    store,
    url: db.url,
    async cleanup() {
      await store.close();
      await db.drop();
    },
  };
}

/** Runs one query on its own connection (for inspecting rows, xmin, catalogs). */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}
