// End to end: a real Prometheus scrapes contract-shaped drainwatch metrics served here, evaluates
// the shipped alerts/rules.yml, and a real Alertmanager delivers DrainwatchSigkillAfterGrace to a
// webhook served here: with the workload's labels, severity, a summary naming namespace and
// workload, and the runbook link. Only the workload that had a SIGKILL alerts, and only after it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { rulesPath } from "../../alerts/generate.ts";
import { drainwatchScrapeConfig, startAlertmanager, startPrometheus, webhookAlertmanagerConfig, type RunningServer } from "../helpers/prometheus.ts";

const webhookAlert = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
});
const webhookBody = z.object({ version: z.string(), status: z.string(), alerts: z.array(webhookAlert) });
type WebhookAlert = z.infer<typeof webhookAlert>;

const WORKLOAD = 'cluster="prod",namespace="shop",workload_kind="Deployment"';

/** The drainwatch /metrics this test pretends to be: sigkill appears once `sigkillAt` is set. */
class FakeDrainwatch {
  scrapes = 0;
  sigkillAt: number | null = null;
  render(): string {
    const lines = [
      "# TYPE drainwatch_leader gauge",
      "drainwatch_leader 1",
      "# TYPE drainwatch_last_watch_event_timestamp_seconds gauge",
      `drainwatch_last_watch_event_timestamp_seconds ${Date.now() / 1000}`,
      "# TYPE drainwatch_terminations_total counter",
      `drainwatch_terminations_total{${WORKLOAD},workload="checkout",cause="rollout",outcome="clean"} 3`,
      `drainwatch_terminations_total{${WORKLOAD},workload="cart",cause="scale-down",outcome="clean"} ${2 + this.scrapes}`,
    ];
    // Created on the first SIGKILL, as prom-client does: the first sample is already 1.
    if (this.sigkillAt !== null) {
      lines.push(`drainwatch_terminations_total{${WORKLOAD},workload="checkout",cause="rollout",outcome="sigkill"} 1`);
    }
    return lines.join("\n") + "\n";
  }
}

const fake = new FakeDrainwatch();
const received: WebhookAlert[] = [];
const badBodies: string[] = [];
const servers: http.Server[] = [];
let prometheus: RunningServer | undefined;
let alertmanager: RunningServer | undefined;

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${ms} ms waiting for ${what}\n--- prometheus ---\n${prometheus?.output().slice(-4000)}\n` +
      `--- alertmanager ---\n${alertmanager?.output().slice(-4000)}`,
  );
}

beforeAll(async () => {
  const metricsPort = await serve((req, res) => {
    fake.scrapes++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(fake.render());
  });
  const webhookPort = await serve((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const parsed = webhookBody.safeParse(JSON.parse(body));
      if (parsed.success) received.push(...parsed.data.alerts);
      else badBodies.push(body);
      res.writeHead(200).end();
    });
  });

  alertmanager = await startAlertmanager({ configYaml: webhookAlertmanagerConfig(webhookPort) });
  prometheus = await startPrometheus({ configYaml: drainwatchScrapeConfig(`127.0.0.1:${metricsPort}`, alertmanager.port), rulesFiles: [rulesPath] });
});

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

it("delivers DrainwatchSigkillAfterGrace for the workload that had a SIGKILL, with labels and annotations", async () => {
  // Let Prometheus see the workloads without any SIGKILL for a few scrapes first.
  await waitFor("3 scrapes", 20_000, () => (fake.scrapes >= 3 ? true : undefined));
  await new Promise((r) => setTimeout(r, 2_000));
  expect(received.filter((a) => a.labels.alertname === "DrainwatchSigkillAfterGrace")).toEqual([]);

  fake.sigkillAt = Date.now();
  const alert = await waitFor("the webhook to receive DrainwatchSigkillAfterGrace", 40_000, () =>
    received.find((a) => a.labels.alertname === "DrainwatchSigkillAfterGrace"),
  );
  const latencyMs = Date.now() - fake.sigkillAt;

  expect(alert.status).toBe("firing");
  expect(alert.labels).toEqual({
    alertname: "DrainwatchSigkillAfterGrace",
    severity: "warning",
    cluster: "prod",
    namespace: "shop", // the workload's namespace (honor_labels), not drainwatch's target namespace
    workload_kind: "Deployment",
    workload: "checkout",
  });
  expect(alert.annotations.summary).toBe("Deployment shop/checkout: pods were SIGKILLed after their grace period");
  expect(alert.annotations.description).toMatch(/^1 pod\(s\) of Deployment checkout in namespace shop \(cluster prod\)/);
  expect(alert.annotations.runbook_url).toBe(
    "https://github.com/drainwatch/drainwatch/blob/main/docs/runbook.md#drainwatchsigkillaftergrace",
  );
  expect(Date.parse(alert.startsAt)).toBeGreaterThanOrEqual(fake.sigkillAt - 1_000);
  // Scrape, evaluation and group_wait are 1 s each: delivery takes seconds, not minutes.
  expect(latencyMs).toBeLessThan(15_000);
  console.log(`DrainwatchSigkillAfterGrace delivered ${latencyMs} ms after the SIGKILL series appeared`);

  // cart's terminations were all clean: no alert about it, and nothing malformed arrived.
  expect(received.filter((a) => a.labels.workload === "cart")).toEqual([]);
  expect(badBodies).toEqual([]);
}, 60_000);
