// Selector templates and the presets' queries (contract §5).
import { describe, expect, it } from "vitest";
import { planFor, type PresetOptions } from "../../lib/traffic/presets";
import { parseSelector, promString, regexQuote, renderSelector, SelectorError } from "../../lib/traffic/selector";

const opts: PresetOptions = { envoyCluster: "$workload", nginxService: "$workload", custom: null };
const shop = { namespace: "shop", workload: "checkout" };

describe("escaping", () => {
  it("PromQL string literals keep quotes, backslashes and control characters as data", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(promString("x\ny\tz\u0001")).toBe('"x\\ny\\tz\\x01"');
    expect(promString("ünï")).toBe('"ünï"');
  });
  it("regex metacharacters are quoted (RE2 QuoteMeta's set)", () => {
    expect(regexQuote("web.v2+(a|b)[x]{2}^$*?\\")).toBe("web\\.v2\\+\\(a\\|b\\)\\[x\\]\\{2\\}\\^\\$\\*\\?\\\\");
    expect(regexQuote("plain-name")).toBe("plain-name");
  });
});

describe("presets", () => {
  it("istio: the clients' sidecars (reporter=source) for the workload; 5xx by response_code 5..", () => {
    const p = planFor("istio", shop, opts);
    expect(p.queries).toEqual([
      {
        selector: 'istio_requests_total{reporter="source",destination_workload="checkout",destination_workload_namespace="shop"}',
        counts: "both",
      },
    ]);
    expect(p.isError({ response_code: "503" })).toBe(true);
    expect(p.isError({ response_code: "200" })).toBe(false);
    expect(p.isError({ response_code: "5000" })).toBe(false);
    expect(p.isError({})).toBe(false);
  });

  it("envoy: the cluster pattern, placeholders regex-quoted; 5xx by class 5", () => {
    const p = planFor("envoy", { namespace: "shop", workload: "web.v2" }, { ...opts, envoyCluster: "outbound\\|\\d+\\|\\|$workload\\.$namespace\\.svc.*" });
    expect(p.queries[0]!.selector).toBe(
      'envoy_cluster_upstream_rq_xx{envoy_cluster_name=~"outbound\\\\|\\\\d+\\\\|\\\\|web\\\\.v2\\\\.shop\\\\.svc.*"}',
    );
    expect(p.isError({ envoy_response_code_class: "5" })).toBe(true);
    expect(p.isError({ envoy_response_code_class: "4" })).toBe(false);
  });

  it("ingress-nginx: exported_namespace, or namespace where the scrape kept it (two disjoint selectors)", () => {
    const p = planFor("ingress-nginx", { namespace: "shop", workload: "web.v2" }, opts);
    expect(p.queries.map((q) => q.selector)).toEqual([
      'nginx_ingress_controller_requests{exported_namespace="shop",service=~"web\\\\.v2"}',
      'nginx_ingress_controller_requests{exported_namespace="",namespace="shop",service=~"web\\\\.v2"}',
    ]);
    expect(p.isError({ status: "502" })).toBe(true);
    expect(p.isError({ status: "404" })).toBe(false);
  });

  it("custom: two selectors, values escaped per operator", () => {
    const custom = {
      requests: parseSelector('http_requests_total{ns="$namespace",app=~"$workload(-canary)?"}'),
      errors: parseSelector("http_requests_total{ns='$namespace',app=~`$workload(-canary)?`,code=~\"5..\"}"),
    };
    const p = planFor("custom", { namespace: 'we"ird\\ns', workload: "a.b" }, { ...opts, custom });
    expect(p.queries).toEqual([
      { selector: 'http_requests_total{ns="we\\"ird\\\\ns",app=~"a\\\\.b(-canary)?"}', counts: "requests" },
      { selector: 'http_requests_total{ns="we\\"ird\\\\ns",app=~"a\\\\.b(-canary)?",code=~"5.."}', counts: "errors" },
    ]);
  });

  it("custom without its selectors cannot be planned", () => {
    expect(() => planFor("custom", shop, opts)).toThrow(/DRAINWATCH_TRAFFIC_REQUESTS/);
  });
});

describe("parseSelector", () => {
  it("accepts plain selectors in every spelling", () => {
    expect(parseSelector("foo_total")).toEqual({ name: "foo_total", matchers: [] });
    expect(parseSelector(' foo:bar_total { a = "x" , b!~\'y\', } ')).toEqual({
      name: "foo:bar_total",
      matchers: [
        { label: "a", op: "=", value: "x" },
        { label: "b", op: "!~", value: "y" },
      ],
    });
    expect(parseSelector('{__name__="foo",c!="\\x41\\u00e9\\101"}').matchers[1]).toEqual({ label: "c", op: "!=", value: "AéA" });
  });

  it("round-trips through render", () => {
    const t = parseSelector('foo{a="$workload",b=~"$namespace.*"}');
    expect(renderSelector(t, { namespace: "n.s", workload: "w" })).toBe('foo{a="w",b=~"n\\\\.s.*"}');
  });

  const bad: Array<[string, string]> = [
    ["a function", "rate(foo[5m])"],
    ["an aggregation", "sum(foo)"],
    ["a range", "foo[5m]"],
    ["an offset", "foo offset 5m"],
    ["an @ modifier", "foo @ 1000"],
    ["an operator", "foo + bar"],
    ["no metric name", '{job="x"}'],
    ["a bad matcher", "foo{a==\"x\"}"],
    ["an unquoted value", "foo{a=x}"],
    ["an unterminated string", 'foo{a="x}'],
    ["an unknown escape", 'foo{a="\\q"}'],
    ["a placeholder outside a string", "foo{$workload=\"x\"}"],
    ["empty", ""],
  ];
  it.each(bad)("rejects %s", (_n, text) => {
    expect(() => parseSelector(text)).toThrow(SelectorError);
  });
});
