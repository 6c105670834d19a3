// Prisma CLI configuration (used by `prisma generate`; migrations are applied by lib/store/migrate.ts
// through the WASM schema engine, never by the native `prisma migrate` binary, which needs network).
import { defineConfig, env } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ? env("DATABASE_URL") : "postgresql://localhost/unused" },
});
