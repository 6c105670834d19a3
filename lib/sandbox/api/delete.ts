// DELETE: a Lease is removed at once; a Pod gets the graceful delete of the simulator (grace
// from DeleteOptions or the query, UID precondition honoured), which starts a termination; a
// StatefulSet, DaemonSet, Job or CronJob goes at once and the simulator's garbage collector
// deletes what it owned (background propagation, whatever the request asked for).
import type { ApiContext, DeletableKind, ResourceRequest } from "./context.ts";
import { graceOf, isRecord, readBody, send } from "./http.ts";
import * as status from "./status.ts";
import { view } from "./views.ts";

type Named = ResourceRequest & { target: { name: string } };

export function deleteLease(ctx: ApiContext, r: Named): void {
  const { def, namespace, name } = r.target;
  return send(r.res, 200, view(def, ctx.store.remove(def.storeKey, namespace, name)!));
}

export async function deletePod(ctx: ApiContext, r: Named & { target: { namespace: string } }): Promise<void> {
  const { namespace, name } = r.target;
  const body = await readBody(r.req);
  const grace = graceOf(body, r.q);
  const wantUid = isRecord(body) && isRecord(body.preconditions) ? body.preconditions.uid : undefined;
  const current = ctx.store.peek("pods", namespace, name);
  if (typeof wantUid === "string" && current && current.metadata.uid !== wantUid) {
    return send(r.res, 409, status.preconditionFailed(`Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${current.metadata.uid}`));
  }
  const pod = ctx.backend.deletePod(namespace, name, grace);
  return pod ? send(r.res, 200, pod) : send(r.res, 404, status.notFound("pods", "", name));
}

export function deleteWorkload(ctx: ApiContext, r: Named & { target: { namespace: string } }, kind: DeletableKind): void {
  const { def, namespace, name } = r.target;
  const removed = ctx.backend.deleteWorkload(kind, namespace, name);
  return removed ? send(r.res, 200, view(def, removed)) : send(r.res, 404, status.notFound(def.plural, def.group, name));
}
