// One error type for everything a query, route handler or server can refuse, and ONE table from
// its code to an HTTP status. Nothing internal leaks: unknown errors become `internal` with a
// fixed message; the original is logged here, where it is mapped. Database errors are classified
// by the driver's fields (SQLSTATE, the adapter's error kind), never by message text.
import { z } from "zod";
import { log } from "./log.ts";

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

/** A 400 naming the first offending parameter of a failed zod parse of query parameters. */
export function badRequestFromZod(error: z.ZodError, what = "query parameter"): AppError {
  const issue = error.issues[0];
  const param = issue?.path.map(String).join(".") || "(input)";
  return new AppError("bad_request", `invalid ${what} "${param}": ${issue?.message ?? "invalid"}`, {
    issues: error.issues,
  });
}

// ---- database errors, by the driver's fields --------------------------------------------------

// What @prisma/adapter-pg (through Prisma's `meta.driverAdapterError`) and pg itself attach.
const adapterCause = z.looseObject({ kind: z.string(), originalCode: z.string().optional(), code: z.string().optional() });
const driverShaped = z.looseObject({
  code: z.string().optional(),
  meta: z.looseObject({ driverAdapterError: z.looseObject({ cause: adapterCause }).optional() }).optional(),
  cause: adapterCause.optional(),
});
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The adapter's classification of a database error (`DatabaseNotReachable`, `postgres`, …). */
export function driverErrorKind(err: unknown): string | null {
  const p = driverShaped.safeParse(err);
  if (!p.success) return null;
  return (p.data.meta?.driverAdapterError?.cause ?? p.data.cause)?.kind ?? null;
}

/** The Postgres SQLSTATE of a failed statement (e.g. "23505"), or null. */
export function sqlState(err: unknown): string | null {
  const p = driverShaped.safeParse(err);
  if (!p.success) return null;
  const cause = p.data.meta?.driverAdapterError?.cause ?? p.data.cause;
  const code = cause?.originalCode ?? cause?.code ?? p.data.code;
  return code !== undefined && SQLSTATE.test(code) ? code : null;
}

const UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "TlsConnectionError", "DatabaseDoesNotExist", "AuthenticationFailed"]);
const UNREACHABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"]);

/** True when the database did not answer (down, restarting, refusing connections), as opposed to
 * a statement it rejected. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const kind = driverErrorKind(err);
  if (kind !== null && UNREACHABLE_KINDS.has(kind)) return true;
  const state = sqlState(err);
  // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  if (state !== null) return state.startsWith("08") || state.startsWith("57P") || state === "53300";
  const errno = driverShaped.safeParse(err);
  return errno.success && errno.data.code !== undefined && UNREACHABLE_ERRNO.has(errno.data.code);
}

/**
 * True when Postgres rejected the data of a statement, not the statement's circumstances: class 22
 * (data exception: out of range, invalid text or time), 23 (integrity constraint) except unique and
 * foreign-key violations (a concurrent writer: worth a retry), 54 (program limit: an index entry too
 * large). Writing the same rows again fails the same way; the writer isolates and quarantines them.
 */
export function isDataError(err: unknown): boolean {
  const state = sqlState(err);
  if (state === null) return false;
  if (state === "23505" || state === "23503") return false;
  return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
}

/** The database's own message for a failed statement (without the client library's wrapping). */
export function databaseMessage(err: unknown): string {
  const cause = z.looseObject({ originalMessage: z.string().optional(), message: z.string().optional() });
  const p = z.looseObject({ meta: z.looseObject({ driverAdapterError: z.looseObject({ cause }).optional() }).optional(), cause: cause.optional() }).safeParse(err);
  const c = p.success ? (p.data.meta?.driverAdapterError?.cause ?? p.data.cause) : undefined;
  return c?.originalMessage ?? c?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Any thrown value as an AppError (zod: 400; database down: 503; anything else: 500). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return badRequestFromZod(err);
  if (isDatabaseUnreachable(err)) return new AppError("unavailable", "the database is not answering");
  return new AppError("internal", "internal error");
}

/** Any thrown value → status + `{ error: { code, message } }`, without internals. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  const appErr = toAppError(err);
  return { status: appErr.status, body: { error: { code: appErr.code, message: appErr.message } } };
}

/** The same as a fetch `Response` (route handlers). */
export function errorResponse(err: unknown): Response {
  const { status, body } = toErrorBody(err);
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** Logs what will not be shown (the original of a 500 or 503), once, where it is mapped. */
function logUnexpected(err: unknown, where: string): void {
  const appErr = toAppError(err);
  if (!(err instanceof AppError) && appErr.code !== "bad_request") log.error({ err, where }, "request failed");
}

/** Route handler wrapper: every error becomes the JSON error envelope with its status. */
export function route<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (err) {
      logUnexpected(err, "route");
      return errorResponse(err);
    }
  };
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; error: ErrorBody["error"] };

/** For pages: a query's value, or the error a user may see (the page says what to do). */
export async function load<T>(query: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await query };
  } catch (err) {
    logUnexpected(err, "page");
    return { ok: false, error: toErrorBody(err).body.error };
  }
}
