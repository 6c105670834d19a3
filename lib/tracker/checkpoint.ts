// The tracker's state as plain JSON, so that a successor process can continue exactly where this
// one stopped (issue 10: checkpoint and resume). Everything the tracker's future output depends on
// is here; the finalization heap is not (it is rebuilt from the entries' due times). Maps and Sets
// become arrays in their iteration order (eviction and finalization order depend on it), and the
// infinities the tracker uses for "never" and "not yet" become null: JSON has neither.
import { z } from "zod";
import { CAUSES } from "./record";
import { ownerRefSchema, podSchema } from "./objects";
import { NOTE_ORDER } from "./entry";

/** Bumped whenever the shape or meaning of a checkpoint changes: an older build refuses a newer one. */
export const TRACKER_CHECKPOINT_VERSION = 1;

/** A checkpoint that cannot be restored (malformed, another version, another cluster). */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

const time = z.number().finite();
const maybeTime = time.nullable();
const count = z.number().int().nonnegative();

const storedEventSchema = z.object({
  uid: z.string(),
  reason: z.string(),
  type: z.string(),
  message: z.string(),
  at: maybeTime,
  count: z.number().int(),
  seq: count,
});

const ownerSnapshotSchema = z.object({
  workload: z.object({ kind: z.string(), name: z.string() }),
  revision: z.string().nullable(),
  behind: z.boolean().nullable(),
  scalers: z.array(z.string()),
  scalingDownNow: z.boolean(),
  ownerUnknown: z.boolean(),
  revisionOf: z.object({ uid: z.string(), pod: z.string() }).nullable(),
});

const entrySchema = z.object({
  uid: z.string().min(1),
  mode: z.enum(["api", "kubelet"]),
  pod: podSchema,
  graceSeconds: z.number().int().nullable(),
  requestAt: maybeTime,
  deadlineAt: maybeTime,
  firstDeletion: z.object({ dts: z.string().nullable(), grace: z.number().int().nullable() }).nullable(),
  cause: z.enum(CAUSES).nullable(),
  owner: ownerSnapshotSchema,
  firstTerminalAt: maybeTime,
  endpointsUnreadyAt: maybeTime,
  earlyUnreadyAt: maybeTime,
  deletedAt: maybeTime,
  /** in arrival order */
  events: z.array(storedEventSchema),
  notes: z.array(z.enum(NOTE_ORDER)),
  staleDelete: z.boolean(),
  /** null: not scheduled */
  dueAt: maybeTime,
  expires: maybeTime,
});

const pendingSchema = z.object({
  uid: z.string().min(1),
  events: z.array(storedEventSchema),
  unreadyAt: maybeTime,
  touchedAt: time,
});

// Controllers are most of a quiet cluster's checkpoint (every ReplicaSet a Deployment keeps), so
// their fields that are null (most of them) are left out: absent means null.
const controllerSchema = z.object({
  uid: z.string().min(1),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  owner: ownerRefSchema.optional(),
  revision: z.string().optional(),
  updateRevision: z.string().optional(),
  generation: z.number().int().optional(),
  replicas: z.number().int().optional(),
  desired: z.number().optional(),
  statusReplicas: z.number().int().optional(),
  lastDecreaseAt: time.optional(),
  revisionChangedAt: time.optional(),
  deletedAt: time.optional(),
  /** true when a controller of the same kind and name, seen later, answers lookups by name instead */
  shadowed: z.literal(true).optional(),
});

export const ownersCheckpointSchema = z.object({
  controllers: z.array(controllerSchema),
  /** a Deployment's highest ReplicaSet revision seen, by Deployment uid */
  childRevisions: z.array(z.object({ uid: z.string().min(1), revision: z.number().finite(), at: time })),
});

export const trackerCheckpointSchema = z.object({
  version: z.literal(TRACKER_CHECKPOINT_VERSION),
  cluster: z.string(),
  /** the virtual clock; null before the first fact */
  clock: maybeTime,
  lastPrune: maybeTime,
  /** event arrival counter (orders events with equal times) */
  seq: count,
  counts: z.object({ facts: count, invalid: count, emitted: count }),
  /** pods in termination, in the tracker's order */
  entries: z.array(entrySchema),
  /** events and endpoint state buffered for pods not (yet) in termination, oldest first */
  pending: z.array(pendingSchema),
  owners: ownersCheckpointSchema,
  /** UIDs already finalized, oldest first */
  finished: z.array(z.string()),
});

export type TrackerCheckpoint = z.infer<typeof trackerCheckpointSchema>;
export type EntryCheckpoint = z.infer<typeof entrySchema>;
export type PendingCheckpoint = z.infer<typeof pendingSchema>;
export type OwnersCheckpoint = z.infer<typeof ownersCheckpointSchema>;
export type ControllerCheckpoint = z.infer<typeof controllerSchema>;

/**
 * Validates a checkpoint (JSON as read back): its version first, so that a checkpoint written by
 * another build is named as such rather than reported field by field.
 */
export function parseCheckpoint(value: unknown, cluster: string): TrackerCheckpoint {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CheckpointError("tracker checkpoint: not a JSON object");
  }
  const version = (value as { version?: unknown }).version;
  if (version !== TRACKER_CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `tracker checkpoint: version ${JSON.stringify(version) ?? "(none)"} is not supported (this build reads version ${TRACKER_CHECKPOINT_VERSION})`,
    );
  }
  const parsed = trackerCheckpointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(checkpoint)";
    throw new CheckpointError(`tracker checkpoint: ${where}: ${issue?.message ?? "invalid"}`);
  }
  if (parsed.data.cluster !== cluster) {
    throw new CheckpointError(`tracker checkpoint: written for cluster "${parsed.data.cluster}", not "${cluster}"`);
  }
  return parsed.data;
}

/** Infinity ("never", "not yet") as JSON null and back. */
export const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);
