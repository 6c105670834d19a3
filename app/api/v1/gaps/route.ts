// GET /api/v1/gaps: coverage gaps overlapping the range, newest first (at most 1,000; `truncated`
// says when more overlap: narrow the range).
import { gapItem, json, parseGapsQuery } from "../../../../lib/api/index.ts";
import { route } from "../../../../lib/errors.ts";
import { findGaps } from "../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request): Promise<Response> => {
  const query = parseGapsQuery(new URL(request.url).searchParams);
  const page = await findGaps(query);
  return json({ items: page.items.map(gapItem), truncated: page.truncated });
});
