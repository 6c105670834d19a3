// zod schemas for the parts of Kubernetes objects the tracker reads. Parsing at the edge keeps the
// rest of the tracker free of defensive checks; unknown fields are dropped. Every optional field
// is `nullish` because serializers differ on null vs absent.
import { z } from "zod";

const str = z.string().nullish();
const int = z.number().int().nullish();
// Grace periods are int64 seconds. A JS number holds them exactly up to 2^53 − 1; a larger one
// (JSON.parse already rounded it) is read as unknown rather than failing the whole pod.
const int64 = z.number().nullish().transform((v) => (v === null || v === undefined || Number.isSafeInteger(v) ? v : null));
const stringMap = z.record(z.string(), z.string()).nullish();

export const ownerRefSchema = z.object({
  kind: z.string(),
  name: z.string(),
  uid: str,
  controller: z.boolean().nullish(),
});
export type OwnerRef = z.infer<typeof ownerRefSchema>;

const metadataSchema = z.object({
  uid: z.string().min(1),
  name: z.string().nullish().transform((v) => v ?? ""),
  namespace: z.string().nullish().transform((v) => v ?? ""),
  labels: stringMap,
  annotations: stringMap,
  ownerReferences: z.array(ownerRefSchema).nullish(),
  creationTimestamp: str,
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int64,
  generation: int,
});

const handlerSchema = z
  .object({
    exec: z.object({ command: z.array(z.string()).nullish() }).nullish(),
    httpGet: z.unknown().optional(),
    sleep: z.object({ seconds: z.number().nullish() }).nullish(),
    tcpSocket: z.unknown().optional(),
  })
  .nullish();

const containerSpecSchema = z.object({
  name: z.string(),
  image: str,
  command: z.array(z.string()).nullish(),
  args: z.array(z.string()).nullish(),
  restartPolicy: str,
  lifecycle: z.object({ preStop: handlerSchema, stopSignal: str }).nullish(),
});

const terminatedSchema = z.object({
  exitCode: z.number().int().nullish(),
  reason: str,
  startedAt: str,
  finishedAt: str,
});

const containerStatusSchema = z.object({
  name: z.string(),
  state: z
    .object({
      running: z.object({ startedAt: str }).nullish(),
      terminated: terminatedSchema.nullish(),
      waiting: z.object({ reason: str }).nullish(),
    })
    .nullish(),
});

const conditionSchema = z.object({
  type: z.string(),
  status: str,
  reason: str,
  message: str,
  lastTransitionTime: str,
});

/**
 * The only pod labels the tracker reads (owners.ts). A pod is kept from its deletion until its
 * record is final, and written in every checkpoint meanwhile, so its other labels and its
 * annotations (which can be large) are dropped at parse.
 */
export const POD_LABELS = ["pod-template-hash", "controller-revision-hash", "pod-template-generation"] as const;

const podLabelsSchema = stringMap.transform((labels) => {
  if (labels == null) return labels;
  const kept: Record<string, string> = {};
  for (const key of POD_LABELS) if (labels[key] !== undefined) kept[key] = labels[key];
  return kept;
});

export const podSchema = z.object({
  metadata: metadataSchema.omit({ annotations: true }).extend({ labels: podLabelsSchema }),
  spec: z
    .object({
      nodeName: str,
      restartPolicy: str,
      terminationGracePeriodSeconds: int64,
      containers: z.array(containerSpecSchema).nullish(),
      initContainers: z.array(containerSpecSchema).nullish(),
    })
    .nullish(),
  status: z
    .object({
      phase: str,
      reason: str,
      message: str,
      startTime: str,
      conditions: z.array(conditionSchema).nullish(),
      containerStatuses: z.array(containerStatusSchema).nullish(),
      initContainerStatuses: z.array(containerStatusSchema).nullish(),
    })
    .nullish(),
});
export type Pod = z.infer<typeof podSchema>;
export type ContainerSpec = z.infer<typeof containerSpecSchema>;
export type ContainerStatus = z.infer<typeof containerStatusSchema>;
export type PodCondition = z.infer<typeof conditionSchema>;

const objectRefSchema = z
  .object({ kind: str, name: str, namespace: str, uid: str, fieldPath: str })
  .nullish();

/** core/v1 Event and events.k8s.io/v1 Event; the tracker reads either shape (`involvedObject` or `regarding`, `message` or `note`). */
export const eventSchema = z.object({
  metadata: z.object({ uid: z.string().min(1), name: str }),
  involvedObject: objectRefSchema,
  regarding: objectRefSchema,
  reason: str,
  message: str,
  note: str,
  type: str,
  count: int,
  deprecatedCount: int,
  firstTimestamp: str,
  lastTimestamp: str,
  deprecatedFirstTimestamp: str,
  deprecatedLastTimestamp: str,
  eventTime: str,
  series: z.object({ count: int, lastObservedTime: str }).nullish(),
});

export const endpointSliceSchema = z.object({
  metadata: z.object({ uid: z.string().min(1), annotations: stringMap }),
  endpoints: z
    .array(
      z.object({
        conditions: z
          .object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() })
          .nullish(),
        targetRef: objectRefSchema,
      }),
    )
    .nullish(),
});

const workloadMetaSchema = metadataSchema.pick({
  uid: true,
  name: true,
  namespace: true,
  labels: true,
  annotations: true,
  ownerReferences: true,
  creationTimestamp: true,
  generation: true,
});

export const workloadSchema = z.object({
  metadata: workloadMetaSchema,
  spec: z.object({ replicas: int }).nullish(),
  status: z.object({ replicas: int, updateRevision: str, currentRevision: str }).nullish(),
});
export type WorkloadObject = z.infer<typeof workloadSchema>;

/** The uid check every event gets, even for objects the tracker then ignores. */
export const uidOnlySchema = z.object({ metadata: z.object({ uid: z.string().min(1) }) });

export function describeIssue(kind: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${kind}: invalid object`;
  const where = issue.path.length > 0 ? issue.path.join(".") : "object";
  if (where === "metadata.uid" || where === "metadata") return `${kind}: missing metadata.uid`;
  return `${kind}: ${where}: ${issue.message}`;
}
