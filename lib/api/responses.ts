// JSON answers of the API: never cached (the data changes as pods terminate).
import { AppError } from "../errors.ts";

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

export function notFound(what: string): AppError {
  return new AppError("not_found", what);
}
