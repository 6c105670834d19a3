// What the filter dropdowns offer: the clusters and namespaces that have stored terminations.
import { z } from "zod";
import { getStore } from "./db.ts";
import type { Store } from "./types.ts";

const names = z.array(z.object({ name: z.string() }));

/** Cluster names, sorted. */
export async function findClusters(store?: Store): Promise<string[]> {
  const db = await getStore(store);
  const rows = await db.prisma.$queryRawUnsafe<unknown>(`SELECT name FROM clusters ORDER BY name COLLATE "C"`);
  return names.parse(rows).map((r) => r.name);
}

/** Namespaces with workloads (of one cluster, or of all), sorted and distinct. */
export async function findNamespaces(cluster?: string, store?: Store): Promise<string[]> {
  const db = await getStore(store);
  const rows =
    cluster === undefined
      ? await db.prisma.$queryRawUnsafe<unknown>(`SELECT name FROM (SELECT DISTINCT namespace AS name FROM workloads) x ORDER BY name COLLATE "C"`)
      : await db.prisma.$queryRawUnsafe<unknown>(
          `SELECT name FROM (SELECT DISTINCT w.namespace AS name FROM workloads w JOIN clusters c ON c.id = w.cluster_id WHERE c.name = $1) x
           ORDER BY name COLLATE "C"`,
          cluster,
        );
  return names.parse(rows).map((r) => r.name);
}
