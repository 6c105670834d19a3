// The termination window of contract §3 `traffic` as the sandbox knows it, from its own writes
// (the API's watch stream, at the virtual time of each write): start = the first deletion's
// deletionTimestamp − grace; end = the latest of exitedAt (main containers' newest finishedAt,
// seconds precision as written), deletedAt (the DELETED write) and endpointsUnreadyAt (the first
// EndpointSlice write, after the deletion, with the pod's endpoint not ready or terminating),
// plus the tail. drainwatch observes deletedAt and endpointsUnreadyAt a watch latency later; the
// counters only change at whole seconds, so the counts agree unless a whole second falls within
// that latency after the sandbox's time (see sim/traffic/index.ts).
// Kubelet-initiated terminations (node pressure) have no API deletion: no window here, nor when
// their finished pod is deleted later.
import { PROXY_CONTAINER_NAMES } from "../../../tracker/classify.ts";
import type { ObjectStore, StoredEvent } from "../../store.ts";
import { parseRfc3339 } from "../../time.ts";
import type { EndpointSlice, Pod } from "../../types.ts";

export interface WindowTimes {
  deleteRequestedAt: number;
  exitedAt: number | null;
  deletedAt: number | null;
  endpointsUnreadyAt: number | null;
}

const PROXIES: ReadonlySet<string> = new Set(PROXY_CONTAINER_NAMES);
const LIMIT = 20_000;

export class WindowBook {
  private readonly byUid = new Map<string, WindowTimes>();

  constructor(
    store: ObjectStore,
    private readonly now: () => number,
  ) {
    store.watch("pods", store.resourceVersion, (e) => this.onPod(e));
    store.watch("endpointslices", store.resourceVersion, (e) => this.onSlice(e));
  }

  get(uid: string): WindowTimes | undefined {
    return this.byUid.get(uid);
  }

  /** (start, end] in virtual epoch ms, or null when the termination has no end yet. */
  window(uid: string, tailSeconds: number): { start: number; end: number } | null {
    const w = this.byUid.get(uid);
    if (!w) return null;
    const ends = [w.exitedAt, w.deletedAt, w.endpointsUnreadyAt].filter((v): v is number => v !== null);
    if (ends.length === 0) return null;
    const end = Math.max(...ends) + Math.round(tailSeconds * 1000);
    return { start: w.deleteRequestedAt, end: Math.max(w.deleteRequestedAt, end) };
  }

  private onPod(e: StoredEvent): void {
    const pod = e.object as Pod;
    const uid = pod.metadata.uid;
    let w = this.byUid.get(uid);
    if (!w) {
      const dts = parseRfc3339(pod.metadata.deletionTimestamp);
      // Deleting a pod that had already finished (evicted, node pressure) starts no termination.
      if (dts === null || pod.status.phase === "Failed" || pod.status.phase === "Succeeded") return;
      w = { deleteRequestedAt: dts - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000, exitedAt: null, deletedAt: null, endpointsUnreadyAt: null };
      this.byUid.set(uid, w);
      if (this.byUid.size > LIMIT) this.byUid.delete(this.byUid.keys().next().value!);
    }
    let exited: number | null = null;
    for (const s of pod.status?.containerStatuses ?? []) {
      if (PROXIES.has(s.name)) continue;
      const f = parseRfc3339(s.state.terminated?.finishedAt);
      if (f !== null) exited = Math.max(exited ?? f, f);
    }
    w.exitedAt = exited;
    if (e.type === "DELETED") w.deletedAt = this.now();
  }

  private onSlice(e: StoredEvent): void {
    if (e.type === "DELETED") return;
    for (const ep of (e.object as EndpointSlice).endpoints) {
      const w = this.byUid.get(ep.targetRef.uid);
      if (w && w.endpointsUnreadyAt === null && (!ep.conditions.ready || ep.conditions.terminating)) w.endpointsUnreadyAt = this.now();
    }
  }
}
