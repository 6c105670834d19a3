// The traffic section of drainwatch's settings (contract §5), as a zod object over environment
// variable names. Nothing here reads the environment: lib/env.ts folds `trafficSettingsSchema` into
// its sections (its `.shape` drives `serve --help`) and passes the parsed object down; `toTrafficConfig`
// turns that into what the joiner takes. As everywhere: an empty value means unset.
import { z } from "zod";
import type { PresetOptions } from "./presets";
import { parseSelector, SelectorError, type SelectorTemplate } from "./selector";

export const TRAFFIC_SOURCE_SETTINGS = ["istio", "envoy", "ingress-nginx", "custom", "auto"] as const;
export type TrafficSourceSetting = (typeof TRAFFIC_SOURCE_SETTINGS)[number];

function seconds(min: number, max: number) {
  const what = `must be a whole number of seconds from ${min} to ${max}`;
  return z.string().trim().regex(/^\d+$/, what).transform(Number).pipe(z.number().int().min(min, what).max(max, what));
}

/** A custom selector: checked to be a plain series selector, kept as text (parsed again by toTrafficConfig). */
const selector = z.string().superRefine((text, ctx) => {
  try {
    parseSelector(text);
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    ctx.addIssue({ code: "custom", message: `must be a PromQL series selector without functions: ${err.message}` });
  }
});

/** A regex template with placeholders: checked to compile once placeholders are filled in. */
const pattern = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(`^(?:${text.replace(/\$(namespace|workload)/g, "x")})$`);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a regular expression ($namespace and $workload are filled in)" });
  }
});

export const trafficSettingsShape = {
  PROMETHEUS_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .optional()
    .describe("Prometheus HTTP API base for requests and 5xx during terminations; unset: no traffic joiner"),
  DRAINWATCH_TRAFFIC_SOURCE: z
    .enum(TRAFFIC_SOURCE_SETTINGS, { error: `must be one of ${TRAFFIC_SOURCE_SETTINGS.join(", ")}` })
    .default("auto")
    .describe("where requests and 5xx come from: istio, envoy, ingress-nginx, custom, or auto (per workload the first with series, in that order)"),
  DRAINWATCH_TRAFFIC_REQUESTS: selector
    .optional()
    .describe("custom source: PromQL series selector of request counters (all codes), with $namespace and $workload"),
  DRAINWATCH_TRAFFIC_ERRORS: selector
    .optional()
    .describe("custom source: PromQL series selector of 5xx counters, with $namespace and $workload"),
  DRAINWATCH_TRAFFIC_ENVOY_CLUSTER: pattern
    .default("$workload")
    .describe("envoy source: regex of envoy_cluster_name, with $namespace and $workload (filled in regex-quoted)"),
  DRAINWATCH_TRAFFIC_NGINX_SERVICE: pattern
    .default("$workload")
    .describe("ingress-nginx source: regex of the `service` label, with $workload (filled in regex-quoted)"),
  DRAINWATCH_TRAFFIC_TAIL_SECONDS: seconds(0, 3600).default(10).describe("added to the end of each termination window"),
  DRAINWATCH_TRAFFIC_SCRAPE_DELAY_SECONDS: seconds(0, 3600)
    .default(60)
    .describe("how long after a window's end its samples are complete (windows are asked for after that)"),
  DRAINWATCH_TRAFFIC_QUERY_TIMEOUT_SECONDS: seconds(1, 600).default(30).describe("timeout of one Prometheus query"),
  DRAINWATCH_TRAFFIC_RETRY_SECONDS: seconds(1, 3600)
    .default(30)
    .describe("while Prometheus fails, how long until the windows it could not answer are asked for again"),
};

/** The custom source needs both selectors (or neither, when it is not used). */
function bothCustomSelectors(
  s: { DRAINWATCH_TRAFFIC_SOURCE: TrafficSourceSetting; DRAINWATCH_TRAFFIC_REQUESTS?: string; DRAINWATCH_TRAFFIC_ERRORS?: string },
  ctx: z.RefinementCtx,
): void {
  const req = s.DRAINWATCH_TRAFFIC_REQUESTS !== undefined;
  const err = s.DRAINWATCH_TRAFFIC_ERRORS !== undefined;
  if (req !== err) {
    const missing = req ? "DRAINWATCH_TRAFFIC_ERRORS" : "DRAINWATCH_TRAFFIC_REQUESTS";
    ctx.addIssue({ code: "custom", path: [missing], message: "the custom source needs both DRAINWATCH_TRAFFIC_REQUESTS and DRAINWATCH_TRAFFIC_ERRORS" });
  } else if (!req && s.DRAINWATCH_TRAFFIC_SOURCE === "custom") {
    ctx.addIssue({ code: "custom", path: ["DRAINWATCH_TRAFFIC_REQUESTS"], message: "DRAINWATCH_TRAFFIC_SOURCE=custom needs DRAINWATCH_TRAFFIC_REQUESTS and DRAINWATCH_TRAFFIC_ERRORS" });
  }
}

/** The section; `.shape` lists the variables (for --help), the refinement checks the custom pair. */
export const trafficSettingsSchema = z.object(trafficSettingsShape).superRefine(bothCustomSelectors);

export type TrafficSettings = z.infer<typeof trafficSettingsSchema>;

/** Parses the section from an environment-like map; empty values are unset. Throws ZodError. */
export function parseTrafficSettings(env: Readonly<Record<string, string | undefined>>): TrafficSettings {
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") given[k] = v;
  return trafficSettingsSchema.parse(given);
}

/** What the joiner needs, from the parsed section. */
export interface TrafficConfig {
  readonly source: TrafficSourceSetting;
  readonly tailSeconds: number;
  readonly scrapeDelaySeconds: number;
  readonly retrySeconds: number;
  readonly presets: PresetOptions;
}

export function toTrafficConfig(s: TrafficSettings): TrafficConfig {
  let custom: { requests: SelectorTemplate; errors: SelectorTemplate } | null = null;
  if (s.DRAINWATCH_TRAFFIC_REQUESTS !== undefined && s.DRAINWATCH_TRAFFIC_ERRORS !== undefined) {
    custom = { requests: parseSelector(s.DRAINWATCH_TRAFFIC_REQUESTS), errors: parseSelector(s.DRAINWATCH_TRAFFIC_ERRORS) };
  }
  return {
    source: s.DRAINWATCH_TRAFFIC_SOURCE,
    tailSeconds: s.DRAINWATCH_TRAFFIC_TAIL_SECONDS,
    scrapeDelaySeconds: s.DRAINWATCH_TRAFFIC_SCRAPE_DELAY_SECONDS,
    retrySeconds: s.DRAINWATCH_TRAFFIC_RETRY_SECONDS,
    presets: {
      envoyCluster: s.DRAINWATCH_TRAFFIC_ENVOY_CLUSTER,
      nginxService: s.DRAINWATCH_TRAFFIC_NGINX_SERVICE,
      custom,
    },
  };
}
