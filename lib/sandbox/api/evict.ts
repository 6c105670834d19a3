// EVICT (POST pods/NAME/eviction, policy/v1 Eviction): the simulator's eviction API, grace from
// the Eviction's deleteOptions. No PodDisruptionBudgets yet: every eviction is allowed.
import type { ApiContext, ResourceRequest } from "./context.ts";
import { graceOf, isRecord, readBody, send } from "./http.ts";
import * as status from "./status.ts";

export async function evictPod(ctx: ApiContext, r: ResourceRequest & { target: { name: string; namespace: string } }): Promise<void> {
  const { namespace, name } = r.target;
  const body = await readBody(r.req);
  const grace = isRecord(body) ? graceOf(body.deleteOptions, new URLSearchParams()) : undefined;
  if (!ctx.backend.evictPod(namespace, name, grace)) return send(r.res, 404, status.notFound("pods", "", name));
  return send(r.res, 201, status.success(201));
}
