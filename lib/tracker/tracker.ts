// The tracker: a pure state machine keyed by pod UID. It takes facts (watch events with their
// observation time), keeps only pods in termination plus small owner caches, and emits finalized
// termination records as its clock passes their settle time. No I/O: sources feed it, sinks store.
import type { Fact } from "./fact";
import type { TerminationRecord } from "./record";
import { MinHeap } from "./heap";
import { buildRecord, isRestartKill, type Entry, type StoredEvent } from "./entry";
import { disruptionCause, containerViews, hasFinalStatus, isKubeletTermination, isTerminal, kubeletCause } from "./classify";
import { OwnerCache, ownedByJob } from "./owners";
import { describeIssue, endpointSliceSchema, eventSchema, podSchema, uidOnlySchema, workloadSchema, type Pod } from "./objects";
import { maxTime, parseTime, podObjectTime, requestTime } from "./time";
import { TRACKER_CHECKPOINT_VERSION, finiteOrNull, parseCheckpoint, type EntryCheckpoint, type TrackerCheckpoint } from "./checkpoint";

export interface TrackerOptions {
  cluster: string;
  /** How long a deleted (or kubelet-terminated) pod waits for late events and status. */
  settleMs?: number;
  /** An entry that never ends is finalized this long after its deadline, with the note `expired`. */
  expireMs?: number;
  /** How many finalized pod UIDs are remembered, so late events create no duplicate. */
  rememberFinished?: number;
  /** Bound on pods with buffered events/endpoint state that are not (yet) terminating. */
  maxPending?: number;
  /**
   * Facts come in the API server's order (live watches): nothing of a pod follows its DELETED. Then
   * only finalized pods that may still exist are remembered (kubelet terminations and pods that
   * finished on their own, until their DELETED; expired entries), a set Kubernetes' terminated-pod
   * GC bounds, instead of every finalized UID: the checkpoint carries it every few seconds.
   * Captures, possibly merged out of order, remember every finalized UID (default false).
   */
  apiOrder?: boolean;
}

export interface IngestResult {
  records: TerminationRecord[];
  /** Why the fact was invalid and skipped; null when it was used or legitimately ignored. */
  problem: string | null;
}

export interface TrackerStats {
  tracking: number;
  pending: number;
  owners: number;
  remembered: number;
  facts: number;
  invalid: number;
  emitted: number;
}

const WORKLOAD_KINDS = new Set(["ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job"]);
const IGNORED_KINDS = new Set(["Node"]);
/** Events worth keeping for a pod that is not terminating yet (kubelet terminations log first). */
const EARLY_EVENT_REASONS = new Set([
  "Killing",
  "Evicted",
  "Preempting",
  "Preempted",
  "TaintManagerEviction",
  "FailedPreStopHook",
  "ExceededGracePeriod",
  "FailedKillPod",
]);
const PENDING_TTL_MS = 10 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;
const NO_RESULT: IngestResult = Object.freeze({ records: [], problem: null }) as IngestResult;

interface Pending {
  events: StoredEvent[];
  unreadyAt: number | null;
  touchedAt: number;
}

export class Tracker {
  private readonly cluster: string;
  private readonly settleMs: number;
  private readonly expireMs: number;
  private readonly rememberFinished: number;
  private readonly maxPending: number;
  private readonly apiOrder: boolean;

  private readonly entries = new Map<string, Entry>();
  // Equal due times pop in key order, whatever the push history: a checkpoint need not keep the heap.
  private readonly due = new MinHeap<{ due: number; key: string }>((a, b) => a.due < b.due || (a.due === b.due && a.key < b.key));
  private readonly finished = new Map<string, true>();
  private readonly pending = new Map<string, Pending>();
  private owners = new OwnerCache();
  private clock = -Infinity;
  private lastPrune = -Infinity;
  private seq = 0;
  private counts = { facts: 0, invalid: 0, emitted: 0 };

  constructor(opts: TrackerOptions) {
    this.cluster = opts.cluster;
    this.settleMs = opts.settleMs ?? 5000;
    this.expireMs = opts.expireMs ?? 60 * 60 * 1000;
    this.rememberFinished = opts.rememberFinished ?? 100_000;
    this.maxPending = opts.maxPending ?? 50_000;
    this.apiOrder = opts.apiOrder ?? false;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The virtual clock: the latest observation time seen (epoch ms). */
  get now(): number {
    return this.clock;
  }

  stats(): TrackerStats {
    return {
      tracking: this.entries.size,
      pending: this.pending.size,
      owners: this.owners.size,
      remembered: this.finished.size,
      ...this.counts,
    };
  }

  ingest(fact: Fact): IngestResult {
    this.counts.facts++;
    if (fact.type === "BOOKMARK" || fact.type === "ERROR") return NO_RESULT;
    const obj = fact.object;
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return this.invalid("object is not a JSON object");
    const kind = (obj as { kind?: unknown }).kind;
    if (typeof kind !== "string") return this.invalid("object has no kind");

    switch (kind) {
      case "Pod":
        return this.onPod(fact);
      case "Event":
        return this.onEvent(fact);
      case "EndpointSlice":
        return this.onEndpointSlice(fact);
      default:
        if (WORKLOAD_KINDS.has(kind)) return this.onWorkload(kind, fact);
        if (IGNORED_KINDS.has(kind)) {
          return uidOnlySchema.safeParse(obj).success ? this.advance(fact.at) : this.invalid(`${kind}: missing metadata.uid`);
        }
        return NO_RESULT; // other kinds are not ours
    }
  }

  /**
   * A complete list of pods (in `namespace`; null: all namespaces) found exactly `present`. Every
   * pod in termination in that scope that is absent was deleted while nothing watched: it gets
   * the stale-delete treatment of a DELETED without deletionTimestamp (contract §3,
   * `relist-stale-delete`) now, not an `expired` record an hour later. The source's index sends
   * such DELETEs for the pods it has seen itself; after a resume it has seen none of the pods a
   * restored checkpoint holds.
   */
  relisted(namespace: string | null, present: ReadonlySet<string>, at: number | null): TerminationRecord[] {
    const t = this.timeOf(at, null);
    const records = [...this.advance(t).records];
    for (const entry of this.entries.values()) {
      if (entry.deletedAt !== null || present.has(entry.uid)) continue;
      if (namespace !== null && entry.pod.metadata.namespace !== namespace) continue;
      entry.staleDelete = true;
      entry.deletedAt = t;
      this.schedule(entry, t + this.settleMs);
    }
    return records;
  }

  /** Moves the clock (e.g. from a wall-clock tick in live mode) and returns what became final. */
  tick(now: number): TerminationRecord[] {
    return this.advance(now).records;
  }

  /**
   * Finalizes the pods whose deletion has been observed (they only wait out the settle window):
   * on shutdown these are as final as they will get, while pods still draining are left for the
   * next process, which picks them up from their current state.
   */
  finalizeDeleted(): TerminationRecord[] {
    const out: TerminationRecord[] = [];
    for (const entry of [...this.entries.values()]) if (entry.deletedAt !== null) out.push(this.finalize(entry));
    return out;
  }

  /**
   * The pods in termination whose deletion has not completed yet, each as its record would read
   * if it were finalized now (provisional: containers still running have no exit yet). Read-only:
   * the live view's data; nothing is finalized or forgotten.
   */
  inFlight(): TerminationRecord[] {
    const out: TerminationRecord[] = [];
    for (const entry of this.entries.values()) {
      if (entry.deletedAt !== null || entry.staleDelete) continue;
      out.push(buildRecord(entry, this.cluster, this.lateEvidence));
    }
    return out;
  }

  /** Finalizes every pod still in termination: the end of a capture. */
  finalizeAll(): TerminationRecord[] {
    const out: TerminationRecord[] = [];
    for (const entry of [...this.entries.values()]) out.push(this.finalize(entry));
    return out;
  }

  /**
   * Everything the tracker's future output depends on, as JSON-safe data (trackerCheckpointSchema).
   * A snapshot: the tracker is not changed, and later changes to it do not reach the snapshot.
   */
  checkpoint(): TrackerCheckpoint {
    // The heap is left out: its live items are exactly the entries' due times (stale ones are
    // skipped when popped), and equal due times pop in key order, so a rebuilt heap pops the same.
    return {
      version: TRACKER_CHECKPOINT_VERSION,
      cluster: this.cluster,
      clock: finiteOrNull(this.clock),
      lastPrune: finiteOrNull(this.lastPrune),
      seq: this.seq,
      counts: { ...this.counts },
      entries: [...this.entries.values()].map(entryCheckpoint),
      pending: [...this.pending].map(([uid, p]) => ({ uid, events: p.events.map((e) => ({ ...e })), unreadyAt: p.unreadyAt, touchedAt: p.touchedAt })),
      owners: this.owners.checkpoint(),
      finished: [...this.finished.keys()],
    };
  }

  /**
   * A tracker that continues from a checkpoint (as read back from storage: it is validated here).
   * Throws CheckpointError for a malformed checkpoint, another version or another cluster.
   */
  static restore(cp: unknown, opts: TrackerOptions): Tracker {
    const state = parseCheckpoint(cp, opts.cluster);
    const t = new Tracker(opts);
    t.clock = state.clock ?? -Infinity;
    t.lastPrune = state.lastPrune ?? -Infinity;
    t.seq = state.seq;
    t.counts = { ...state.counts };
    for (const e of state.entries) {
      const entry = restoreEntry(e);
      t.entries.set(entry.uid, entry);
      if (entry.dueAt !== Infinity) t.due.push({ due: entry.dueAt, key: entry.uid });
    }
    for (const { uid, ...p } of state.pending) t.pending.set(uid, p);
    t.owners = OwnerCache.restore(state.owners);
    // Restored under smaller bounds than it was written with: the oldest go first, as they would have.
    const finished = state.finished.slice(Math.max(0, state.finished.length - t.rememberFinished));
    for (const uid of finished) t.finished.set(uid, true);
    for (const uid of [...t.pending.keys()].slice(0, Math.max(0, t.pending.size - t.maxPending))) t.pending.delete(uid);
    return t;
  }

  // ---- kinds -------------------------------------------------------------------------------

  private onPod(fact: Fact): IngestResult {
    // Fast path: most pod traffic is status churn of running pods that are not terminating.
    // Those need only their uid checked; full validation is for pods the tracker keeps.
    const raw = fact.object as { metadata?: { uid?: unknown; deletionTimestamp?: unknown }; status?: { phase?: unknown } };
    const rawUid = raw.metadata?.uid;
    if (typeof rawUid !== "string" || rawUid === "") return this.invalid("Pod: missing metadata.uid");
    const phase = raw.status?.phase;
    if (fact.type !== "DELETED" && raw.metadata?.deletionTimestamp == null && phase !== "Failed" && phase !== "Succeeded" && !this.entries.has(rawUid)) {
      return this.advance(fact.at);
    }

    const parsed = podSchema.safeParse(fact.object);
    if (!parsed.success) return this.invalid(describeIssue("Pod", parsed.error));
    const pod = parsed.data;
    const uid = pod.metadata.uid;
    const t = fact.at ?? this.timeOf(null, podObjectTime(pod), fact.receivedAt);
    const result = this.advance(t);
    if (this.finished.has(uid)) {
      if (fact.type === "DELETED" && this.apiOrder) this.finished.delete(uid); // gone: nothing of it can follow
      return result;
    }

    const deleting = pod.metadata.deletionTimestamp != null;
    const deleted = fact.type === "DELETED";
    let entry = this.entries.get(uid);

    if (deleted && !deleting) {
      // A DELETED without deletionTimestamp cannot come from the API server (every pod deletion
      // sets it first): it is synthesized from a stale cache after a relist.
      entry ??= this.startEntry(pod, t, isKubeletTermination(pod) ? "kubelet" : "stale");
      entry.staleDelete = true;
      entry.deletedAt = t;
      this.schedule(entry, t + this.settleMs);
      return result;
    }

    if (!entry) {
      if (!deleting && !isTerminal(pod)) return result; // a running pod: nothing to keep
      // First seen already terminal and being deleted: drainwatch was not watching when it was
      // asked to stop. A record all the same (contract §3), whatever the restartPolicy, noted as
      // such; except a Job's pod, whose finished pods are routinely cleaned up long after.
      const firstSeenTerminal = deleting && isTerminal(pod);
      if (firstSeenTerminal && ownedByJob(pod.metadata.ownerReferences)) {
        this.remember(uid);
        return result;
      }
      if (isKubeletTermination(pod)) {
        entry = this.startEntry(pod, t, "kubelet");
      } else if (isTerminal(pod) && !deleting) {
        // Finished on its own (a Job pod, a crash with restartPolicy Never): not a termination,
        // not even when it is deleted later.
        this.remember(uid);
        return result;
      } else {
        entry = this.startEntry(pod, t, "api");
      }
      if (firstSeenTerminal) entry.notes.add("first-seen-terminal");
    } else {
      this.update(entry, pod, t);
    }

    if (deleted) {
      entry.deletedAt = t;
      this.schedule(entry, t + this.settleMs);
    }
    return result;
  }

  private onEvent(fact: Fact): IngestResult {
    const parsed = eventSchema.safeParse(fact.object);
    if (!parsed.success) return this.invalid(describeIssue("Event", parsed.error));
    const e = parsed.data;
    const ref = e.involvedObject ?? e.regarding;
    const seen = parseTime(e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.deprecatedLastTimestamp ?? e.firstTimestamp);
    const t = this.timeOf(fact.at, seen, fact.receivedAt);
    const result = this.advance(t);
    if (fact.type === "DELETED" || ref?.kind !== "Pod" || !ref.uid) return result;
    const podUid = ref.uid;
    if (this.finished.has(podUid)) return result;

    const first = parseTime(e.eventTime ?? e.firstTimestamp ?? e.deprecatedFirstTimestamp ?? e.lastTimestamp ?? e.deprecatedLastTimestamp);
    const stored: StoredEvent = {
      uid: e.metadata.uid,
      reason: e.reason ?? "",
      type: e.type ?? "",
      message: e.message ?? e.note ?? "",
      at: first ?? t,
      count: e.count ?? e.series?.count ?? e.deprecatedCount ?? 1,
      seq: this.seq++,
    };

    const entry = this.entries.get(podUid);
    if (entry) {
      addEvent(entry.events, stored);
    } else if (EARLY_EVENT_REASONS.has(stored.reason) && !isRestartKill(stored)) {
      const p = this.pendingFor(podUid, t);
      const i = p.events.findIndex((x) => x.uid === stored.uid);
      if (i >= 0) p.events[i] = { ...stored, seq: p.events[i]!.seq };
      else p.events.push(stored);
    }
    return result;
  }

  private onEndpointSlice(fact: Fact): IngestResult {
    const parsed = endpointSliceSchema.safeParse(fact.object);
    if (!parsed.success) return this.invalid(describeIssue("EndpointSlice", parsed.error));
    const slice = parsed.data;
    const trigger = parseTime(slice.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"]);
    const t = this.timeOf(fact.at, trigger, fact.receivedAt);
    const result = this.advance(t);
    if (fact.type === "DELETED") return result;
    for (const ep of slice.endpoints ?? []) {
      const uid = ep.targetRef?.uid;
      if (!uid || this.finished.has(uid)) continue;
      const c = ep.conditions;
      const unready = c?.ready === false || c?.terminating === true;
      const entry = this.entries.get(uid);
      if (entry) {
        if (unready && entry.endpointsUnreadyAt === null && entry.mode === "api") entry.endpointsUnreadyAt = t;
        if (unready && entry.endpointsUnreadyAt === null && entry.mode === "kubelet") entry.earlyUnreadyAt ??= t;
      } else if (unready) {
        const p = this.pendingFor(uid, t);
        p.unreadyAt ??= t;
      } else {
        const p = this.pending.get(uid);
        if (p) p.unreadyAt = null; // ready again: an earlier readiness blip is not the shutdown
      }
    }
    return result;
  }

  private onWorkload(kind: string, fact: Fact): IngestResult {
    const parsed = workloadSchema.safeParse(fact.object);
    if (!parsed.success) return this.invalid(describeIssue(kind, parsed.error));
    const obj = parsed.data;
    const t = this.timeOf(fact.at, parseTime(obj.metadata.creationTimestamp), fact.receivedAt);
    const result = this.advance(t);
    this.owners.observe(kind, obj, fact.type === "DELETED", t);
    return result;
  }

  // ---- entries -----------------------------------------------------------------------------

  private startEntry(pod: Pod, t: number, mode: "api" | "kubelet" | "stale"): Entry {
    const uid = pod.metadata.uid;
    const early = this.pending.get(uid);
    this.pending.delete(uid);
    const entry: Entry = {
      uid,
      mode: mode === "kubelet" ? "kubelet" : "api",
      pod,
      graceSeconds: null,
      requestAt: null,
      deadlineAt: null,
      firstDeletion: null,
      cause: null,
      owner: this.owners.snapshot(pod),
      firstTerminalAt: isTerminal(pod) ? t : null,
      endpointsUnreadyAt: null,
      earlyUnreadyAt: early?.unreadyAt ?? null,
      deletedAt: null,
      events: new Map(),
      notes: new Set(),
      staleDelete: false,
      dueAt: Infinity,
      expires: null,
    };
    for (const e of early?.events ?? []) addEvent(entry.events, e);

    if (mode === "kubelet") {
      entry.cause = disruptionCause(pod) ?? kubeletCause(pod);
      this.schedule(entry, t + this.settleMs);
    } else if (mode === "stale") {
      entry.cause = "unknown";
    } else {
      this.startDeletion(entry, pod, t);
    }
    this.entries.set(uid, entry);
    return entry;
  }

  private startDeletion(entry: Entry, pod: Pod, t: number): void {
    const m = pod.metadata;
    const dts = parseTime(m.deletionTimestamp);
    const grace = m.deletionGracePeriodSeconds ?? null;
    entry.firstDeletion = { dts: m.deletionTimestamp ?? null, grace };
    entry.graceSeconds = grace;
    entry.deadlineAt = dts;
    entry.requestAt = requestTime(dts, grace, t);
    if (entry.earlyUnreadyAt !== null && entry.earlyUnreadyAt >= entry.requestAt) entry.endpointsUnreadyAt = entry.earlyUnreadyAt;
    entry.earlyUnreadyAt = null;

    const mainUnfinished = containerViews(pod).some((v) => !v.sidecar && !hasFinalStatus(v));
    entry.cause = disruptionCause(pod);
    if (entry.cause === null && grace === 0) {
      if (mainUnfinished) {
        entry.cause = "force-delete";
      } else if (isTerminal(pod)) {
        // First seen already terminal with the kubelet's grace-0 rewrite: the request itself
        // was never observed, and the deadline shown is not the real one.
        entry.cause = "unknown";
        entry.notes.add("deadline-rewritten");
      }
    }
    // Pods stuck in Terminating (lost node, finalizers) must not leak: expire them.
    entry.expires = (dts ?? t) + this.expireMs;
    this.schedule(entry, entry.expires);
  }

  private update(entry: Entry, pod: Pod, t: number): void {
    const m = pod.metadata;
    if (entry.mode === "api" && m.deletionTimestamp != null) {
      if (entry.firstDeletion === null) {
        this.startDeletion(entry, pod, t);
      } else if (m.deletionTimestamp !== entry.firstDeletion.dts || (m.deletionGracePeriodSeconds ?? null) !== entry.firstDeletion.grace) {
        // The kubelet's own final grace-0 delete after final status is expected; anything else
        // (a second delete with a shorter grace, a force delete mid-drain) moved the deadline.
        const kubeletFinal = m.deletionGracePeriodSeconds === 0 && containerViews(pod).every((v) => v.sidecar || hasFinalStatus(v));
        if (!kubeletFinal) entry.notes.add("deadline-rewritten");
      }
    }
    if (entry.firstTerminalAt === null && isTerminal(pod)) entry.firstTerminalAt = t;
    entry.pod = pod;
  }

  private schedule(entry: Entry, dueAt: number): void {
    entry.dueAt = dueAt;
    this.due.push({ due: dueAt, key: entry.uid });
  }

  private finalize(entry: Entry): TerminationRecord {
    if (entry.expires && entry.dueAt === entry.expires) entry.notes.add("expired");
    this.entries.delete(entry.uid);
    // Seen deleted, in API order: no fact of this pod can follow, nothing to remember.
    if (!(this.apiOrder && entry.deletedAt !== null)) this.remember(entry.uid);
    this.counts.emitted++;
    return buildRecord(entry, this.cluster, this.lateEvidence);
  }

  private readonly lateEvidence = {
    scaledDown: (e: Entry) => this.owners.scaledDownAround(e.owner.scalers, e.requestAt),
    behindSoonAfter: (e: Entry) => this.owners.behindSoonAfter(e.owner, e.requestAt),
  };

  private remember(uid: string): void {
    this.finished.set(uid, true);
    if (this.finished.size > this.rememberFinished) {
      const oldest = this.finished.keys().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  private pendingFor(uid: string, t: number): Pending {
    let p = this.pending.get(uid);
    if (!p) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
      }
      p = { events: [], unreadyAt: null, touchedAt: t };
      this.pending.set(uid, p);
    }
    p.touchedAt = t;
    return p;
  }

  // ---- clock -------------------------------------------------------------------------------

  /**
   * Observation time of a fact: its own `at`, else what the object proves (no later than it was
   * received, when that is known), never going back.
   */
  private timeOf(at: number | null, objectTime: number | null, receivedAt?: number): number {
    if (at !== null) return at;
    const proven = receivedAt !== undefined && objectTime !== null ? Math.min(objectTime, receivedAt) : objectTime;
    const t = maxTime(this.clock === -Infinity ? null : this.clock, proven);
    return t ?? 0;
  }

  private advance(t: number | null): IngestResult {
    if (t === null || t <= this.clock) return NO_RESULT;
    this.clock = t;
    let records: TerminationRecord[] | null = null;
    for (let top = this.due.peek(); top && top.due <= t; top = this.due.peek()) {
      this.due.pop();
      const entry = this.entries.get(top.key);
      if (!entry || entry.dueAt !== top.due) continue; // rescheduled or already final
      (records ??= []).push(this.finalize(entry));
    }
    if (t - this.lastPrune >= PRUNE_EVERY_MS) this.prune(t);
    return records ? { records, problem: null } : NO_RESULT;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    this.owners.prune(now);
    for (const [uid, p] of this.pending) if (now - p.touchedAt > PENDING_TTL_MS) this.pending.delete(uid);
  }

  private invalid(problem: string): IngestResult {
    this.counts.invalid++;
    return { records: [], problem };
  }
}

function entryCheckpoint(e: Entry): EntryCheckpoint {
  return {
    ...e,
    // The pod is the parsed object; it is never mutated, only replaced, so it can be shared.
    firstDeletion: e.firstDeletion === null ? null : { ...e.firstDeletion },
    // Fields in the schema's order, so that a restored tracker's checkpoint is the same text.
    owner: {
      workload: { kind: e.owner.workload.kind, name: e.owner.workload.name },
      revision: e.owner.revision,
      behind: e.owner.behind,
      scalers: [...e.owner.scalers],
      scalingDownNow: e.owner.scalingDownNow,
      ownerUnknown: e.owner.ownerUnknown,
      revisionOf: e.owner.revisionOf && { uid: e.owner.revisionOf.uid, pod: e.owner.revisionOf.pod },
    },
    events: [...e.events.values()].map((x) => ({ ...x })),
    notes: [...e.notes],
    dueAt: finiteOrNull(e.dueAt),
  };
}

function restoreEntry(e: EntryCheckpoint): Entry {
  return {
    ...e,
    events: new Map(e.events.map((x) => [x.uid, x])),
    notes: new Set(e.notes),
    dueAt: e.dueAt ?? Infinity,
  };
}

function addEvent(events: Map<string, StoredEvent>, e: StoredEvent): void {
  const previous = events.get(e.uid);
  // An aggregated event is re-sent with a higher count: keep its place, take the new count.
  events.set(e.uid, previous ? { ...e, seq: previous.seq, at: previous.at ?? e.at } : e);
}

