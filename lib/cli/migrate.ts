// `drainwatch migrate`: open the configured store, apply pending migrations, print their names.
import { loadConfig, type Config } from "../config.ts";
import { migrate, openStore } from "../store/index.ts";
import { UsageError, writeOut } from "./io.ts";

export async function migrateCommand(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  try {
    const { applied } = await migrate(store);
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
