// The termination record: API v1 of contract section 3. Field names are an external promise:
// add fields, never rename or repurpose one.
import { z } from "zod";

export const OUTCOMES = ["clean", "sigterm", "sigkill", "oom", "error", "unknown"] as const;
export const CAUSES = [
  "rollout",
  "scale-down",
  "eviction",
  "preemption",
  "taint",
  "pod-gc",
  "node-pressure",
  "node-shutdown",
  "force-delete",
  "delete",
  "unknown",
] as const;
export const PRESTOP_ACTIONS = ["exec", "httpGet", "sleep", "tcpSocket"] as const;
export type PreStopAction = (typeof PRESTOP_ACTIONS)[number];
export const TRAFFIC_SOURCES = ["istio", "envoy", "ingress-nginx", "custom"] as const;

export const outcomeSchema = z.enum(OUTCOMES);
export const causeSchema = z.enum(CAUSES);
export type Outcome = z.infer<typeof outcomeSchema>;
export type Cause = z.infer<typeof causeSchema>;

const time = z.string().nullable(); // RFC 3339 with milliseconds, or null when unknown

export const containerExitSchema = z.object({
  name: z.string(),
  sidecar: z.boolean(),
  exitCode: z.number().int().nullable(),
  reason: z.string().nullable(),
  finishedAt: time,
  outcome: outcomeSchema,
});

/**
 * Addition to contract section 3 (ARCHITECTURE.md, "Record additions"): what each container's
 * spec said, for recommendations; null fields when the pod was seen without its spec. A top-level
 * field of its own, so that the contract's `containers` objects stay exactly as specified.
 */
export const containerSpecSchema = z.object({
  name: z.string(),
  image: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  args: z.array(z.string()).nullable(),
  /** `lifecycle.stopSignal` (Kubernetes 1.33+), null when unset: the image's STOPSIGNAL applies. */
  stopSignal: z.string().nullable(),
});

export const recordEventSchema = z.object({
  reason: z.string(),
  type: z.string(),
  message: z.string(),
  at: time,
  count: z.number().int(),
});

export const trafficSchema = z.object({
  source: z.enum(TRAFFIC_SOURCES),
  requests: z.number().int(),
  errors5xx: z.number().int(),
  baselineRequests: z.number().int(),
  baselineErrors5xx: z.number().int(),
  baselineErrorRate: z.number().nullable(),
  windowStart: z.string(),
  windowEnd: z.string(),
});

export const terminationRecordSchema = z.object({
  podUid: z.string(),
  cluster: z.string(),
  namespace: z.string(),
  pod: z.string(),
  node: z.string().nullable(),
  workload: z.object({ kind: z.string(), name: z.string() }),
  revision: z.string().nullable(),
  cause: causeSchema,
  outcome: outcomeSchema,
  gracePeriodSeconds: z.number().int().nullable(),
  deleteRequestedAt: time,
  deadlineAt: time,
  endpointsUnreadyAt: time,
  killingAt: time,
  exitedAt: time,
  deletedAt: time,
  drainSeconds: z.number().nullable(),
  endpointLagSeconds: z.number().nullable(),
  preStop: z.object({
    defined: z.boolean(),
    action: z.enum(PRESTOP_ACTIONS).nullable(),
    failed: z.boolean(),
  }),
  sidecarExitedFirst: z.boolean(),
  containers: z.array(containerExitSchema),
  events: z.array(recordEventSchema),
  traffic: trafficSchema.nullable(),
  notes: z.array(z.string()),
  // Additions (contract: add fields, never change existing ones): top-level, so the contract's
  // own objects (preStop, containers) stay exactly as its examples print them.
  /** contract §3 `preStop.sleepSeconds`: the seconds of a sleep action, or of an exec `sleep N`. */
  preStopSleepSeconds: z.number().nullable().default(null),
  containerSpecs: z.array(containerSpecSchema).default([]),
});

export type ContainerExit = z.infer<typeof containerExitSchema>;
export type ContainerSpec = z.infer<typeof containerSpecSchema>;
export type RecordEvent = z.infer<typeof recordEventSchema>;
export type Traffic = z.infer<typeof trafficSchema>;
export type TerminationRecord = z.infer<typeof terminationRecordSchema>;

/** Contract order for `replay --json`: deleteRequestedAt, then pod name. Unknown times sort last. */
export function compareRecords(a: TerminationRecord, b: TerminationRecord): number {
  const ta = a.deleteRequestedAt ?? "\uffff";
  const tb = b.deleteRequestedAt ?? "\uffff";
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.pod !== b.pod) return a.pod < b.pod ? -1 : 1;
  return a.podUid < b.podUid ? -1 : a.podUid > b.podUid ? 1 : 0;
}
