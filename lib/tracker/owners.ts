// Owner caches: ReplicaSet → Deployment, Job → CronJob, StatefulSet / DaemonSet revisions.
// Mappings outlive their objects for a while, because the ReplicaSet of a terminated pod is
// often garbage-collected before the pod's record is final. Size is bounded by the number of
// controllers in the cluster, not by pods.
import type { Cause } from "./record";
import type { OwnerRef, Pod, WorkloadObject } from "./objects";
import type { ControllerCheckpoint, OwnersCheckpoint } from "./checkpoint";

const REVISION = "deployment.kubernetes.io/revision";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
/** How long a deleted controller's mapping is kept. */
const DELETED_TTL_MS = 60 * 60 * 1000;
/** A replica decrease this close before a deletion explains it as a scale-down. */
const SCALE_DOWN_WINDOW_MS = 10 * 60 * 1000;
/**
 * ...and one observed this soon after it. Watch streams are not ordered across kinds: an old
 * pod's deletion can arrive before the ReplicaSet scale-down or the Deployment's new revision.
 */
const LATE_EVIDENCE_MS = 5 * 1000;

interface Controller {
  kind: string;
  namespace: string;
  name: string;
  owner: OwnerRef | null;
  revision: string | null;
  updateRevision: string | null;
  generation: number | null;
  replicas: number | null;
  /** a ReplicaSet's copy of its Deployment's replicas (annotation) */
  desired: number | null;
  statusReplicas: number | null;
  lastDecreaseAt: number | null;
  /** when revision / updateRevision / generation last changed */
  revisionChangedAt: number | null;
  deletedAt: number | null;
}

/** Controller fields a checkpoint leaves out when null, in the checkpoint's field order. */
const NULLABLE_FIELDS = [
  "revision",
  "updateRevision",
  "generation",
  "replicas",
  "desired",
  "statusReplicas",
  "lastDecreaseAt",
  "revisionChangedAt",
  "deletedAt",
] as const satisfies readonly (keyof Controller)[];

export interface Workload {
  kind: string;
  name: string;
}

/** What the tracker freezes at the first evidence of a deletion, while the owners still exist. */
export interface OwnerSnapshot {
  workload: Workload;
  revision: string | null;
  /** rollout when the pod's revision is behind its workload's; null when that cannot be told */
  behind: boolean | null;
  /** the controllers whose desired replicas going down means a scale-down */
  scalers: string[];
  scalingDownNow: boolean;
  /** true when the owner is a workload controller whose state we lack */
  ownerUnknown: boolean;
  /** for a late re-check: the controller whose revision decides `behind`, and the pod's own */
  revisionOf: { uid: string; pod: string } | null;
}

/** Owned by a Job (whose finished pods are routinely cleaned up long after they ended). */
export function ownedByJob(refs: readonly OwnerRef[] | null | undefined): boolean {
  return controllerRef(refs)?.kind === "Job";
}

function controllerRef(refs: readonly OwnerRef[] | null | undefined): OwnerRef | null {
  if (!refs || refs.length === 0) return null;
  return refs.find((r) => r.controller === true) ?? refs[0] ?? null;
}

function revisionNumber(value: string | null): number | null {
  if (value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export class OwnerCache {
  private readonly byUid = new Map<string, Controller>();
  private readonly byName = new Map<string, string>();
  /** The highest revision among a Deployment's ReplicaSets (by Deployment uid): a new one can be seen first. */
  private readonly childRevision = new Map<string, { revision: number; at: number }>();

  get size(): number {
    return this.byUid.size;
  }

  /** The cache as JSON-safe data (part of the tracker's checkpoint). */
  checkpoint(): OwnersCheckpoint {
    const controllers = [...this.byUid].map(([uid, c]) => {
      const out: ControllerCheckpoint = { uid, kind: c.kind, namespace: c.namespace, name: c.name };
      if (c.owner !== null) out.owner = { ...c.owner };
      for (const key of NULLABLE_FIELDS) {
        const v = c[key];
        if (v !== null) Object.assign(out, { [key]: v });
      }
      if (this.byName.get(nameKey(c)) !== uid) out.shadowed = true;
      return out;
    });
    const childRevisions = [...this.childRevision].map(([uid, r]) => ({ uid, revision: r.revision, at: r.at }));
    return { controllers, childRevisions };
  }

  static restore(cp: OwnersCheckpoint): OwnerCache {
    const cache = new OwnerCache();
    for (const c of cp.controllers) {
      cache.byUid.set(c.uid, {
        kind: c.kind,
        namespace: c.namespace,
        name: c.name,
        owner: c.owner ?? null,
        revision: c.revision ?? null,
        updateRevision: c.updateRevision ?? null,
        generation: c.generation ?? null,
        replicas: c.replicas ?? null,
        desired: c.desired ?? null,
        statusReplicas: c.statusReplicas ?? null,
        lastDecreaseAt: c.lastDecreaseAt ?? null,
        revisionChangedAt: c.revisionChangedAt ?? null,
        deletedAt: c.deletedAt ?? null,
      });
      if (c.shadowed !== true) cache.byName.set(nameKey(c), c.uid);
    }
    for (const { uid, revision, at } of cp.childRevisions) cache.childRevision.set(uid, { revision, at });
    return cache;
  }

  observe(kind: string, obj: WorkloadObject, deleted: boolean, now: number): void {
    const m = obj.metadata;
    const previous = this.byUid.get(m.uid);
    const replicas = obj.spec?.replicas ?? null;
    const desiredText = m.annotations?.[DESIRED];
    const desired = desiredText === undefined ? null : Number(desiredText);
    let lastDecreaseAt = previous?.lastDecreaseAt ?? null;
    if (decreased(previous?.replicas ?? null, replicas) || decreased(previous?.desired ?? null, desired)) lastDecreaseAt = now;
    const revision = m.annotations?.[REVISION] ?? null;
    const updateRevision = obj.status?.updateRevision ?? null;
    const generation = m.generation ?? null;
    const changed =
      previous !== undefined &&
      (previous.revision !== revision || previous.updateRevision !== updateRevision || previous.generation !== generation);
    const owner = controllerRef(m.ownerReferences);
    if (kind === "ReplicaSet" && owner?.kind === "Deployment" && owner.uid) this.noteChildRevision(owner.uid, revisionNumber(revision), now);
    this.byUid.set(m.uid, {
      kind,
      namespace: m.namespace,
      name: m.name,
      owner,
      revision,
      updateRevision,
      generation,
      replicas,
      desired: Number.isFinite(desired) ? desired : null,
      statusReplicas: obj.status?.replicas ?? null,
      lastDecreaseAt,
      revisionChangedAt: changed ? now : (previous?.revisionChangedAt ?? null),
      deletedAt: deleted ? now : null,
    });
    this.byName.set(nameKey({ kind, namespace: m.namespace, name: m.name }), m.uid);
  }

  private noteChildRevision(deploymentUid: string, revision: number | null, now: number): void {
    if (revision === null) return;
    const known = this.childRevision.get(deploymentUid);
    if (!known || revision > known.revision) this.childRevision.set(deploymentUid, { revision, at: now });
  }

  /** Drops mappings of controllers deleted long ago. Cheap; called as the clock advances. */
  prune(now: number): void {
    for (const [uid, c] of this.byUid) {
      if (c.deletedAt !== null && now - c.deletedAt > DELETED_TTL_MS) {
        this.byUid.delete(uid);
        const key = nameKey(c);
        if (this.byName.get(key) === uid) this.byName.delete(key);
        this.childRevision.delete(uid);
      }
    }
  }

  private find(ref: OwnerRef, namespace: string): Controller | undefined {
    const byUid = ref.uid ? this.byUid.get(ref.uid) : undefined;
    if (byUid) return byUid;
    const uid = this.byName.get(`${ref.kind}/${namespace}/${ref.name}`);
    return uid ? this.byUid.get(uid) : undefined;
  }

  snapshot(pod: Pod): OwnerSnapshot {
    const m = pod.metadata;
    const ref = controllerRef(m.ownerReferences);
    const none = { behind: null, scalers: [], scalingDownNow: false, ownerUnknown: false, revisionOf: null };
    if (!ref) return { ...none, workload: { kind: "Pod", name: m.name }, revision: null };
    const owner = this.find(ref, m.namespace);
    const podHash = m.labels?.["controller-revision-hash"] ?? null;
    switch (ref.kind) {
      case "ReplicaSet":
        return this.replicaSetSnapshot(pod, ref, owner);
      case "StatefulSet":
        return {
          workload: { kind: "StatefulSet", name: ref.name },
          revision: podHash,
          behind: owner?.updateRevision && podHash ? owner.updateRevision !== podHash : null,
          scalers: ref.uid ? [ref.uid] : [],
          scalingDownNow: scalingDown(owner),
          ownerUnknown: !owner?.updateRevision || !podHash,
          revisionOf: ref.uid && podHash ? { uid: ref.uid, pod: podHash } : null,
        };
      case "DaemonSet": {
        const podGeneration = revisionNumber(m.labels?.["pod-template-generation"] ?? null);
        const known = owner?.generation != null && podGeneration !== null;
        return {
          ...none,
          workload: { kind: "DaemonSet", name: ref.name },
          revision: podHash,
          behind: known ? podGeneration < (owner.generation ?? 0) : null,
          ownerUnknown: !known,
          // The DaemonSet's new generation can arrive just after the pod's deletion.
          revisionOf: ref.uid && podGeneration !== null ? { uid: ref.uid, pod: String(podGeneration) } : null,
        };
      }
      case "Job": {
        const cron = owner?.owner?.kind === "CronJob" ? owner.owner : null;
        const workload = cron ? { kind: "CronJob", name: cron.name } : { kind: "Job", name: ref.name };
        return { ...none, workload, revision: null };
      }
      default:
        return { ...none, workload: { kind: ref.kind, name: ref.name }, revision: null };
    }
  }

  private replicaSetSnapshot(pod: Pod, ref: OwnerRef, rs: Controller | undefined): OwnerSnapshot {
    if (!rs) {
      // The ReplicaSet was never seen: its name is "<deployment>-<pod-template-hash>".
      const hash = pod.metadata.labels?.["pod-template-hash"];
      const inferred = hash && ref.name.endsWith(`-${hash}`) ? ref.name.slice(0, -hash.length - 1) : null;
      return {
        workload: inferred ? { kind: "Deployment", name: inferred } : { kind: "ReplicaSet", name: ref.name },
        revision: null,
        behind: null,
        scalers: [],
        scalingDownNow: false,
        ownerUnknown: true,
        revisionOf: null,
      };
    }
    const deploymentRef = rs.owner?.kind === "Deployment" ? rs.owner : null;
    const scalers = [ref.uid, deploymentRef?.uid].filter((u): u is string => typeof u === "string");
    const scaler = { scalers, scalingDownNow: scalingDown(rs) };
    if (!deploymentRef) {
      const own = { workload: { kind: "ReplicaSet", name: rs.name }, revision: rs.revision, behind: false };
      return { ...scaler, ...own, ownerUnknown: false, revisionOf: null };
    }
    const deployment = this.find(deploymentRef, rs.namespace);
    const current = this.deploymentRevision(deployment, deploymentRef.uid ?? null);
    const mine = revisionNumber(rs.revision);
    const known = current !== null && mine !== null;
    const uid = deploymentRef.uid ?? null;
    return {
      ...scaler,
      workload: { kind: "Deployment", name: deploymentRef.name },
      revision: rs.revision,
      behind: known ? current > mine : null,
      ownerUnknown: !known,
      revisionOf: uid && rs.revision ? { uid, pod: rs.revision } : null,
    };
  }

  /** A Deployment's current revision: its annotation, or a newer ReplicaSet seen before it. */
  private deploymentRevision(deployment: Controller | undefined, uid: string | null): number | null {
    const own = revisionNumber(deployment?.revision ?? null);
    const child = uid ? (this.childRevision.get(uid)?.revision ?? null) : null;
    if (own === null) return deployment ? child : null;
    return child === null ? own : Math.max(own, child);
  }

  /**
   * Whether the pod's revision turned out to be behind because of evidence seen only shortly
   * after its deletion began (a new revision whose watch event arrived after the pod's).
   */
  behindSoonAfter(s: OwnerSnapshot, deletionAt: number | null): boolean {
    if (s.behind !== false || s.revisionOf === null || deletionAt === null) return false;
    const c = this.byUid.get(s.revisionOf.uid);
    if (!c) return false;
    if (c.kind === "StatefulSet") {
      return c.updateRevision !== null && c.updateRevision !== s.revisionOf.pod && within(c.revisionChangedAt, deletionAt);
    }
    if (c.kind === "DaemonSet") {
      const podGeneration = revisionNumber(s.revisionOf.pod);
      return c.generation !== null && podGeneration !== null && podGeneration < c.generation && within(c.revisionChangedAt, deletionAt);
    }
    const mine = revisionNumber(s.revisionOf.pod);
    const child = this.childRevision.get(s.revisionOf.uid);
    const byAnnotation = revisionNumber(c.revision);
    if (mine === null) return false;
    if (byAnnotation !== null && byAnnotation > mine && within(c.revisionChangedAt, deletionAt)) return true;
    return child !== undefined && child.revision > mine && within(child.at, deletionAt);
  }

  /** Whether any of the controllers' desired replicas went down around `deletionAt`. */
  scaledDownAround(uids: readonly string[], deletionAt: number | null): boolean {
    if (deletionAt === null) return false;
    return uids.some((uid) => {
      const at = this.byUid.get(uid)?.lastDecreaseAt ?? null;
      return at !== null && at >= deletionAt - SCALE_DOWN_WINDOW_MS && at <= deletionAt + LATE_EVIDENCE_MS;
    });
  }
}

function nameKey(c: { kind: string; namespace: string; name: string }): string {
  return `${c.kind}/${c.namespace}/${c.name}`;
}

function within(at: number | null, deletionAt: number): boolean {
  return at !== null && at <= deletionAt + LATE_EVIDENCE_MS;
}

function decreased(before: number | null, after: number | null): boolean {
  return before !== null && after !== null && after < before;
}

function scalingDown(c: Controller | undefined): boolean {
  return c?.replicas != null && c.statusReplicas != null && c.replicas < c.statusReplicas;
}

/** rollout / scale-down / delete / unknown for an API deletion with no disruption condition. */
export function ownerCause(s: OwnerSnapshot, scaledDown: boolean, behindLate = false): Cause {
  if (s.behind === true || behindLate) return "rollout";
  if (s.ownerUnknown) return "unknown";
  if (scaledDown || s.scalingDownNow) return "scale-down";
  return "delete";
}
