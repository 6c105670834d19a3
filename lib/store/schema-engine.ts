// Prisma's WASM schema engine (@prisma/schema-engine-wasm), loaded by hand so that it runs on plain
// Node (no --experimental-wasm-modules) and under tsx/vitest: the package's own entry imports the
// .wasm file as an ES module, which Node 20 cannot do. We instantiate schema_engine_bg.wasm with
// the JS glue module as its import object instead.
//
// This is the only way drainwatch applies or diffs migrations: the native engine binary would need
// network (binaries.prisma.sh).
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type {
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from "@prisma/schema-engine-wasm";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

export type { MigrationList, SchemaEngine };

type Bg = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

let loaded: Promise<Bg> | undefined;

/** Loads and starts the WASM module once per process. */
export function loadSchemaEngineModule(): Promise<Bg> {
  loaded ??= (async () => {
    const bg: Bg = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm"));
    const bytes = readFileSync(path.join(dir, "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start?: () => void };
    (bg as unknown as { __wbg_set_wasm(w: unknown): void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start?.();
    return bg;
  })();
  return loaded;
}

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

/** Where this checkout keeps prisma/: DRAINWATCH_PRISMA_DIR when given, else beside this file, else the working directory. */
export function projectPrismaDir(explicit?: string): string {
  const candidates = [
    explicit,
    safeModuleRelative("../../prisma"),
    path.resolve("prisma"),
  ];
  for (const c of candidates) {
    if (c && existsSync(path.join(c, "schema.prisma"))) return c;
  }
  for (const c of candidates) {
    if (c && existsSync(path.join(c, "migrations"))) return c;
  }
  throw new Error(
    `cannot find the prisma/ directory (looked in ${candidates.filter(Boolean).join(", ")}); set DRAINWATCH_PRISMA_DIR`,
  );
}

function safeModuleRelative(rel: string): string | undefined {
  try {
    const here = fileURLToPath(import.meta.url);
    return path.resolve(path.dirname(here), rel);
  } catch {
    return undefined;
  }
}

export function schemaPath(prismaDir = projectPrismaDir()): string {
  return path.join(prismaDir, "schema.prisma");
}

export function migrationsDir(prismaDir = projectPrismaDir()): string {
  return path.join(prismaDir, "migrations");
}

/** Reads prisma/migrations into the engine's MigrationList shape (what `prisma migrate` sends). */
export function readMigrationList(dir = migrationsDir()): MigrationList {
  const baseDir = path.resolve(dir);
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const entries = existsSync(baseDir)
    ? readdirSync(baseDir)
        .filter((n) => statSync(path.join(baseDir, n)).isDirectory())
        .sort()
    : [];
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: entries.map((name) => {
      const file = path.join(baseDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: "ok" as const, value: readFileSync(file, "utf8") }
            : { tag: "error" as const, value: `${file} does not exist` },
        },
      };
    }),
  };
}

/** The datamodel files the engine should know about ([path, text] pairs). */
export function readDatamodels(file = schemaPath()): [string, string][] {
  return [[file, readFileSync(file, "utf8")]];
}

/**
 * A schema engine bound to one database through a Prisma driver adapter factory
 * (PrismaPg for a Postgres server, PrismaPGlite for the embedded database).
 * Call `engine.free()` when done.
 */
export async function createSchemaEngine(
  factory: SqlMigrationAwareDriverAdapterFactory,
  opts: { datamodels?: [string, string][]; onLog?: (line: string) => void } = {},
): Promise<SchemaEngine> {
  const bg = await loadSchemaEngineModule();
  const datamodels = opts.datamodels ?? readDatamodels();
  const onLog = opts.onLog ?? (() => {});
  return bg.SchemaEngine.new(
    { datamodels },
    (line: string) => onLog(line),
    bindMigrationAwareSqlAdapterFactory(factory),
  );
}

export const EMPTY_MIGRATION = "-- This is an empty migration.";

export const MIGRATION_LOCK_TOML = `# Please do not edit this file manually
# It should be added in your version-control system (e.g., Git)
provider = "postgresql"
`;

/** True when a diff script contains no statements. */
export function isEmptyDiff(sql: string | null | undefined): boolean {
  const body = (sql ?? "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("--"))
    .join("");
  return body.trim() === "";
}

/**
 * SQL that takes a database migrated with prisma/migrations to what schema.prisma describes
 * (`prisma migrate diff --from-migrations … --to-schema … --script`). The migrations are replayed
 * on an in-memory PGlite shadow database, so this needs no server. Empty when they agree.
 */
export async function diffMigrationsToSchema(
  opts: { migrations?: MigrationList; schemaFile?: string } = {},
): Promise<string> {
  const schemaFile = opts.schemaFile ?? schemaPath();
  const migrations = opts.migrations ?? readMigrationList(migrationsDir(path.dirname(schemaFile)));
  if (migrations.migrationDirectories.length === 0) return diffWithPGlite({ tag: "empty" }, schemaFile);
  const lockfile = { ...migrations.lockfile, content: migrations.lockfile.content ?? MIGRATION_LOCK_TOML };
  return diffWithPGlite({ tag: "migrations", ...migrations, lockfile }, schemaFile);
}

/** SQL for the whole schema from an empty database (the first migration). */
export async function diffEmptyToSchema(schemaFile = schemaPath()): Promise<string> {
  return diffWithPGlite({ tag: "empty" }, schemaFile);
}

async function diffWithPGlite(
  from: import("@prisma/schema-engine-wasm").DiffTarget,
  schemaFile: string,
): Promise<string> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const db = new PGlite();
  const datamodels = readDatamodels(schemaFile);
  const engine = await createSchemaEngine(new PrismaPGlite(db), { datamodels });
  try {
    const result = await engine.diff({
      from,
      to: {
        tag: "schemaDatamodel",
        files: datamodels.map(([p, content]) => ({ path: p, content })),
      },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = result.stdout ?? "";
    return isEmptyDiff(sql) ? "" : sql;
  } finally {
    engine.free();
    await db.close();
  }
}
