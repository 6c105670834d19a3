// Where this process's terminations come from, for the UI's banner ("sandbox cluster: simulated
// data"). Set by `serve` as soon as it knows, before the store opens; process-wide (see remember).
import { remember } from "./remember.ts";

export type SourceInfo =
  | {
      /** The built-in sandbox cluster: simulated pods, not a real cluster. */
      kind: "sandbox";
      scenario: string;
      url: string;
    }
  | {
      kind: "kubernetes";
      /** How the kubeconfig was found. */
      from: "kubeconfig-env" | "in-cluster" | "home";
      /** The API server URL. */
      server: string;
    }
  | {
      /** `serve --no-ingest`, or outside serve: this process only reads what others recorded. */
      kind: "none";
    };

const slot = (): { current: SourceInfo } => remember("source-info", () => ({ current: { kind: "none" } as SourceInfo }));

export function sourceInfo(): SourceInfo {
  return slot().current;
}

export function setSourceInfo(source: SourceInfo): void {
  slot().current = source;
}

/** Where requests and 5xx during terminations come from (contract §3 `traffic`), for the UI's
 * "no metrics source" hints. Set by `serve` from its traffic settings; never holds the URL (it may
 * carry credentials). */
export type MetricsSourceInfo =
  /** `sandbox`: the sandbox's built-in query API over its simulated clients (PROMETHEUS_URL unset). */
  { kind: "prometheus"; source: string; sandbox?: boolean } | { kind: "none" };

const metricsSlot = (): { current: MetricsSourceInfo } =>
  remember("metrics-source-info", () => ({ current: { kind: "none" } as MetricsSourceInfo }));

export function metricsSourceInfo(): MetricsSourceInfo {
  return metricsSlot().current;
}

export function setMetricsSourceInfo(info: MetricsSourceInfo): void {
  metricsSlot().current = info;
}
