// Prisma CLI configuration, used by `prisma generate` only (scripts/generate.sh), which needs no
// database. Migrations are applied by lib/store/migrate.ts through the WASM schema engine, never by
// the native `prisma migrate` binary (it needs the network), and drainwatch's own settings,
// DATABASE_URL included, are read by lib/env.ts alone.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: "postgresql://localhost/unused-by-generate" },
});
