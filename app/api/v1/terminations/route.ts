// GET /api/v1/terminations (contract section 4): a page of records, or all of them as CSV.
import { acceptsCsv, csvStream, json, parseTerminationsQuery } from "../../../../lib/api/index.ts";
import { route } from "../../../../lib/errors.ts";
import { findTerminations, streamTerminations } from "../../../../lib/store/queries.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request): Promise<Response> => {
  const { query, csv } = parseTerminationsQuery(new URL(request.url).searchParams);
  if (csv || acceptsCsv(request.headers.get("accept"))) {
    const { limit: _limit, cursor: _cursor, ...filter } = query;
    const records = streamTerminations(filter);
    // The first page is read before answering, so a store that is down is a 503, not a cut stream.
    const first = await records.next();
    return new Response(csvStream(records, first), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="terminations.csv"',
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  }
  return json(await findTerminations(query));
});
