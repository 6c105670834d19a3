// The shipped alert rules (alerts/rules.yml) checked by Debian's promtool: syntax, the unit tests in
// alerts/tests/*.yml (every alert both firing and quiet), and the promises of contract section 6
// (metric names, labels, severity, runbook links). Also: the PrometheusRule manifest holds the
// very same rules and is not stale.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { alertRules, manifestPath, parseRulesFile, renderPrometheusRule, rulesPath } from "../../alerts/generate.ts";
import { promtoolBinary, requireBinary } from "../helpers/prometheus.ts";
import { contractMetricNames, githubSlug, markdownAnchors, metricNames } from "../helpers/promql.ts";
import { contractText, repoRoot } from "../helpers/shared-docs.ts";

const testsDir = path.join(repoRoot, "alerts", "tests");
const runbookPath = path.join(repoRoot, "docs", "runbook.md");
const RUNBOOK_BASE = "https://github.com/drainwatch/drainwatch/blob/main/docs/runbook.md#";
const WORKLOAD_LABELS = "cluster, namespace, workload_kind, workload";

const rulesText = fs.readFileSync(rulesPath, "utf8");
const rules = parseRulesFile(rulesText);
const alerts = alertRules(rules);
const workloadAlerts = rules.groups.find((g) => g.name === "drainwatch-workloads")?.rules ?? [];
const ingestAlerts = rules.groups.find((g) => g.name === "drainwatch-ingest")?.rules ?? [];

interface Run {
  code: number;
  output: string;
}

function promtool(...args: string[]): Promise<Run> {
  const bin = promtoolBinary();
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, output: `$ promtool ${args.join(" ")}\n${stdout}${stderr}` });
    });
  });
}

const testFiles = fs
  .readdirSync(testsDir)
  .filter((f) => f.endsWith(".yml"))
  .sort()
  .map((f) => path.join(testsDir, f));

const unitTestFile = z.object({
  rule_files: z.array(z.string()),
  tests: z.array(
    z.object({
      name: z.string().optional(),
      alert_rule_test: z
        .array(z.object({ eval_time: z.string(), alertname: z.string(), exp_alerts: z.array(z.unknown()) }))
        .default([]),
    }),
  ),
});

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

describe("promtool", () => {
  it("accepts alerts/rules.yml (promtool check rules)", async () => {
    const run = await promtool("check", "rules", rulesPath);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it("passes every unit test in alerts/tests (promtool test rules)", async () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const run = await promtool("test", "rules", ...testFiles);
    expect(run.code, run.output).toBe(0);
    expect(run.output.match(/SUCCESS/g)?.length, run.output).toBe(testFiles.length);
  });

  it("fails, showing what it got, when an expectation is wrong", async () => {
    // The sigkill test's firing case turned into "expect nothing": promtool must say FAILED.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-rules-"));
    temps.push(dir);
    const doc = z
      .object({ rule_files: z.array(z.string()), tests: z.array(z.record(z.string(), z.unknown())) })
      .passthrough()
      .parse(parse(fs.readFileSync(path.join(testsDir, "sigkill.yml"), "utf8")));
    doc.rule_files = [rulesPath];
    const first = z
      .object({ alert_rule_test: z.array(z.object({ exp_alerts: z.array(z.unknown()) }).passthrough()) })
      .passthrough()
      .parse(doc.tests[0]);
    for (const t of first.alert_rule_test) t.exp_alerts = [];
    doc.tests = [first];
    const file = path.join(dir, "inverted.yml");
    fs.writeFileSync(file, stringify(doc));
    const run = await promtool("test", "rules", file);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain("FAILED");
    expect(run.output).toContain('workload="checkout"');
  });

  it("has a unit test where each alert fires and one where it stays quiet", () => {
    const cases = testFiles.flatMap((f) => {
      const doc = unitTestFile.parse(parse(fs.readFileSync(f, "utf8")));
      expect(doc.rule_files, f).toEqual(["../rules.yml"]);
      return doc.tests.flatMap((t) => t.alert_rule_test);
    });
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${a.alert} never expected to fire`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${a.alert} never expected to stay quiet`).toBe(true);
    }
    for (const c of cases) expect(alerts.map((a) => a.alert), `unknown alert in a test`).toContain(c.alertname);
  });
});

describe("rules keep the contract's promises (section 6)", () => {
  it("ships the seven alerts of issue 7", () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        "DrainwatchDrainNearGrace",
        "DrainwatchEndpointLagExceedsPreStop",
        "DrainwatchErrorsDuringTermination",
        "DrainwatchIngestDown",
        "DrainwatchIngestStalled",
        "DrainwatchPreStopFailing",
        "DrainwatchSigkillAfterGrace",
      ].sort(),
    );
  });

  it("reads only metrics the contract names (plus up)", () => {
    const allowed = contractMetricNames(contractText());
    allowed.add("up");
    expect(allowed.has("drainwatch_terminations_total")).toBe(true);
    expect(allowed.has("drainwatch_grace_used_ratio_bucket")).toBe(true);
    for (const r of rules.groups.flatMap((g) => g.rules)) {
      const used = [...metricNames(r.expr)];
      expect(used.length, `${"alert" in r ? r.alert : r.record} reads no metric?`).toBeGreaterThan(0);
      for (const name of used) expect(allowed.has(name), `${name} in ${"alert" in r ? r.alert : r.record}`).toBe(true);
      expect(r.expr).not.toContain("exported_namespace");
    }
  });

  it("gives every alert a severity, a summary, a description and its runbook anchor", () => {
    for (const a of alerts) {
      expect(["critical", "warning", "info"], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.annotations?.runbook_url, a.alert).toBe(RUNBOOK_BASE + githubSlug(a.alert));
    }
  });

  it("groups workload alerts by workload and names namespace and workload in them", () => {
    expect(workloadAlerts.length).toBe(5);
    for (const r of workloadAlerts) {
      if (!("alert" in r)) continue;
      // Every sum keeps exactly the workload labels (histograms add le); `max by (job, instance)`
      // only pairs series with their target's up.
      const groupings = [...r.expr.matchAll(/\bsum by \(([^)]*)\)/g)].map((m) => m[1]!.replace(/, le$/, ""));
      expect(r.expr.replace(/\bsum by \([^)]*\)|max by \(job, instance\) \(sum_over_time\(up/g, "")).not.toMatch(/\bby \(/);
      expect(groupings.length, r.alert).toBeGreaterThan(0);
      for (const g of groupings) expect(g, r.alert).toBe(WORKLOAD_LABELS);
      for (const text of [r.annotations?.summary, r.annotations?.description]) {
        expect(text, r.alert).toContain("{{ $labels.namespace }}");
        expect(text, r.alert).toContain("{{ $labels.workload }}");
      }
    }
  });

  it("names drainwatch's pod in the ingest alerts", () => {
    expect(ingestAlerts.length).toBe(2);
    for (const r of ingestAlerts) {
      if (!("alert" in r)) continue;
      expect(r.annotations?.summary, r.alert).toContain("$labels.pod");
      expect(r.annotations?.description, r.alert).toContain("$labels.pod");
    }
  });

  it("has a docs/runbook.md heading for every runbook anchor", () => {
    const anchors = markdownAnchors(fs.readFileSync(runbookPath, "utf8"));
    for (const a of alerts) {
      const anchor = a.annotations?.runbook_url?.split("#")[1] ?? "";
      expect(anchors.has(anchor), `docs/runbook.md lacks a heading for #${anchor}`).toBe(true);
    }
  });

  it("has no broken links inside docs/runbook.md", () => {
    const text = fs.readFileSync(runbookPath, "utf8");
    const anchors = markdownAnchors(text);
    const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) expect(anchors.has(l), `#${l}`).toBe(true);
  });
});

describe("alerts/prometheusrule.yaml", () => {
  it("is what alerts/generate.ts renders from rules.yml (run `npx tsx alerts/generate.ts`)", () => {
    expect(fs.readFileSync(manifestPath, "utf8")).toBe(renderPrometheusRule(rulesText));
  });

  it("holds the same groups and rules as rules.yml", () => {
    const manifest = z
      .object({
        apiVersion: z.literal("monitoring.coreos.com/v1"),
        kind: z.literal("PrometheusRule"),
        metadata: z.object({ name: z.string() }),
        spec: z.object({ groups: z.array(z.unknown()) }),
      })
      .parse(parse(fs.readFileSync(manifestPath, "utf8")));
    expect(manifest.spec.groups).toEqual(z.object({ groups: z.array(z.unknown()) }).parse(parse(rulesText)).groups);
  });

  it("has a spec that promtool accepts as a rules file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dw-rules-"));
    temps.push(dir);
    const spec = z.object({ spec: z.object({ groups: z.array(z.unknown()) }) }).parse(parse(fs.readFileSync(manifestPath, "utf8")));
    const file = path.join(dir, "from-manifest.yml");
    fs.writeFileSync(file, stringify({ groups: spec.spec.groups }));
    const run = await promtool("check", "rules", file);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });
});

describe("test helpers", () => {
  it("a missing binary is an error naming the Debian package (never a skip)", () => {
    expect(() => requireBinary("promtool-that-does-not-exist", "prometheus")).toThrow(/apt-get install prometheus/);
  });

  it("metricNames finds metrics, not functions, keywords or labels", () => {
    expect([
      ...metricNames(
        'sum by (namespace, le) (rate(a_bucket{x="y{z}"}[5m] offset 1h)) / on (job) group_left b unless c > 0.8 or histogram_quantile(0.9, d) and bool 1e3',
      ),
    ].sort()).toEqual(["a_bucket", "b", "c", "d"]);
  });

  it("githubSlug follows GitHub's anchors", () => {
    expect(githubSlug("DrainwatchSigkillAfterGrace")).toBe("drainwatchsigkillaftergrace");
    expect(githubSlug("Grace = preStop + longest request + margin")).toBe("grace--prestop--longest-request--margin");
  });
});
