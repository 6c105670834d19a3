// `drainwatch config check`: the environment is valid when this prints (the CLI entry parsed it
// already and exits 2 naming a bad setting); it also says what serve would connect to, and starts
// nothing.
import type { Settings } from "../env.ts";
import { writeOut } from "./io.ts";

export async function configCheck(settings: Settings): Promise<number> {
  const redacted = (url: string | undefined): string => {
    if (url === undefined) return `unset (embedded database in ${settings.dataDir})`;
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  };
  const lines = [
    "settings ok",
    `database: ${redacted(settings.store.DATABASE_URL)}`,
    `cluster name: ${settings.ingest.DRAINWATCH_CLUSTER}`,
    `kubeconfig: ${settings.ingest.KUBECONFIG ?? (settings.ingest.KUBERNETES_SERVICE_HOST ? "in-cluster" : "~/.kube/config if present")}`,
    `namespaces: ${settings.ingest.DRAINWATCH_NAMESPACES.length > 0 ? settings.ingest.DRAINWATCH_NAMESPACES.join(",") : "all"}`,
    `metrics source: ${settings.traffic.PROMETHEUS_URL ?? "none"}`,
    `listen: ${settings.server.HOST}:${settings.server.PORT}`,
  ];
  await writeOut(lines.join("\n") + "\n");
  return 0;
}
