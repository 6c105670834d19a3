// GET /api/v1/terminations/{podUid}[?cluster=]: the record, 404, or 400 naming `cluster` when
// the UID is stored for several clusters and none is named.
import { json, notFound, parseTerminationQuery } from "../../../../../lib/api/index.ts";
import { route } from "../../../../../lib/errors.ts";
import { getTermination } from "../../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request, ctx: { params: Promise<{ podUid: string }> }): Promise<Response> => {
  const { podUid } = await ctx.params;
  const { cluster } = parseTerminationQuery(new URL(request.url).searchParams);
  const record = await getTermination(podUid, cluster);
  if (!record) throw notFound(`no termination with pod UID ${podUid}${cluster === undefined ? "" : ` in cluster ${cluster}`}`);
  return json(record);
});
