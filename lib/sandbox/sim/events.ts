// The legacy event recorder (client-go tools/record) as the kubelet and controllers use it:
// core/v1 Events named `<object>.<hex nanos>`, seconds timestamps, source component and host.
// Events expire after the API server's --event-ttl (1 h of virtual time), which bounds memory.
import type { ObjectStore } from "../store.ts";
import type { CoreEvent, KObject } from "../types.ts";
import { rfc3339 } from "../time.ts";
import type { Rng } from "./rng.ts";

const EVENT_TTL_MS = 60 * 60 * 1000;

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  private readonly expiry: { at: number; namespace: string; name: string }[] = [];
  private seq = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => number,
    private readonly rng: Rng,
  ) {}

  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string, source: EventSource, fieldPath?: string): CoreEvent {
    const now = this.now();
    this.expire(now);
    const namespace = obj.metadata.namespace ?? "default";
    const nanos = BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    const name = `${obj.metadata.name}.${nanos.toString(16)}`;
    const ts = rfc3339(now);
    const event: CoreEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace, uid: this.rng.uid(), creationTimestamp: ts },
      involvedObject: {
        kind: obj.kind,
        namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
    };
    this.expiry.push({ at: now + EVENT_TTL_MS, namespace, name });
    return this.store.create("events", event);
  }

  private expire(now: number): void {
    while (this.expiry.length > 0 && this.expiry[0]!.at <= now) {
      const e = this.expiry.shift()!;
      this.store.remove("events", e.namespace, e.name);
    }
  }
}
