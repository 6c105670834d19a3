// UPDATE (PUT): replaces a Lease, with optimistic concurrency on metadata.resourceVersion.
import type { KObject } from "../types.ts";
import type { ApiContext, ResourceRequest } from "./context.ts";
import { isRecord, send } from "./http.ts";
import * as status from "./status.ts";
import { view } from "./views.ts";

export function updateLease(ctx: ApiContext, r: ResourceRequest & { target: { name: string } }, current: KObject, body: Record<string, unknown>): void {
  const { def, name, namespace } = r.target;
  const rv = isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
  if (rv !== undefined && rv !== "" && rv !== current.metadata.resourceVersion) return send(r.res, 409, status.conflict(def.plural, def.group, name));
  const next = { ...body, apiVersion: current.apiVersion, kind: current.kind } as KObject;
  next.metadata = { ...(next.metadata ?? {}), name, namespace, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp };
  return send(r.res, 200, view(def, ctx.store.update(def.storeKey, next)));
}
