// Where `serve` ingests from. A configured cluster (KUBECONFIG, in-cluster, ~/.kube/config) wins;
// the sandbox cluster (simulated data) runs only when asked for (--sandbox) or in the fully
// embedded mode (no DATABASE_URL and no cluster), so simulated terminations never land in a real
// database by accident. A KUBECONFIG that is set but unusable is a usage error (exit 2).
import type { KubeConfig } from "@kubernetes/client-node";
import { UsageError } from "../cli/io.ts";
import type { Settings } from "../env.ts";
import type { SourceInfo } from "../source-info.ts";
import { KubeConfigError, loadKubeConfig } from "../sources/live/kubeconfig.ts";

/** Records from the sandbox are stamped with this cluster name, whatever DRAINWATCH_CLUSTER says. */
export const SANDBOX_CLUSTER = "sandbox";

export type IngestSource =
  | { kind: "kubernetes"; kubeConfig: KubeConfig; info: SourceInfo }
  | { kind: "sandbox" }
  | { kind: "none" };

export function resolveIngestSource(settings: Settings, opts: { ingest: boolean; sandbox: boolean }): IngestSource {
  if (!opts.ingest) return { kind: "none" };
  if (opts.sandbox) return { kind: "sandbox" };
  let found;
  try {
    found = loadKubeConfig({ env: settings.ingest });
  } catch (err) {
    if (err instanceof KubeConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (found) {
    const server = found.kubeConfig.getCurrentCluster()?.server ?? "";
    return { kind: "kubernetes", kubeConfig: found.kubeConfig, info: { kind: "kubernetes", from: found.from, server } };
  }
  if (settings.store.DATABASE_URL === undefined) return { kind: "sandbox" };
  throw new UsageError(
    "serve: no cluster to watch (KUBECONFIG unset, not in a cluster, no ~/.kube/config) and DATABASE_URL is set: " +
      "set KUBECONFIG, pass --sandbox to record simulated data, or --no-ingest to serve the UI only",
  );
}
