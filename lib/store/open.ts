// Opening the store as the settings describe it, with the migrations applied: what serve's store
// service and the lazily created process-wide store (db.ts) do.
import type { Settings } from "../env.ts";
import { openStore } from "./client.ts";
import { migrate } from "./migrate.ts";
import type { Store } from "./types.ts";

export async function openMigratedStore(settings: Settings): Promise<Store> {
  const store = await openStore({ databaseUrl: settings.store.DATABASE_URL, dataDir: settings.dataDir });
  try {
    await migrate(store, { prismaDir: settings.store.DRAINWATCH_PRISMA_DIR });
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
