// One error type for everything a reader, route handler or server can refuse, and ONE table from
// its code to an HTTP status. Nothing internal leaks: unknown errors become `internal` with a
// fixed message; log the original where it was caught.
import { z } from "zod";

export const ERROR_STATUS = {
  bad_request: 400,
  not_found: 404,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For logs only; never sent to clients. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

const INTERNAL_MESSAGE = "internal error";

/** A 400 naming the first offending parameter of a failed zod parse of query parameters. */
export function badRequestFromZod(error: z.ZodError, what = "query parameter"): AppError {
  const issue = error.issues[0];
  const param = issue?.path.map(String).join(".") || "(input)";
  return new AppError("bad_request", `invalid ${what} "${param}": ${issue?.message ?? "invalid"}`, {
    issues: error.issues,
  });
}

/** Any thrown value → status + `{ error: { code, message } }`, without internals. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  const appErr = err instanceof z.ZodError ? badRequestFromZod(err) : err;
  if (appErr instanceof AppError) {
    return { status: appErr.status, body: { error: { code: appErr.code, message: appErr.message } } };
  }
  return { status: ERROR_STATUS.internal, body: { error: { code: "internal", message: INTERNAL_MESSAGE } } };
}

/** The same as a fetch `Response` (route handlers). */
export function errorResponse(err: unknown): Response {
  const { status, body } = toErrorBody(err);
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}
