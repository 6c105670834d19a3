// Migration tool for prisma/schema.prisma, built on the WASM schema engine (no network, no server).
//
//   npx tsx scripts/migration-diff.ts                 print the SQL from prisma/migrations to
//                                                     schema.prisma (nothing when they agree; exit 2
//                                                     when they differ, like `migrate diff --exit-code`)
//   npx tsx scripts/migration-diff.ts --create NAME   write it as prisma/migrations/<UTC ts>_NAME/
//                                                     migration.sql (+ migration_lock.toml)
//   npx tsx scripts/migration-diff.ts --from-empty    print the whole schema as SQL
//
// Apply migrations with `migrate()` from lib/store (what `drainwatch migrate` / `serve` call).
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import {
  diffEmptyToSchema,
  diffMigrationsToSchema,
  migrationsDir,
  MIGRATION_LOCK_TOML,
} from "../lib/store/schema-engine";

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--from-empty")) {
    process.stdout.write(await diffEmptyToSchema());
    return 0;
  }
  const createAt = argv.indexOf("--create");
  const sql = await diffMigrationsToSchema();
  if (createAt < 0) {
    if (sql === "") {
      process.stderr.write("prisma/migrations and schema.prisma agree: no changes\n");
      return 0;
    }
    process.stdout.write(sql);
    return 2;
  }
  const name = argv[createAt + 1];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    process.stderr.write("usage: --create NAME (lowercase letters, digits, _)\n");
    return 1;
  }
  if (sql === "") {
    process.stderr.write("no changes: schema.prisma already matches prisma/migrations\n");
    return 0;
  }
  const base = migrationsDir();
  const dir = path.join(base, `${timestamp()}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  const lock = path.join(base, "migration_lock.toml");
  if (!existsSync(lock)) writeFileSync(lock, MIGRATION_LOCK_TOML);
  process.stderr.write(`wrote ${path.relative(process.cwd(), dir)}/migration.sql\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
