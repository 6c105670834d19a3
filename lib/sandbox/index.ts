// The sandbox cluster's one public entry: a local Kubernetes API server driven by a simulator
// of the kubelet, the workload controllers (Deployment/ReplicaSet, StatefulSet, DaemonSet, Job,
// CronJob), EndpointSlices and PodDisruptionBudgets, playing a scenario on a virtual clock. `npm start` uses it when there is no cluster, live-ingest tests use it with
// its groundTruth(), bench/ drives load through Sandbox.driver. ESLint lets only lib/server,
// lib/cli, bench and test import lib/sandbox, and only through this file.
export { startSandbox } from "./sandbox.ts";
export type { LivePod, Sandbox, SandboxDriver, SandboxOptions } from "./sandbox.ts";
export { kubeconfig } from "./kubeconfig.ts";
export { runSandboxCommand, SandboxUsageError } from "./command.ts";
export type { DrainTruth, GroundTruth } from "./ground-truth.ts";
export type { Scenario } from "./scenario.ts";
export type { Pod } from "./types.ts";
