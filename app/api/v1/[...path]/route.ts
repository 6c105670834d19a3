// Any other path under /api/v1: a JSON 404 (every answer of the API is JSON).
import { notFound } from "../../../../lib/api/index.ts";
import { route } from "../../../../lib/errors.ts";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request): Promise<Response> => {
  throw notFound(`no such API path: ${new URL(request.url).pathname}`);
});
