import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseTrafficSettings, toTrafficConfig, trafficSettingsSchema } from "../../lib/traffic/settings";

function issue(env: Record<string, string>): { variable: string; message: string } {
  try {
    parseTrafficSettings(env);
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    return { variable: String(err.issues[0]!.path[0]), message: err.issues[0]!.message };
  }
  throw new Error("expected a validation error");
}

describe("traffic settings", () => {
  it("defaults, with empty values meaning unset", () => {
    const s = parseTrafficSettings({ PROMETHEUS_URL: "", DRAINWATCH_TRAFFIC_TAIL_SECONDS: "", DRAINWATCH_TRAFFIC_SOURCE: "" });
    expect(s).toEqual({
      PROMETHEUS_URL: undefined,
      DRAINWATCH_TRAFFIC_SOURCE: "auto",
      DRAINWATCH_TRAFFIC_REQUESTS: undefined,
      DRAINWATCH_TRAFFIC_ERRORS: undefined,
      DRAINWATCH_TRAFFIC_ENVOY_CLUSTER: "$workload",
      DRAINWATCH_TRAFFIC_NGINX_SERVICE: "$workload",
      DRAINWATCH_TRAFFIC_TAIL_SECONDS: 10,
      DRAINWATCH_TRAFFIC_SCRAPE_DELAY_SECONDS: 60,
      DRAINWATCH_TRAFFIC_QUERY_TIMEOUT_SECONDS: 30,
      DRAINWATCH_TRAFFIC_RETRY_SECONDS: 30,
    });
    expect(toTrafficConfig(s).presets.custom).toBeNull();
  });

  it("every variable has a description (serve --help is generated from them)", () => {
    for (const [name, field] of Object.entries(trafficSettingsSchema.shape)) expect(field.description, name).toBeTruthy();
  });

  it("custom selectors are parsed for the joiner", () => {
    const s = parseTrafficSettings({
      PROMETHEUS_URL: "https://prom.example:9090/",
      DRAINWATCH_TRAFFIC_SOURCE: "custom",
      DRAINWATCH_TRAFFIC_REQUESTS: 'reqs_total{ns="$namespace"}',
      DRAINWATCH_TRAFFIC_ERRORS: 'reqs_total{ns="$namespace",code=~"5.."}',
    });
    expect(toTrafficConfig(s).presets.custom?.errors.matchers).toHaveLength(2);
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ["a non-http URL", { PROMETHEUS_URL: "ftp://x" }, "PROMETHEUS_URL", /http/],
    ["an unknown source", { DRAINWATCH_TRAFFIC_SOURCE: "linkerd" }, "DRAINWATCH_TRAFFIC_SOURCE", /auto/],
    ["a negative tail", { DRAINWATCH_TRAFFIC_TAIL_SECONDS: "-1" }, "DRAINWATCH_TRAFFIC_TAIL_SECONDS", /whole number/],
    ["a function in a custom selector", { DRAINWATCH_TRAFFIC_REQUESTS: "rate(x[5m])", DRAINWATCH_TRAFFIC_ERRORS: "x" }, "DRAINWATCH_TRAFFIC_REQUESTS", /without functions/],
    ["only one custom selector", { DRAINWATCH_TRAFFIC_REQUESTS: "x_total" }, "DRAINWATCH_TRAFFIC_ERRORS", /both/],
    ["custom without selectors", { DRAINWATCH_TRAFFIC_SOURCE: "custom" }, "DRAINWATCH_TRAFFIC_REQUESTS", /needs/],
    ["a broken envoy pattern", { DRAINWATCH_TRAFFIC_ENVOY_CLUSTER: "($workload" }, "DRAINWATCH_TRAFFIC_ENVOY_CLUSTER", /regular expression/],
  ];
  it.each(bad)("rejects %s, naming the variable", (_n, env, variable, message) => {
    const got = issue(env);
    expect(got.variable).toBe(variable);
    expect(got.message).toMatch(message);
  });
});
