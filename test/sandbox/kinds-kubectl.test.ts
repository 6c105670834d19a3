// The real kubectl against the sandbox's new kinds: `get statefulsets,daemonsets,jobs,cronjobs`
// and `get pdb` tables, the eviction API's 429 when a PodDisruptionBudget allows no disruption
// (raw HTTP and `kubectl create --raw`), and `kubectl drain` waiting on the budget (kubectl's
// own 5 s retry) until the replacement is Ready. kubectl runs with a throwaway KUBECONFIG and
// HOME. A missing kubectl fails these tests.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { processEnv } from "../../lib/env.ts";
import { startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { getJson, until } from "./helpers.ts";

const run = promisify(execFile);

/** 2 nodes: node-1 holds two of web's three pods (round robin), db-0, the agent, the Job pods. */
const SCENARIO = `
name: kinds-kubectl
timeScale: 0.1
seed: 3
namespaces: [shop, data, batch]
nodes: [node-1, node-2]
# Pods take 10 virtual seconds (1 s of wall time) to become Ready: long enough for kubectl to
# see the budget exhausted before a replacement is Ready.
settings: { podStartSeconds: 10 }
workloads:
  - { name: web, namespace: shop, replicas: 3, terminationGracePeriodSeconds: 10, containers: [{ name: web, drainSeconds: 1 }] }
  - { name: db, kind: StatefulSet, namespace: data, replicas: 2, containers: [{ name: pg }] }
  - { name: agent, kind: DaemonSet, namespace: data, containers: [{ name: agent }] }
  - { name: backup, kind: Job, namespace: batch, runSeconds: 1, containers: [{ name: backup }] }
  - { name: report, kind: CronJob, namespace: batch, schedule: "*/1 * * * *", runSeconds: 300, containers: [{ name: report }] }
disruptionBudgets:
  - { name: web, namespace: shop, matchLabels: { app: web }, minAvailable: 2 }
`;
/** 5 virtual seconds before a minute: the CronJob's first Job is created 5 s (0.5 s wall) in. */
const START = Date.UTC(2026, 11, 1, 12, 0, 55);

let dir: string;
let env: NodeJS.ProcessEnv;
let sb: Sandbox | null = null;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "drainwatch-kinds-kubectl-"));
  await writeFile(path.join(dir, "kubeconfig"), "");
  env = { PATH: processEnv().PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: path.join(dir, "kubeconfig"), KUBECACHEDIR: path.join(dir, "cache"), NODE_ENV: "test" };
});
afterEach(async () => {
  await sb?.close();
  sb = null;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Sandbox> {
  sb = await startSandbox({ scenario: SCENARIO, startTime: START });
  return sb;
}

/** kubectl's exit code, stdout and stderr (a non-zero exit is a result here, not a throw). */
async function kubectl(s: Sandbox, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("kubectl", [`--server=${s.url}`, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof x.code !== "number") throw e; // kubectl missing (ENOENT) or killed: a failure
    return { code: x.code, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

interface PodItem {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName: string };
  status: { phase: string };
}

async function pods(s: Sandbox, namespace: string): Promise<PodItem[]> {
  return (await getJson<{ items: PodItem[] }>(`${s.url}/api/v1/namespaces/${namespace}/pods`)).body.items;
}

function evict(s: Sandbox, namespace: string, name: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return getJson(`${s.url}/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } }),
  });
}

const rows = (out: string) => out.trim().split("\n").map((l) => l.split(/\s{2,}/));

describe("kubectl and the new kinds", () => {
  it("get statefulsets,daemonsets,jobs,cronjobs -A and get pdb -A print the API server's columns", async () => {
    const s = await start();
    // The Job has finished (10 s start + 1 s run) and the CronJob's first Job is running.
    await until(() => s.now() >= START + 16_000, 5000, "16 virtual seconds");
    const { code, stdout } = await kubectl(s, "get", "statefulsets,daemonsets,jobs,cronjobs", "-A");
    expect(code).toBe(0);
    const tables = stdout.trim().split(/\n\s*\n/).map(rows);
    expect(tables.map((t) => t[0])).toEqual([
      ["NAMESPACE", "NAME", "READY", "AGE"],
      ["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
      ["NAMESPACE", "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
      ["NAMESPACE", "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
    ]);
    expect(tables[0]!.slice(1)).toEqual([["data", "statefulset.apps/db", "2/2", "24h"]]);
    expect(tables[1]!.slice(1)).toEqual([["data", "daemonset.apps/agent", "2", "2", "2", "2", "2", "<none>", "24h"]]);
    const jobs = tables[2]!.slice(1);
    expect(jobs[0]).toEqual(["batch", "job.batch/backup", "Complete", "1/1", "11s", expect.stringMatching(/^\d+s$/)]);
    expect(jobs[1]).toEqual(["batch", "job.batch/report-29935441", "Running", "0/1", expect.stringMatching(/^\d+s$/), expect.stringMatching(/^\d+s$/)]);
    expect(tables[3]!.slice(1)).toEqual([["batch", "cronjob.batch/report", "*/1 * * * *", "<none>", "False", "1", expect.stringMatching(/^\d+s$/), "24h"]]);

    const pdb = await kubectl(s, "get", "pdb", "-A");
    expect(rows(pdb.stdout)).toEqual([
      ["NAMESPACE", "NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
      ["shop", "web", "2", "N/A", "1", "24h"],
    ]);
    // Discovery lists them (kubectl resolves every name above through it).
    const resources = rows((await kubectl(s, "api-resources")).stdout);
    for (const r of [
      ["statefulsets", "sts", "apps/v1", "true", "StatefulSet"],
      ["daemonsets", "ds", "apps/v1", "true", "DaemonSet"],
      ["cronjobs", "cj", "batch/v1", "true", "CronJob"],
      ["jobs", "batch/v1", "true", "Job"],
      ["poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"],
    ])
      expect(resources).toContainEqual(r);
    // The pod → controller chain drainwatch follows: Job → CronJob.
    const job = (await getJson<{ metadata: { ownerReferences: object[] } }>(`${s.url}/apis/batch/v1/namespaces/batch/jobs/report-29935441`)).body;
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "CronJob", name: "report", uid: expect.any(String), controller: true, blockOwnerDeletion: true }]);
  }, 30_000);

  it("an eviction the budget forbids is 429 TooManyRequests (raw and via kubectl), and allowed once the replacement is Ready", async () => {
    const s = await start();
    const web = (await pods(s, "shop")).map((p) => p.metadata.name);
    expect(web).toHaveLength(3);
    // 3 healthy, 2 desired: one disruption allowed, taken by the first eviction.
    expect((await evict(s, "shop", web[0]!)).status).toBe(201);
    const refused = await evict(s, "shop", web[1]!);
    expect(refused).toEqual({
      status: 429,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: "TooManyRequests",
        // Before the disruption controller's next pass the status still counts 3 healthy pods.
        details: { causes: [{ reason: "DisruptionBudget", message: expect.stringMatching(/^The disruption budget web (does not allow evicting pods currently|needs 2 healthy pods and has 2 currently)$/) }] },
        code: 429,
      },
    });
    const file = path.join(dir, "eviction.json");
    await writeFile(file, JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: web[1], namespace: "shop" } }));
    const viaKubectl = await kubectl(s, "create", "--raw", `/api/v1/namespaces/shop/pods/${web[1]}/eviction`, "-f", file);
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    // The disruption controller's next pass counted the evicted pod out: the message says so.
    const status = async () => (await getJson<{ status: Record<string, unknown> }>(`${s.url}/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web`)).body.status;
    expect(await status()).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: expect.any(Number) });
    expect((await evict(s, "shop", web[1]!)).body).toMatchObject({ details: { causes: [{ message: "The disruption budget web needs 2 healthy pods and has 2 currently" }] } });
    expect(s.groundTruth().map((t) => t.pod)).toEqual([web[0]]);

    // The ReplicaSet's replacement becomes Ready (10 virtual s): the budget allows one again.
    let answer = 429;
    const deadline = Date.now() + 10_000;
    while (answer === 429 && Date.now() < deadline) {
      answer = (await evict(s, "shop", web[1]!)).status;
      if (answer === 429) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe(201);
    expect(s.groundTruth().map((t) => [t.pod, t.cause])).toEqual([
      [web[0], "eviction"],
      [web[1], "eviction"],
    ]);
  }, 30_000);

  it("kubectl drain refuses DaemonSet pods without --ignore-daemonsets, and with it waits on the budget until the node is drained", async () => {
    const s = await start();
    // The Job's pod has finished and the CronJob's first Job runs on node-1.
    await until(() => s.now() >= START + 16_000, 5000, "16 virtual seconds");
    const refusedDs = await kubectl(s, "drain", "node-1");
    expect(refusedDs.code).not.toBe(0);
    expect(refusedDs.stdout + refusedDs.stderr).toContain("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): data/agent-");
    expect(s.groundTruth()).toEqual([]);

    const before = (await Promise.all(["shop", "data", "batch"].map((ns) => pods(s, ns)))).flat().filter((p) => p.spec.nodeName === "node-1");
    const webOnNode1 = before.filter((p) => p.metadata.namespace === "shop");
    expect(webOnNode1).toHaveLength(2);
    const drained = await kubectl(s, "drain", "node-1", "--ignore-daemonsets", "--timeout=60s");
    const out = drained.stdout + drained.stderr;
    expect(drained.code, out).toBe(0);
    expect(out).toContain("node/node-1 drained");
    expect(out).toMatch(/Warning: ignoring DaemonSet-managed Pods: data\/agent-\w+/);
    expect(out).toMatch(/error when evicting pods\/"web-[\w-]+" -n "shop" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    for (const p of webOnNode1) expect(out).toContain(`pod/${p.metadata.name} evicted`);

    // Every running non-daemon pod on node-1 was evicted (the finished Job pod leaves no record);
    // the DaemonSet's pod is still there and running.
    const truth = s.groundTruth();
    const running = before.filter((p) => p.status.phase === "Running" && p.metadata.ownerReferences?.[0]?.kind !== "DaemonSet");
    expect(truth.map((t) => t.podUid).sort()).toEqual(running.map((p) => p.metadata.uid).sort());
    expect(truth.every((t) => t.cause === "eviction")).toBe(true);
    const agent = before.find((p) => p.metadata.ownerReferences?.[0]?.kind === "DaemonSet")!;
    expect((await pods(s, "data")).find((p) => p.metadata.uid === agent.metadata.uid)?.status.phase).toBe("Running");
    const nodes = await kubectl(s, "get", "nodes");
    expect(rows(nodes.stdout)[1]!.slice(0, 2)).toEqual(["node-1", "Ready,SchedulingDisabled"]);
  }, 90_000);

  it("kubectl delete job, statefulset and cronjob: the object goes at once, the garbage collector terminates what it owned", async () => {
    const s = await start();
    await until(() => s.now() >= START + 16_000, 5000, "16 virtual seconds");
    const job = "report-29935441";
    expect((await kubectl(s, "delete", "job", job, "-n", "batch")).stdout).toContain(`job.batch "${job}" deleted`);
    expect((await kubectl(s, "delete", "statefulset", "db", "-n", "data")).stdout).toContain(`statefulset.apps "db" deleted`);
    await until(() => s.groundTruth().length === 3 && s.groundTruth().every((t) => t.endedAt !== null), 10_000, "three terminations played out");
    expect(
      s
        .groundTruth()
        .map((t) => [t.workload.kind, t.workload.name, t.pod.replace(/-\w{5}$/, ""), t.cause])
        .sort(),
    ).toEqual([
      ["CronJob", "report", job, "delete"],
      ["StatefulSet", "db", "db-0", "delete"],
      ["StatefulSet", "db", "db-1", "delete"],
    ]);
    // Nothing recreates them: the StatefulSet's controller stopped with it.
    await new Promise((r) => setTimeout(r, 500));
    expect((await pods(s, "data")).map((p) => p.metadata.ownerReferences?.[0]?.kind)).toEqual(["DaemonSet", "DaemonSet"]);
    expect((await getJson(`${s.url}/apis/batch/v1/namespaces/batch/jobs/${job}`)).status).toBe(404);

    expect((await kubectl(s, "delete", "cronjob", "report", "-n", "batch")).stdout).toContain(`cronjob.batch "report" deleted`);
    expect((await getJson(`${s.url}/apis/batch/v1/namespaces/batch/cronjobs/report`)).status).toBe(404);
    expect((await kubectl(s, "delete", "job", "nope", "-n", "batch")).stderr).toContain(`jobs.batch "nope" not found`);
  }, 30_000);
});
