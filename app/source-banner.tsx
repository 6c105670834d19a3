// Says where the terminations on the page come from. The sandbox cluster must never be mistaken
// for a real one: its pods, deletions and exits are simulated.
import { sourceInfo } from "../lib/source-info.ts";

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
