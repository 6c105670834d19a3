// Says where the terminations on the page come from. The sandbox cluster must never be mistaken
// for a real one: its pods, deletions and exits are simulated.
import { metricsSourceInfo, sourceInfo } from "../lib/source-info.ts";
import { openStoreKind } from "../lib/store/queries.ts";

export function SourceBanner() {
  const source = sourceInfo();
  if (source.kind !== "sandbox") return null;
  return (
    <div className="notice sandbox" role="status" data-testid="sandbox-banner">
      <strong>Sandbox cluster — simulated data.</strong> drainwatch watches its built-in sandbox (scenario{" "}
      <code>{source.scenario}</code>, cluster <code>sandbox</code>): the pods and terminations below are simulated,
      not from a real cluster. Set <code>KUBECONFIG</code> or run drainwatch in a cluster to record real
      terminations.
    </div>
  );
}

/** The header's one-line statement of the data source and the metrics source. */
export function SourceLine() {
  const source = sourceInfo();
  const metrics = metricsSourceInfo();
  const data =
    source.kind === "sandbox"
      ? "sandbox (simulated)"
      : source.kind === "kubernetes"
        ? `cluster ${source.server}`
        : "read-only (no ingest here)";
  const traffic =
    metrics.kind === "none" ? "no metrics source" : metrics.sandbox ? "sandbox metrics (simulated clients)" : `metrics: Prometheus (${metrics.source})`;
  const kind = openStoreKind();
  const store = kind === "pglite" ? "embedded database" : kind === "postgres" ? "PostgreSQL" : "store not open";
  const line = `${data} · ${store} · ${traffic}`;
  return (
    <span className="source" data-testid="source-line" title={line}>
      {line}
    </span>
  );
}
