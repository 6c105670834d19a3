// Emits alerts/prometheusrule.yaml (a prometheus-operator PrometheusRule) from alerts/rules.yml, the
// one source of drainwatch's rules. Run: npx tsx alerts/generate.ts (a test fails when the
// checked-in manifest differs from what this renders).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { z } from "zod";

const stringMap = z.record(z.string(), z.string());

const alertRule = z.strictObject({
  alert: z.string().min(1),
  expr: z.string().min(1),
  for: z.string().optional(),
  keep_firing_for: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

const recordingRule = z.strictObject({
  record: z.string().min(1),
  expr: z.string().min(1),
  labels: stringMap.optional(),
});

export const rulesFileSchema = z.strictObject({
  groups: z.array(
    z.strictObject({
      name: z.string().min(1),
      interval: z.string().optional(),
      limit: z.number().int().optional(),
      rules: z.array(z.union([alertRule, recordingRule])).min(1),
    }),
  ),
});

export type RulesFile = z.infer<typeof rulesFileSchema>;
export type AlertRule = z.infer<typeof alertRule>;

export const alertsDir = path.dirname(fileURLToPath(import.meta.url));
export const rulesPath = path.join(alertsDir, "rules.yml");
export const manifestPath = path.join(alertsDir, "prometheusrule.yaml");

export function parseRulesFile(text: string): RulesFile {
  return rulesFileSchema.parse(parse(text));
}

export function alertRules(rules: RulesFile): AlertRule[] {
  return rules.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => "alert" in r);
}

/** The PrometheusRule manifest holding exactly the groups of `rulesText`. */
export function renderPrometheusRule(rulesText: string): string {
  const rules = parseRulesFile(rulesText);
  const manifest = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "drainwatch",
      labels: {
        "app.kubernetes.io/name": "drainwatch",
        "app.kubernetes.io/component": "alerts",
      },
    },
    spec: { groups: rules.groups },
  };
  const header =
    "# Generated from alerts/rules.yml by alerts/generate.ts (npx tsx alerts/generate.ts): do not edit.\n" +
    "# Apply into drainwatch's namespace; add the label your Prometheus's ruleSelector expects.\n";
  // lineWidth 0: never fold, so the PromQL and annotations stay byte-for-byte the source's text.
  return header + stringify(manifest, { lineWidth: 0 });
}

function main(): void {
  const text = fs.readFileSync(rulesPath, "utf8");
  fs.writeFileSync(manifestPath, renderPrometheusRule(text));
  console.log(`wrote ${path.relative(process.cwd(), manifestPath)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
