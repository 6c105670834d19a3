// End to end, for real (issue 7.5): a real Prometheus scrapes a real `drainwatch serve` while it
// records a scenario with a known SIGKILL (the sandbox's every-outcome: shop/ledger ignores
// SIGTERM), evaluates the shipped alerts/rules.yml, and a real Alertmanager delivers
// DrainwatchSigkillAfterGrace to a webhook served here, with the workload's labels and the
// annotations the runbook promises. Workloads that shut down cleanly do not alert.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { rulesPath } from "../../alerts/generate.ts";
import { freshDatabase } from "../helpers/db.ts";
import { drainwatchScrapeConfig, startAlertmanager, startPrometheus, webhookAlertmanagerConfig, type RunningServer } from "../helpers/prometheus.ts";
import { killAll, metric, requireBuild, startServe, terminate, until, type Served } from "./helpers.ts";

const alertSchema = z.object({ status: z.string(), labels: z.record(z.string(), z.string()), annotations: z.record(z.string(), z.string()) });
const bodySchema = z.object({ alerts: z.array(alertSchema) });
type Alert = z.infer<typeof alertSchema>;

const received: Alert[] = [];
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let serve: Served;
let prometheus: RunningServer;
let alertmanager: RunningServer;

beforeAll(async () => {
  requireBuild();
  const webhook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const parsed = bodySchema.safeParse(JSON.parse(body));
      if (parsed.success) received.push(...parsed.data.alerts);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => webhook.close(r)));

  alertmanager = await startAlertmanager({ configYaml: webhookAlertmanagerConfig((webhook.address() as AddressInfo).port) });
  cleanups.push(() => alertmanager.stop());

  const db = await freshDatabase("dw_alerts");
  cleanups.push(() => db.drop());
  // Slow enough (0.5 wall s per virtual s) that Prometheus scrapes drainwatch before the SIGKILL
  // (shop/ledger: rollout at 11 s, 20 s of grace): the rule counts a new series from its first sample.
  serve = await startServe(
    {
      DATABASE_URL: db.url,
      KUBECONFIG: undefined,
      DRAINWATCH_CLUSTER: "prod",
      DRAINWATCH_SANDBOX_SCENARIO: path.resolve(import.meta.dirname, "../../sandbox/scenarios/every-outcome.yaml"),
      DRAINWATCH_SANDBOX_TIME_SCALE: "0.5",
      DRAINWATCH_SETTLE_SECONDS: "0.5",
      DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.2",
      LOG_LEVEL: "info",
    },
    ["--sandbox"],
  );
  cleanups.push(() => (serve.hasExited() ? undefined : terminate(serve, 15_000)));
  const target = new URL(serve.base).host;
  prometheus = await startPrometheus({ configYaml: drainwatchScrapeConfig(target, alertmanager.port), rulesFiles: [rulesPath] });
  cleanups.push(() => prometheus.stop());
}, 90_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  killAll();
});

describe("shipped alerts against a real drainwatch", () => {
  it("Alertmanager delivers DrainwatchSigkillAfterGrace for the workload drainwatch saw SIGKILLed", async () => {
    await until("drainwatch records the SIGKILL", async () => (await metric(serve, "drainwatch_terminations_total").catch(() => 0)) > 0 && (await sigkills()) > 0, 60_000, [serve]);
    await until("the alert reaches the webhook", () => received.some((a) => a.labels.alertname === "DrainwatchSigkillAfterGrace"), 60_000, [serve]);
    const alerts = received.filter((a) => a.labels.alertname === "DrainwatchSigkillAfterGrace");
    expect(alerts.map((a) => a.labels.workload)).toEqual(["ledger"]);
    const [alert] = alerts;
    expect(alert!.status).toBe("firing");
    expect(alert!.labels).toMatchObject({ severity: "warning", cluster: "sandbox", namespace: "shop", workload_kind: "Deployment", workload: "ledger" });
    expect(alert!.annotations.summary).toContain("shop");
    expect(alert!.annotations.summary).toContain("ledger");
    expect(alert!.annotations.runbook_url).toMatch(/docs\/runbook\.md#drainwatchsigkillaftergrace$/);
  }, 120_000);
});

/** SIGKILLs on drainwatch's own /metrics. */
async function sigkills(): Promise<number> {
  const text = await (await fetch(`${serve.base}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("drainwatch_terminations_total{") && l.includes('outcome="sigkill"'))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}
