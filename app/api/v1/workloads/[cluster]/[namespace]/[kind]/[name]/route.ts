// GET /api/v1/workloads/{cluster}/{namespace}/{kind}/{name}: summary, revisions and
// recommendations over since/until (default all time); 404 without terminations.
import { json, notFound, parseWorkloadQuery } from "../../../../../../../../lib/api/index.ts";
import { route } from "../../../../../../../../lib/errors.ts";
import { getWorkload } from "../../../../../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

type Params = { cluster: string; namespace: string; kind: string; name: string };

export const GET = route(async (request: Request, ctx: { params: Promise<Params> }): Promise<Response> => {
  const key = await ctx.params;
  const range = parseWorkloadQuery(new URL(request.url).searchParams);
  const workload = await getWorkload({ cluster: key.cluster, namespace: key.namespace, kind: key.kind, name: key.name }, range);
  if (!workload) throw notFound(`no terminations of ${key.kind} ${key.namespace}/${key.name} in cluster ${key.cluster}`);
  return json(workload);
});
