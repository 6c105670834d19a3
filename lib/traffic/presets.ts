// The metrics sources of contract §5: which counter series hold a workload's requests and 5xx.
//
// For the presets, the 5xx series are the requests series narrowed by a code matcher, so one
// query fetches both: the matcher is applied to each returned series' labels in memory (the same
// test Prometheus would apply: `5..` fully anchored, `envoy_response_code_class="5"`). That halves
// the queries and the samples transferred. `custom` has two independent selectors, so two queries.
import { parseSelector, renderSelector, type Placeholders, type SelectorTemplate } from "./selector";

export const TRAFFIC_SOURCES = ["istio", "envoy", "ingress-nginx", "custom"] as const;
export type TrafficSource = (typeof TRAFFIC_SOURCES)[number];

/** The order `auto` tries (custom only when configured). */
export const AUTO_ORDER: readonly TrafficSource[] = TRAFFIC_SOURCES;

export type Labels = Readonly<Record<string, string>>;

/** One query: every series it returns counts as requests, as 5xx, or as requests and (if isError) 5xx. */
export interface SeriesQuery {
  readonly selector: string;
  readonly counts: "requests" | "errors" | "both";
}

export interface QueryPlan {
  readonly source: TrafficSource;
  /** Disjoint selectors: no series is returned by two of them, so their counts add up. */
  readonly queries: readonly SeriesQuery[];
  /** For `both` queries: is this requests series also a 5xx series? */
  readonly isError: (labels: Labels) => boolean;
}

export interface PresetOptions {
  /** Envoy cluster name regex; `$namespace`/`$workload` are filled in regex-quoted. */
  readonly envoyCluster: string;
  /** ingress-nginx `service` label regex; `$workload`/`$namespace` filled in regex-quoted. */
  readonly nginxService: string;
  /** Both custom selectors, parsed; null when `custom` is not configured. */
  readonly custom: { readonly requests: SelectorTemplate; readonly errors: SelectorTemplate } | null;
}

const FIVE_XX = /^5..$/;

const ISTIO: SelectorTemplate = parseSelector(
  'istio_requests_total{reporter="source",destination_workload="$workload",destination_workload_namespace="$namespace"}',
);

function envoy(pattern: string): SelectorTemplate {
  return { name: "envoy_cluster_upstream_rq_xx", matchers: [{ label: "envoy_cluster_name", op: "=~", value: pattern }] };
}

/**
 * ingress-nginx labels each request with the Ingress's namespace as `namespace`. A scrape without
 * honor_labels (the usual ServiceMonitor/PodMonitor) renames that to `exported_namespace` and sets
 * `namespace` to the controller's; a scrape with honor_labels keeps it as `namespace` and has no
 * `exported_namespace`. Both layouts are asked for, as two disjoint selectors: a series with
 * `exported_namespace` is matched on it alone, one without it (`exported_namespace=""` matches an
 * absent label) on `namespace`. So the controller's own namespace is never taken for the Ingress's.
 */
function nginx(pattern: string): SelectorTemplate[] {
  const name = "nginx_ingress_controller_requests";
  const service = { label: "service", op: "=~", value: pattern } as const;
  return [
    { name, matchers: [{ label: "exported_namespace", op: "=", value: "$namespace" }, service] },
    {
      name,
      matchers: [{ label: "exported_namespace", op: "=", value: "" }, { label: "namespace", op: "=", value: "$namespace" }, service],
    },
  ];
}

/** Can `source` be used with these options (custom needs its two selectors)? */
export function isConfigured(source: TrafficSource, opts: PresetOptions): boolean {
  return source !== "custom" || opts.custom !== null;
}

/** What to ask Prometheus for one workload under one source. */
export function planFor(source: TrafficSource, target: Placeholders, opts: PresetOptions): QueryPlan {
  switch (source) {
    case "istio":
      return {
        source,
        queries: [{ selector: renderSelector(ISTIO, target), counts: "both" }],
        isError: (l) => FIVE_XX.test(l.response_code ?? ""),
      };
    case "envoy":
      return {
        source,
        queries: [{ selector: renderSelector(envoy(opts.envoyCluster), target), counts: "both" }],
        isError: (l) => l.envoy_response_code_class === "5",
      };
    case "ingress-nginx":
      return {
        source,
        queries: nginx(opts.nginxService).map((t) => ({ selector: renderSelector(t, target), counts: "both" as const })),
        isError: (l) => FIVE_XX.test(l.status ?? ""),
      };
    case "custom": {
      if (!opts.custom) throw new Error("the custom traffic source needs DRAINWATCH_TRAFFIC_REQUESTS and DRAINWATCH_TRAFFIC_ERRORS");
      return {
        source,
        queries: [
          { selector: renderSelector(opts.custom.requests, target), counts: "requests" },
          { selector: renderSelector(opts.custom.errors, target), counts: "errors" },
        ],
        isError: () => false,
      };
    }
  }
}
