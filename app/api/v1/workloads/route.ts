// GET /api/v1/workloads: one summary per workload with terminations in range (default 7 days).
import { json, parseWorkloadsQuery } from "../../../../lib/api/index.ts";
import { route } from "../../../../lib/errors.ts";
import { findWorkloadSummaries } from "../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request): Promise<Response> => {
  const filter = parseWorkloadsQuery(new URL(request.url).searchParams);
  return json({ items: await findWorkloadSummaries(filter) });
});
