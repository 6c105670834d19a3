// `drainwatch migrate`: open the configured store, apply pending migrations, print their names.
import type { Settings } from "../env.ts";
import { migrate, openStore } from "../store/index.ts";
import { writeOut } from "./io.ts";

export async function migrateCommand(settings: Settings): Promise<number> {
  const store = await openStore({ databaseUrl: settings.store.DATABASE_URL, dataDir: settings.dataDir });
  try {
    const { applied } = await migrate(store, { prismaDir: settings.store.DRAINWATCH_PRISMA_DIR });
    await writeOut(
      applied.length === 0
        ? `database is up to date (${store.kind})\n`
        : applied.map((name: string) => `applied ${name}\n`).join(""),
    );
  } finally {
    await store.close();
  }
  return 0;
}
