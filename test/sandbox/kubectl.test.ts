// The real kubectl (the Google Cloud SDK dispatcher, client 1.32) against the sandbox. It runs
// with a throwaway KUBECONFIG (an empty temp file) and HOME, so it never touches a real config.
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { getJson, podEvents, recordTraffic, until } from "./helpers.ts";
import { processEnv } from "../../lib/env.ts";

const run = promisify(execFile);
const hasKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;

const SCENARIO = `
name: kubectl
timeScale: 0.02
seed: 5
namespaces: [shop]
workloads:
  - name: web
    namespace: shop
    replicas: 3
    terminationGracePeriodSeconds: 30
    containers:
      - name: app
        behaviour: clean
        drainSeconds: 3
        preStop: { sleep: 2 }
`;

let sb: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
let traffic: Awaited<ReturnType<typeof recordTraffic>>;

beforeAll(async () => {
  sb = await startSandbox({ scenario: SCENARIO });
  traffic = await recordTraffic(sb);
  dir = await mkdtemp(path.join(tmpdir(), "drainwatch-kubectl-"));
  await writeFile(path.join(dir, "kubeconfig"), "");
  // Only what kubectl needs: nothing from the caller's KUBECONFIG, HOME or cloud settings.
  env = { PATH: processEnv().PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: path.join(dir, "kubeconfig"), KUBECACHEDIR: path.join(dir, "cache"), NODE_ENV: "test" };
});
afterAll(async () => {
  traffic?.stop();
  await sb?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run("kubectl", [`--server=${sb.url}`, ...args], { env, timeout: 20_000 });
  return stdout;
}

async function podNames(): Promise<string[]> {
  const { body } = await getJson<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(`${sb.url}/api/v1/namespaces/shop/pods`);
  return body.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
}

const lines = (out: string) => out.trim().split("\n");
const header = (out: string) => lines(out)[0]!.split(/\s{2,}/);

describe.skipIf(!hasKubectl)("kubectl", () => {
  it("get pods -A prints the server-side table", async () => {
    const out = await kubectl("get", "pods", "-A");
    expect(header(out)).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    for (const name of await podNames()) expect(out).toMatch(new RegExp(`shop\\s+${name}\\s+1/1\\s+Running\\s+0\\s+24h`));
  });

  it("get endpointslices -A", async () => {
    const out = await kubectl("get", "endpointslices", "-A");
    expect(header(out)).toEqual(["NAMESPACE", "NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
    expect(lines(out)[1]).toMatch(/^shop\s+web-\w+\s+IPv4\s+8080\s+10\./);
  });

  it("delete pod plays out like a controller's deletion; get events -A shows Killing", async () => {
    const [name] = await podNames();
    const out = await kubectl("delete", "pod", name!, "-n", "shop");
    expect(out).toContain(`pod "${name}" deleted`);
    await until(() => podEvents(traffic.seen, name!).some((s) => s.type === "DELETED"), 5000, "DELETED");
    const seq = podEvents(traffic.seen, name!).filter((s) => s.type !== "ADDED").sort((a, b) => a.rv - b.rv);
    expect(seq[0]!.object.metadata.deletionGracePeriodSeconds).toBe(30);
    const phases = seq.map((s) => (s.object.status as { phase: string }).phase);
    const terminalAt = phases.indexOf("Succeeded");
    expect(terminalAt).toBeGreaterThan(0);
    expect(seq.slice(-2).map((s) => [s.type, s.object.metadata.deletionGracePeriodSeconds])).toEqual([
      ["MODIFIED", 0],
      ["DELETED", 0],
    ]);
    expect(terminalAt).toBeLessThan(seq.length - 2);
    expect(sb.groundTruth().find((g) => g.pod === name)).toMatchObject({ cause: "delete", outcome: "clean" });

    const events = await kubectl("get", "events", "-A");
    expect(header(events).slice(0, 6)).toEqual(["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(events).toMatch(new RegExp(`Normal\\s+Killing\\s+pod/${name}\\s+Stopping container app`));
    expect(events).toMatch(/Normal\s+SuccessfulCreate\s+replicaset\/web-\w+\s+Created pod: web-/);
  });

  it("delete pod --grace-period=0 --force removes it at once", async () => {
    const [name] = await podNames();
    const { stdout, stderr } = await run("kubectl", [`--server=${sb.url}`, "delete", "pod", name!, "-n", "shop", "--grace-period=0", "--force"], { env, timeout: 20_000 });
    expect(stdout).toContain(`pod "${name}" force deleted`);
    expect(stderr).toContain("Immediate deletion does not wait");
    expect((await getJson(`${sb.url}/api/v1/namespaces/shop/pods/${name}`)).status).toBe(404);
    expect(sb.groundTruth().find((g) => g.pod === name)).toMatchObject({ cause: "force-delete", outcome: "unknown" });
  });

  it("get pods -A -w streams rows, Terminating included", async () => {
    const child = spawn("kubectl", [`--server=${sb.url}`, "get", "pods", "-A", "-w"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes("Running"), 10_000, "initial rows");
      const running = await podNames();
      const victim = running[running.length - 1]!;
      await getJson(`${sb.url}/api/v1/namespaces/shop/pods/${victim}`, { method: "DELETE", body: "{}" });
      await until(() => new RegExp(`${victim}\\s+\\S+\\s+Terminating`).test(out), 10_000, "a Terminating row");
      expect(header(out)).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
