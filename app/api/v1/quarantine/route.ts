// GET /api/v1/quarantine: records the database rejected (kept with their error instead of being
// dropped), newest rejection first, paged like /api/v1/terminations.
import { json, parseQuarantineQuery } from "../../../../lib/api/index.ts";
import { route } from "../../../../lib/errors.ts";
import { findQuarantinedRecords } from "../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request): Promise<Response> => {
  return json(await findQuarantinedRecords(parseQuarantineQuery(new URL(request.url).searchParams)));
});
