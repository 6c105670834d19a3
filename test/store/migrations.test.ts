// prisma/schema.prisma and prisma/migrations agree, and migrate() behaves like `prisma migrate deploy`
// (plus an advisory lock for replicas starting together).
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../lib/store/client";
import pg from "pg";
import { migrate, MIGRATION_LOCK_KEY } from "../../lib/store/migrate";
import { diffMigrationsToSchema, migrationsDir, readMigrationList, schemaPath } from "../../lib/store/schema-engine";
import { freshDatabase, sql } from "../helpers/db";

describe("schema.prisma vs prisma/migrations", () => {
  it("the migrations produce exactly the schema (empty diff)", { timeout: 120_000 }, async () => {
    const diff = await diffMigrationsToSchema();
    expect(diff, `schema.prisma changed without a migration; run: npx tsx scripts/migration-diff.ts --create <name>\n${diff}`).toBe("");
  });

  it("detects a schema change that has no migration", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dw-schema-"));
    try {
      const edited = readFileSync(schemaPath(), "utf8").replace(
        /model Termination \{\n/,
        "model Termination {\n  addedWithoutMigration String?\n",
      );
      const file = path.join(dir, "schema.prisma");
      writeFileSync(file, edited);
      const diff = await diffMigrationsToSchema({ schemaFile: file, migrations: readMigrationList(migrationsDir()) });
      expect(diff).toMatch(/ALTER TABLE "terminations" ADD COLUMN +"addedWithoutMigration" TEXT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every migration directory has a migration.sql, and the lock file says postgresql", () => {
    const list = readMigrationList();
    expect(list.migrationDirectories.length).toBeGreaterThan(0);
    for (const d of list.migrationDirectories) expect(d.migrationFile.content.tag).toBe("ok");
    expect(list.lockfile.content).toMatch(/provider = "postgresql"/);
  });
});

describe("migrate() on Postgres", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("creates the tables and records each migration with its sha256 checksum", async () => {
    const store = await openStore({ databaseUrl: db.url });
    try {
      const names = readdirSync(migrationsDir(), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
      const { applied } = await migrate(store);
      expect(applied).toEqual(names);

      const tables = await sql<{ table_name: string }>(
        db.url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        "_prisma_migrations",
        "clusters",
        "coverage_gaps",
        "ingest_checkpoints",
        "quarantined_records",
        "revisions",
        "termination_containers",
        "termination_events",
        "terminations",
        "terminations_in_flight",
        "traffic_pending",
        "workload_days",
        "workload_hours",
        "workloads",
      ]);
      const rows = await sql<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
        db.url,
        "SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
      );
      expect(rows.map((r) => r.migration_name)).toEqual(names);
      for (const r of rows) {
        const file = readFileSync(path.join(migrationsDir(), r.migration_name, "migration.sql"));
        expect(r.checksum).toBe(createHash("sha256").update(file).digest("hex"));
        expect(r.finished_at).not.toBeNull();
        expect(r.applied_steps_count).toBe(1);
      }

      // Second run: nothing to do, nothing recorded twice.
      expect(await migrate(store)).toEqual({ applied: [] });
      const again = await sql<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM _prisma_migrations");
      expect(again[0]?.n).toBe(names.length);
    } finally {
      await store.close();
    }
  });

  // A database with every migration skips the schema engine (memory): what it must not skip.
  it("once all are applied: a new migration directory is still applied, and a failed migration is still reported", async () => {
    const store = await openStore({ databaseUrl: db.url });
    const dir = await mkdtemp(path.join(os.tmpdir(), "dw-migrations-"));
    try {
      await cp(migrationsDir(), dir, { recursive: true });
      await mkdir(path.join(dir, "29991231000000_probe"));
      await writeFile(path.join(dir, "29991231000000_probe", "migration.sql"), "CREATE TABLE migrate_probe (id int)\n");
      expect(await migrate(store, { migrationsDir: dir })).toEqual({ applied: ["29991231000000_probe"] });
      expect(await migrate(store, { migrationsDir: dir })).toEqual({ applied: [] });

      await sql(db.url, "UPDATE _prisma_migrations SET finished_at = NULL, logs = 'failed' WHERE migration_name = '29991231000000_probe'");
      await expect(migrate(store, { migrationsDir: dir })).rejects.toThrow(/failed migration/);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("concurrent migrate() (two replicas starting together)", () => {
  it("both succeed and the migrations are applied once", async () => {
    const db = await freshDatabase();
    const a = await openStore({ databaseUrl: db.url });
    const b = await openStore({ databaseUrl: db.url });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = [...ra.applied, ...rb.applied].sort();
      const names = readMigrationList().migrationDirectories.map((d) => d.path);
      // One of them applied everything, the other found nothing left to do.
      expect(all).toEqual(names);
      expect([ra.applied.length, rb.applied.length].sort()).toEqual([0, names.length]);
      const rows = await sql<{ migration_name: string; n: number }>(
        db.url,
        "SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1 ORDER BY 1",
      );
      expect(rows).toEqual(names.map((migration_name) => ({ migration_name, n: 1 })));
      expect(await a.ping()).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

describe("migrate() waits for the drainwatch migration lock", () => {
  it("does nothing while another session holds the advisory lock, then applies", async () => {
    const db = await freshDatabase();
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    const store = await openStore({ databaseUrl: db.url });
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      let done = false;
      const running = migrate(store).finally(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false);
      const tables = await sql(db.url, "SELECT 1 FROM information_schema.tables WHERE table_name = '_prisma_migrations'");
      expect(tables).toHaveLength(0);
      await holder.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      const { applied } = await running;
      expect(applied).toEqual(readMigrationList().migrationDirectories.map((d) => d.path));
    } finally {
      await holder.end();
      await store.close();
      await db.drop();
    }
  });
});
