// Scenario files (YAML, validated with zod at load): the cluster's namespaces, nodes and
// workloads with per-container shutdown behaviour, and a schedule of actions at virtual times.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PROXY_CONTAINER_NAMES } from "../tracker/classify.ts";
import { isValidCron } from "./sim/cron.ts";

export const BEHAVIOURS = ["clean", "slow", "ignore-sigterm", "oom-during-drain", "exit-143", "error"] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

const seconds = z.number().nonnegative();

const preStopSchema = z.union([
  z.strictObject({ sleep: seconds }),
  z.strictObject({ exec: z.array(z.string()).min(1), seconds: seconds.default(1), fail: z.boolean().default(false) }),
  z.strictObject({ httpGet: z.string().startsWith("/"), port: z.number().int().positive().default(8080), seconds: seconds.default(1), fail: z.boolean().default(false) }),
]);
export type PreStopConfig = z.infer<typeof preStopSchema>;

const containerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  image: z.string().default("registry.example/app:1.0.0"),
  /** What the process does on SIGTERM. */
  behaviour: z.enum(BEHAVIOURS).default("clean"),
  /** Seconds from SIGTERM to exit (clean, exit-143, error, slow) or to the OOM kill. */
  drainSeconds: seconds.default(2),
  /** Exit code of `error`. */
  exitCode: z.number().int().min(1).max(255).default(1),
  preStop: preStopSchema.optional(),
  /** Traffic (sim/traffic): the app stops accepting connections at SIGTERM (else only when it exits). */
  closesListenerAtSigterm: z.boolean().default(true),
  /** Traffic: requests in flight at SIGTERM run to completion (else they fail at SIGTERM). */
  drainsInFlight: z.boolean().default(true),
});
export type ContainerConfig = z.infer<typeof containerSchema>;

const sidecarSchema = z.strictObject({
  /** Classic sidecars are recognised by these names only (the tracker's list). */
  name: z.enum(PROXY_CONTAINER_NAMES).default("istio-proxy"),
  image: z.string().default("docker.io/istio/proxyv2:1.27.0"),
  /** Native sidecar: an init container with restartPolicy Always, stopped after the main containers. */
  native: z.boolean().default(false),
  /** Classic: exits this long after termination starts (pilot-agent's 5 s drain). Native: after its SIGTERM. */
  drainSeconds: seconds.optional(),
});
export type SidecarConfig = z.infer<typeof sidecarSchema>;

/** Simulated clients of a workload (sim/traffic): requests go to the endpoints they believe ready. */
const clientsSchema = z.strictObject({
  /** Requests per second, spread evenly over each second. */
  rps: z.number().int().positive().max(1000),
  /** How long one request takes to answer. */
  requestSeconds: z.number().positive().max(600).default(0.2),
  /** EndpointSlice change → clients route by it (kube-proxy, mesh or load-balancer lag). */
  propagationDelaySeconds: seconds.max(600).default(1),
  /** The clients' workload name (`source_workload`). */
  source: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).default("loadgen"),
});
export type ClientsConfig = z.infer<typeof clientsSchema>;

const intOrPercent = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+%$/)]);

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const workloadSchema = z.strictObject({
  kind: z.enum(WORKLOAD_KINDS).default("Deployment"),
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  namespace: z.string().default("default"),
  replicas: z.number().int().nonnegative().default(3),
  maxSurge: intOrPercent.default("25%"),
  maxUnavailable: intOrPercent.default("25%"),
  terminationGracePeriodSeconds: z.number().int().nonnegative().default(30),
  port: z.number().int().positive().default(8080),
  containers: z.array(containerSchema).min(1),
  sidecars: z.array(sidecarSchema).default([]),
  /** The nodes its pods may run on (a required node affinity on kubernetes.io/hostname); default all. */
  nodes: z.array(z.string()).min(1).optional(),
  /** StatefulSet: ordinals below this keep their revision in a rolling update. */
  partition: z.number().int().nonnegative().default(0),
  /** Job, CronJob: seconds a Job's pod runs before it exits 0 on its own. */
  runSeconds: seconds.default(30),
  /** CronJob: five-field cron schedule, played on the virtual clock. */
  schedule: z.string().refine(isValidCron, "a five-field cron schedule").default("*/1 * * * *"),
  concurrencyPolicy: z.enum(["Allow", "Forbid", "Replace"]).default("Allow"),
  successfulJobsHistoryLimit: z.number().int().nonnegative().default(3),
  failedJobsHistoryLimit: z.number().int().nonnegative().default(1),
  clients: clientsSchema.optional(),
});
export type WorkloadConfig = z.infer<typeof workloadSchema>;

const target = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, "target is namespace/workload");
const at = seconds;

const actionSchema = z.discriminatedUnion("action", [
  z.strictObject({
    at,
    action: z.literal("rollout"),
    target,
    image: z.string().optional(),
    behaviour: z.enum(BEHAVIOURS).optional(),
    drainSeconds: seconds.optional(),
  }),
  z.strictObject({ at, action: z.literal("scale"), target, replicas: z.number().int().nonnegative() }),
  z.strictObject({ at, action: z.literal("delete-pod"), target, gracePeriodSeconds: z.number().int().positive().optional() }),
  z.strictObject({ at, action: z.literal("force-delete"), target }),
  z.strictObject({ at, action: z.literal("evict"), target, gracePeriodSeconds: z.number().int().nonnegative().optional() }),
  z.strictObject({ at, action: z.literal("node-pressure"), target, resource: z.enum(["memory", "ephemeral-storage"]).default("memory") }),
  /** Removes pods left in phase Failed (evicted), as PodGC or an operator would: grace 0. */
  z.strictObject({ at, action: z.literal("gc-failed"), namespace: z.string().optional() }),
  /** `kubectl drain NODE`: cordon, then evict its pods (retrying every 5 s while a PDB refuses). */
  z.strictObject({
    at,
    action: z.literal("drain"),
    node: z.string(),
    ignoreDaemonSets: z.boolean().default(true),
    /** kubectl drain --pod-selector: only matching pods are evicted (equality label selector). */
    podSelector: z.string().optional(),
    gracePeriodSeconds: z.number().int().nonnegative().optional(),
    /** kubectl drain --timeout (its default, 0, waits forever; a scenario must end). */
    timeoutSeconds: z.number().positive().default(300),
  }),
  z.strictObject({ at, action: z.literal("uncordon"), node: z.string() }),
  /** `kubectl delete job`: a Job workload's Job, or a CronJob's running one (background propagation). */
  z.strictObject({ at, action: z.literal("delete-job"), target }),
  /** `kubectl create job`: another Job of a Job workload, named "<workload>-<5 random>". */
  z.strictObject({ at, action: z.literal("run-job"), target }),
  /** A kubectl-like command line, e.g. `scale deployment/web --replicas=2 -n shop`. */
  z.strictObject({ at, action: z.literal("kubectl"), command: z.string().min(1) }),
]);
export type Action = z.infer<typeof actionSchema>;

const pdbSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
    namespace: z.string().default("default"),
    /** spec.selector.matchLabels (the sandbox's pods carry `app: <workload name>`). */
    matchLabels: z.record(z.string(), z.string()),
    minAvailable: intOrPercent.optional(),
    maxUnavailable: intOrPercent.optional(),
  })
  .refine((p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined), "exactly one of minAvailable and maxUnavailable");
export type DisruptionBudgetConfig = z.infer<typeof pdbSchema>;

/** Which actions make sense for which kinds (a rollout of a Job is no such thing). */
const ACTION_KINDS: Partial<Record<Action["action"], readonly WorkloadKind[]>> = {
  rollout: ["Deployment", "StatefulSet", "DaemonSet"],
  scale: ["Deployment", "StatefulSet"],
  "delete-job": ["Job", "CronJob"],
  "run-job": ["Job"],
};

const settingsSchema = z.strictObject({
  /** API deletion → kubelet starts killing (the Killing event). */
  kubeletLatencySeconds: seconds.default(0.5),
  /** Pod change → EndpointSlice update. */
  endpointLagSeconds: seconds.default(0.35),
  /** Termination start → readiness probe fails (Ready False). */
  readinessDelaySeconds: seconds.default(1.5),
  /** Pod created → running and ready. */
  podStartSeconds: seconds.default(2),
});
export type Settings = z.infer<typeof settingsSchema>;

export const scenarioSchema = z
  .strictObject({
    name: z.string().default("scenario"),
    description: z.string().optional(),
    timeScale: z.number().positive().default(1),
    seed: z.number().int().default(1),
    /** Replay the schedule forever, every `period` virtual seconds. */
    repeat: z.boolean().default(false),
    period: z.number().positive().optional(),
    namespaces: z.array(z.string()).default([]),
    nodes: z.array(z.string()).min(1).default(["node-1", "node-2", "node-3"]),
    settings: settingsSchema.default(settingsSchema.parse({})),
    workloads: z.array(workloadSchema).default([]),
    disruptionBudgets: z.array(pdbSchema).default([]),
    schedule: z.array(actionSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const kinds = new Map(s.workloads.map((w) => [`${w.namespace}/${w.name}`, w.kind]));
    s.workloads.forEach((w, i) => {
      for (const n of w.nodes ?? []) if (!s.nodes.includes(n)) ctx.addIssue({ code: "custom", path: ["workloads", i, "nodes"], message: `no node ${n}` });
    });
    s.schedule.forEach((a, i) => {
      if ("target" in a && !kinds.has(a.target)) {
        ctx.addIssue({ code: "custom", path: ["schedule", i, "target"], message: `no workload ${a.target}` });
      }
      const allowed = ACTION_KINDS[a.action];
      const kind = "target" in a ? kinds.get(a.target) : undefined;
      if (allowed && kind && !allowed.includes(kind)) {
        ctx.addIssue({ code: "custom", path: ["schedule", i, "action"], message: `${a.action} does not apply to a ${kind}` });
      }
      if ("node" in a && !s.nodes.includes(a.node)) ctx.addIssue({ code: "custom", path: ["schedule", i, "node"], message: `no node ${a.node}` });
    });
    if (s.repeat && s.period !== undefined && s.schedule.some((a) => a.at >= s.period!)) {
      ctx.addIssue({ code: "custom", path: ["period"], message: "every action must be earlier than period" });
    }
  });
export type Scenario = z.infer<typeof scenarioSchema>;

export const BUILTIN_SCENARIOS: Record<string, string> = {
  demo: fileURLToPath(new URL("../../sandbox/scenarios/demo.yaml", import.meta.url)),
};

export function parseScenario(text: string, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`invalid scenario ${source}: ${issues}`);
  }
  return parsed.data;
}

/** Loads a built-in scenario by name ("demo") or a YAML file by path. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const path = BUILTIN_SCENARIOS[nameOrPath] ?? nameOrPath;
  return parseScenario(await readFile(path, "utf8"), path);
}
