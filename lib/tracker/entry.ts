// The state of one pod termination (keyed by pod UID) and its derivation into a record.
import type { Cause, ContainerSpec, Outcome, RecordEvent, TerminationRecord } from "./record";
import type { Pod } from "./objects";
import { ownerCause, type OwnerSnapshot } from "./owners";
import { containerExit, containerSpec, containerViews, hasFinalStatus, podOutcome, preStopOf } from "./classify";
import { formatTime, maxTime, minTime, parseTime, seconds } from "./time";

export interface StoredEvent {
  uid: string;
  reason: string;
  type: string;
  message: string;
  at: number | null;
  count: number;
  /** arrival order, to keep events with equal times in the order they were seen */
  seq: number;
}

/** Notes are emitted in this order, so records compare stably. */
export const NOTE_ORDER = ["no-final-status", "relist-stale-delete", "deadline-rewritten", "prestop-overran-grace", "expired", "first-seen-terminal"] as const;
export type Note = (typeof NOTE_ORDER)[number];

export interface Entry {
  uid: string;
  /** api: a deletion was observed; kubelet: the kubelet ended the pod without one */
  mode: "api" | "kubelet";
  /** latest trustworthy object (a relist's stale delete never replaces it) */
  pod: Pod;
  graceSeconds: number | null;
  requestAt: number | null;
  deadlineAt: number | null;
  /** the first deletionTimestamp and grace seen, to notice later rewrites */
  firstDeletion: { dts: string | null; grace: number | null } | null;
  /** decided from the first evidence; null = decide from owners at finalization */
  cause: Cause | null;
  owner: OwnerSnapshot;
  firstTerminalAt: number | null;
  endpointsUnreadyAt: number | null;
  /** unready seen before the tracker knew the pod was terminating (kubelet terminations) */
  earlyUnreadyAt: number | null;
  deletedAt: number | null;
  events: Map<string, StoredEvent>;
  notes: Set<Note>;
  staleDelete: boolean;
  dueAt: number;
  /** when an API deletion that never completes is given up on */
  expires: number | null;
}

const REQUEST_EVENT_REASONS = new Set(["Killing", "Evicted"]);

export function isRestartKill(e: { reason: string; message: string }): boolean {
  return e.reason === "Killing" && e.message.includes("will be restarted");
}

function earliestEvent(events: readonly StoredEvent[], reasons: ReadonlySet<string>): number | null {
  let t: number | null = null;
  for (const e of events) if (reasons.has(e.reason) && !isRestartKill(e)) t = minTime(t, e.at);
  return t;
}

export interface LateOwnerEvidence {
  scaledDown(e: Entry): boolean;
  behindSoonAfter(e: Entry): boolean;
}

/** Containers whose spec said anything (seen without one: nothing to record). The store reads back
 * the same rule, so a record round-trips exactly. */
const specSaysSomething = (c: ContainerSpec): boolean => c.image !== null || c.command !== null || c.args !== null || c.stopSignal !== null;

export function buildRecord(entry: Entry, cluster: string, late: LateOwnerEvidence): TerminationRecord {
  const pod = entry.pod;
  const views = containerViews(pod);
  const containers = views.map((v) => containerExit(v, entry.deadlineAt));
  const main = views.filter((v) => !v.sidecar);
  const mainExits = containers.filter((c) => !c.sidecar);
  const events = [...entry.events.values()].sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity) || a.seq - b.seq);

  const finished = (list: typeof containers) => list.map((c) => parseTime(c.finishedAt));
  const exitedAt = maxTime(...finished(mainExits));
  const firstSidecarExit = minTime(...finished(containers.filter((c) => c.sidecar)));
  const killingAt = earliestEvent(events, new Set(["Killing"]));

  let requestAt = entry.requestAt;
  if (entry.mode === "kubelet") {
    requestAt = minTime(earliestEvent(events, REQUEST_EVENT_REASONS), minTime(...finished(containers)), entry.firstTerminalAt);
  }
  let endpointsUnreadyAt = entry.endpointsUnreadyAt;
  if (endpointsUnreadyAt === null && entry.earlyUnreadyAt !== null && requestAt !== null && entry.earlyUnreadyAt >= requestAt) {
    endpointsUnreadyAt = entry.earlyUnreadyAt;
  }

  const notes = new Set(entry.notes);
  const missingFinal = main.some((v) => !hasFinalStatus(v));
  if (missingFinal) notes.add("no-final-status");
  if (entry.staleDelete) notes.add("relist-stale-delete");
  const preStop = preStopOf(views);
  if (preStop.sleepSeconds !== null && entry.graceSeconds !== null && entry.graceSeconds > 0 && preStop.sleepSeconds >= entry.graceSeconds) {
    notes.add("prestop-overran-grace");
  }

  let outcome: Outcome = podOutcome(mainExits.map((c) => c.outcome));
  if (entry.staleDelete && missingFinal) outcome = "unknown";

  return {
    podUid: entry.uid,
    cluster,
    namespace: pod.metadata.namespace,
    pod: pod.metadata.name,
    node: pod.spec?.nodeName ?? null,
    workload: entry.owner.workload,
    revision: entry.owner.revision,
    cause: entry.cause ?? ownerCause(entry.owner, late.scaledDown(entry), late.behindSoonAfter(entry)),
    outcome,
    gracePeriodSeconds: entry.graceSeconds,
    deleteRequestedAt: formatTime(requestAt),
    deadlineAt: formatTime(entry.deadlineAt),
    endpointsUnreadyAt: formatTime(endpointsUnreadyAt),
    killingAt: formatTime(killingAt),
    exitedAt: formatTime(exitedAt),
    deletedAt: formatTime(entry.deletedAt),
    drainSeconds: seconds(requestAt, exitedAt),
    endpointLagSeconds: seconds(requestAt, endpointsUnreadyAt),
    preStop: {
      defined: preStop.defined,
      action: preStop.action,
      failed: events.some((e) => e.reason === "FailedPreStopHook"),
    },
    sidecarExitedFirst: firstSidecarExit !== null && exitedAt !== null && firstSidecarExit < exitedAt,
    containers,
    events: events.map(
      (e): RecordEvent => ({ reason: e.reason, type: e.type, message: e.message, at: formatTime(e.at), count: e.count }),
    ),
    traffic: null,
    notes: NOTE_ORDER.filter((n) => notes.has(n)),
    preStopSleepSeconds: preStop.sleepSeconds,
    containerSpecs: views.map(containerSpec).filter(specSaysSomething),
  };
}
