// CREATE (POST to a collection): Leases, for drainwatch's leader election.
import { randomUUID } from "node:crypto";
import { rfc3339 } from "../time.ts";
import type { KObject } from "../types.ts";
import type { ApiContext, ResourceRequest } from "./context.ts";
import { isRecord, readBody, send } from "./http.ts";
import * as status from "./status.ts";
import { view } from "./views.ts";

export async function createLease(ctx: ApiContext, r: ResourceRequest): Promise<void> {
  const { target: t, res } = r;
  const { plural, group, storeKey } = t.def;
  const body = await readBody(r.req);
  if (!isRecord(body) || !isRecord(body.metadata) || typeof body.metadata.name !== "string") {
    return send(res, 400, status.badRequest("metadata.name is required"));
  }
  const name = body.metadata.name;
  const namespace = t.namespace ?? (typeof body.metadata.namespace === "string" ? body.metadata.namespace : "default");
  if (ctx.store.get(storeKey, namespace, name)) return send(res, 409, status.alreadyExists(plural, group, name));
  const obj = { ...body, apiVersion: "coordination.k8s.io/v1", kind: "Lease" } as KObject;
  obj.metadata = { ...obj.metadata, name, namespace, uid: randomUUID(), creationTimestamp: rfc3339(ctx.backend.now()) };
  delete obj.metadata.resourceVersion;
  return send(res, 201, view(t.def, ctx.store.create(storeKey, obj)));
}
