// alerts/grafana/drainwatch.json: importable (datasource as a ${datasource} variable, cluster /
// namespace / workload variables), every PromQL expression accepted by a real Prometheus's query
// API once the template variables are filled in, and reading only the contract's metrics (+ up).
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startPrometheus, type RunningServer } from "../helpers/prometheus.ts";
import { contractMetricNames, metricNames } from "../helpers/promql.ts";
import { contractText, repoRoot } from "../helpers/shared-docs.ts";

const dashboardPath = path.join(repoRoot, "alerts", "grafana", "drainwatch.json");
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

const target = z.object({ refId: z.string(), expr: z.string().min(1), datasource: z.unknown() });
const basePanel = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string().min(1),
  gridPos: z.object({ x: z.number().int().min(0), y: z.number().int().min(0), w: z.number().int().min(1), h: z.number().int().min(1) }),
});
const panel = basePanel.extend({ datasource: z.unknown().optional(), targets: z.array(target).optional() });
type Panel = z.infer<typeof panel> & { panels?: Panel[] };
const panelTree: z.ZodType<Panel> = panel.extend({ panels: z.lazy(() => z.array(panelTree)).optional() });
const variable = z.object({ type: z.string(), name: z.string(), query: z.unknown(), datasource: z.unknown().optional() });
const dashboardSchema = z.object({
  title: z.string().min(1),
  uid: z.string().min(1),
  schemaVersion: z.number().int(),
  templating: z.object({ list: z.array(variable) }),
  panels: z.array(panelTree),
});

const dashboard = dashboardSchema.parse(JSON.parse(fs.readFileSync(dashboardPath, "utf8")));
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== "row");
const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));

/** Plausible values for Grafana's built-in and the dashboard's own variables. */
const SUBSTITUTIONS: [RegExp, string][] = [
  [/\$__rate_interval\b/g, "2m"],
  [/\$__interval\b/g, "1m"],
  [/\$__range\b/g, "1d"],
  [/\$\{?cluster\}?/g, "prod"],
  [/\$\{?namespace\}?/g, "shop|payments"],
  [/\$\{?workload\}?/g, "checkout"],
];

function substitute(expr: string): string {
  let out = expr;
  for (const [re, value] of SUBSTITUTIONS) out = out.replace(re, value);
  expect(out, `unsubstituted variable in ${expr}`).not.toMatch(/\$/);
  return out;
}

/** `label_values(selector, label)` → the selector, which must be valid PromQL itself. */
function variableSelector(query: string): string {
  const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim());
  if (!m) throw new Error(`unexpected variable query: ${query}`);
  return m[1]!;
}

interface Expression {
  where: string;
  expr: string;
}

const expressions: Expression[] = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr }))),
  ...["cluster", "namespace", "workload"].map((name) => {
    const q = z.object({ query: z.string() }).parse(variables.get(name)?.query).query;
    return { where: `variable ${name}`, expr: variableSelector(q) };
  }),
];

let prometheus: RunningServer | undefined;

beforeAll(async () => {
  prometheus = await startPrometheus({ configYaml: "global:\n  scrape_interval: 1m\n" });
});

afterAll(async () => {
  await prometheus?.stop();
});

const apiAnswer = z.object({ status: z.string(), errorType: z.string().optional(), error: z.string().optional() });

async function query(expr: string): Promise<{ http: number; body: z.infer<typeof apiAnswer> }> {
  const res = await fetch(`${prometheus!.url}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: expr }),
  });
  return { http: res.status, body: apiAnswer.parse(await res.json()) };
}

describe("the Grafana dashboard", () => {
  it("takes its datasource from a ${datasource} variable of type prometheus", () => {
    expect(variables.get("datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual(DATASOURCE);
      for (const t of p.targets ?? []) expect(t.datasource, `${p.title} ${t.refId}`).toEqual(DATASOURCE);
    }
  });

  it("has cluster, namespace and workload variables, each used by the workload panels", () => {
    for (const name of ["cluster", "namespace", "workload"]) {
      expect(variables.get(name), name).toMatchObject({ type: "query", datasource: DATASOURCE });
    }
    const workloadExprs = expressions.filter((e) => e.expr.includes("drainwatch_termination") || e.expr.includes("_bucket"));
    expect(workloadExprs.length).toBeGreaterThan(10);
    for (const e of workloadExprs) {
      if (!e.where.startsWith("panel")) continue;
      for (const v of ["$cluster", "$namespace", "$workload"]) expect(e.expr, e.where).toContain(v);
    }
  });

  it("has unique panel ids and fits the 24-column grid", () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of allPanels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const p of queryPanels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it("reads only metrics of contract section 6 (plus up), and shows every one of them", () => {
    const contract = contractMetricNames(contractText());
    const used = new Set<string>();
    for (const e of expressions) {
      const names = metricNames(e.expr);
      expect(names.size, e.where).toBeGreaterThan(0);
      for (const n of names) {
        expect(contract.has(n) || n === "up", `${n} in ${e.where} is not a contract metric`).toBe(true);
        used.add(n);
      }
    }
    const base = (n: string): string => n.replace(/_(bucket|sum|count)$/, "");
    const usedBases = new Set([...used].map(base));
    for (const n of contract) expect(usedBases.has(base(n)), `no panel shows ${n}`).toBe(true);
  });

  it("parses in a real Prometheus: every expression, with variables filled in", async () => {
    expect(expressions.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const e of expressions) {
      const { http, body } = await query(substitute(e.expr));
      if (http !== 200 || body.status !== "success") failures.push(`${e.where}: ${http} ${body.errorType}: ${body.error}`);
    }
    expect(failures).toEqual([]);
  });

  it("(the check can fail: Prometheus answers a parse error with 400 bad_data)", async () => {
    const { http, body } = await query('sum by (namespace (drainwatch_leader{job="drainwatch"})');
    expect(http).toBe(400);
    expect(body.errorType).toBe("bad_data");
  });
});
