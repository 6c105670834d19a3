// Alternate API views of stored objects: events.k8s.io/v1 Event is the same stored Event as
// core/v1 with renamed fields (reference section 3.2), and list/get items carry kind/apiVersion.
import type { CoreEvent, KObject } from "../types.ts";
import { groupVersionOf, type ResourceDef } from "./resources.ts";

/** The object as this API path shows it: kind/apiVersion set, events converted per group. */
export function view(def: ResourceDef, o: KObject): KObject {
  if (def.group === "events.k8s.io") return toEventsV1(o as CoreEvent);
  return { ...o, apiVersion: groupVersionOf(def), kind: def.kind };
}

export function toEventsV1(e: CoreEvent): KObject {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: e.metadata,
    eventTime: e.eventTime,
    reason: e.reason,
    note: e.message,
    type: e.type,
    regarding: e.involvedObject,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
    reportingController: e.reportingComponent,
    reportingInstance: e.reportingInstance,
  };
}
