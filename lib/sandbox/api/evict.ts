// EVICT (POST pods/NAME/eviction, policy/v1 Eviction): the simulator's eviction API, grace from
// the Eviction's deleteOptions. A PodDisruptionBudget that allows no disruption makes it 429
// TooManyRequests with the API server's Status body (cause DisruptionBudget); a pod under two
// budgets is a 500, as upstream.
import type { ApiContext, ResourceRequest } from "./context.ts";
import { graceOf, isRecord, readBody, send } from "./http.ts";
import * as status from "./status.ts";

export async function evictPod(ctx: ApiContext, r: ResourceRequest & { target: { name: string; namespace: string } }): Promise<void> {
  const { namespace, name } = r.target;
  const body = await readBody(r.req);
  const grace = isRecord(body) ? graceOf(body.deleteOptions, new URLSearchParams()) : undefined;
  const verdict = ctx.backend.evictPod(namespace, name, grace);
  if (!verdict) return send(r.res, 404, status.notFound("pods", "", name));
  if (!verdict.allowed) {
    return verdict.code === 429 ? send(r.res, 429, status.disruptionBudget(verdict.message)) : send(r.res, 500, status.internalError(verdict.message));
  }
  return send(r.res, 201, status.success(201));
}
