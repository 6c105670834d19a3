// PATCH (JSON merge patch, RFC 7386) of a Lease or a Node (kubectl cordon/drain send
// {"spec":{"unschedulable":true}}, which a strategic merge reads the same); a resourceVersion in
// the patch must match.
import type { KObject } from "../types.ts";
import type { ApiContext, ResourceRequest } from "./context.ts";
import { isRecord, send } from "./http.ts";
import * as status from "./status.ts";
import { view } from "./views.ts";

export function patchObject(ctx: ApiContext, r: ResourceRequest & { target: { name: string } }, current: KObject, body: Record<string, unknown>): void {
  const { def, name, namespace } = r.target;
  const rv = isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
  if (rv !== undefined && rv !== current.metadata.resourceVersion) return send(r.res, 409, status.conflict(def.plural, def.group, name));
  const next = structuredClone(current);
  mergePatch(next as Record<string, unknown>, body);
  next.metadata = { ...next.metadata, name, namespace, uid: current.metadata.uid };
  return send(r.res, 200, view(def, ctx.store.update(def.storeKey, next)));
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(target, k);
    else if (isRecord(v) && isRecord(target[k])) mergePatch(target[k] as Record<string, unknown>, v);
    else target[k] = v;
  }
}
