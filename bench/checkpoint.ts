// Benchmark: the ingest checkpoint with many pods in termination (issue 10 point 9).
//
//   DATABASE_URL=… node --import tsx bench/checkpoint.ts
//
// The sandbox runs 1,000 pods (10 Deployments × 100, istio-proxy sidecars, grace 600 s, apps that
// drain for 500 s); BENCH_CHECKPOINT_PODS of them (500) are deleted, so they stay in termination.
// The real list/watch source feeds a tracker until it follows them all; then: the size of
// tracker.checkpoint() as stored (JSON), the time to take and serialize it, the time to commit it
// (commitCheckpoint, with no records: the state alone; median and max of 20) and the time to read
// it back and restore a tracker from it.
import { pino } from "pino";
import { processEnv } from "../lib/env.ts";
import { createMetrics } from "../lib/metrics/registry.ts";
import { startSandbox } from "../lib/sandbox/index.ts";
import { startInformers } from "../lib/sources/live/informers.ts";
import { claimCheckpoint, commitCheckpoint } from "../lib/store/checkpoint.ts";
import { migrate, openStore } from "../lib/store/index.ts";
import { Tracker } from "../lib/tracker/tracker.ts";
import { bulkScenario } from "./load.ts";

const inTermination = Number(processEnv().BENCH_CHECKPOINT_PODS ?? 500);
const databaseUrl = processEnv().DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL must name a Postgres (the commit is measured there)");

const fmt = (n: number, d = 1): string => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const sb = await startSandbox({
  scenario: bulkScenario({ workloads: 10, replicas: Math.max(100, Math.ceil(inTermination / 10) * 2), terminationGracePeriodSeconds: 600, drainSeconds: 500 }),
  timeScale: 1,
});
const { KubeConfig } = await import("@kubernetes/client-node");
const kc = new KubeConfig();
kc.loadFromString(sb.kubeconfigYaml());
const tracker = new Tracker({ cluster: "bench" });
const source = startInformers({ kubeConfig: kc, metrics: createMetrics(), log: pino({ level: "silent" }) });
const pump = (async () => {
  for await (const batch of source.batches()) for (const item of batch) if (item.kind === "fact") tracker.ingest(item.fact);
})();
if (!(await source.waitForSync(60_000))) throw new Error("not synced");
for (const p of sb.driver.livePods().slice(0, inTermination)) sb.driver.deletePod(p.namespace, p.name, 600);
const deadline = Date.now() + 60_000;
while (tracker.stats().tracking < inTermination) {
  if (Date.now() > deadline) throw new Error(`only ${tracker.stats().tracking} pods in termination`);
  await new Promise((r) => setTimeout(r, 100));
}
await new Promise((r) => setTimeout(r, 1000)); // their Killing events and endpoint changes too

let t = performance.now();
const cp = tracker.checkpoint();
const takeMs = performance.now() - t;
t = performance.now();
const text = JSON.stringify(cp);
const stringifyMs = performance.now() - t;

const store = await openStore({ databaseUrl });
await migrate(store);
const claim = await claimCheckpoint("bench-checkpoint", store);
const commits: number[] = [];
for (let i = 0; i < 20; i++) {
  t = performance.now();
  await commitCheckpoint("bench-checkpoint", claim.epoch, { tracker: cp, positions: { pods: { resourceVersion: String(i + 1), observedAt: Date.now() } } }, [], store);
  commits.push(performance.now() - t);
}
t = performance.now();
const again = await claimCheckpoint("bench-checkpoint", store);
const loadMs = performance.now() - t;
if (again.checkpoint.kind !== "ok") throw new Error("checkpoint not read back");
t = performance.now();
const restored = Tracker.restore(again.checkpoint.state.tracker, { cluster: "bench" });
const restoreMs = performance.now() - t;

console.log(`\ndrainwatch checkpoint bench: ${inTermination} pods in termination (${sb.podCount()} pods in the sandbox), node ${process.version}`);
console.log(`pods in termination (tracker)          ${restored.stats().tracking}`);
console.log(`checkpoint size (JSON, as stored)      ${fmt(text.length / 1024)} KiB (${fmt(text.length / inTermination / 1024, 2)} KiB per pod in termination)`);
console.log(`take checkpoint() / JSON.stringify     ${fmt(takeMs)} ms / ${fmt(stringifyMs)} ms`);
console.log(`commit (state only) median / max of 20 ${fmt(median(commits))} ms / ${fmt(Math.max(...commits))} ms`);
console.log(`claim + read back / Tracker.restore    ${fmt(loadMs)} ms / ${fmt(restoreMs)} ms`);

await source.stop();
await pump;
await store.close();
await sb.close();
process.exit(0);
