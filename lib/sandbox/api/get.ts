// GET of one object, as JSON or as a Table (kubectl get NAME).
import type { ApiContext, ResourceRequest } from "./context.ts";
import { includeObject, send, wantsTable } from "./http.ts";
import * as status from "./status.ts";
import { toTable } from "./table.ts";
import { view } from "./views.ts";

export function get(ctx: ApiContext, r: ResourceRequest & { target: { name: string } }): void {
  const { def, namespace, name } = r.target;
  const o = ctx.store.get(def.storeKey, def.namespaced ? namespace : undefined, name);
  if (!o) return send(r.res, 404, status.notFound(def.plural, def.group, name));
  const v = view(def, o);
  if (wantsTable(r.accept)) return send(r.res, 200, toTable(def, [v], ctx.backend.now(), v.metadata.resourceVersion ?? "", includeObject(r.q)));
  return send(r.res, 200, v);
}
