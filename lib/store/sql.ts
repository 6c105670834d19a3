// SQL building blocks shared by the read queries: positional parameters, RFC 3339 formatting of
// timestamptz in Postgres, and the 400 a query raises for a bad parameter.
import { AppError } from "../errors.ts";

/** A 400 naming the parameter (a cursor this store did not hand out, a bad limit or date). */
export function invalid(parameter: string, message: string): AppError {
  return new AppError("bad_request", `invalid query parameter "${parameter}": ${message}`, { parameter });
}

/** A timestamptz column as RFC 3339 with milliseconds in UTC (what records carry). */
export const ts = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Positional parameters ($1, $2, …) collected while a statement is built. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export function asList<T extends string>(v: T | readonly T[]): T[] {
  return typeof v === "string" ? [v] : [...v];
}

/** A Date as an ISO string for a `::timestamptz` parameter; a 400 naming `parameter` when invalid. */
export function isoDate(d: Date, parameter: string): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(parameter, "not a valid date");
  return d.toISOString();
}

export const where = (clauses: readonly string[]): string => (clauses.length ? `WHERE ${clauses.join(" AND ")}` : "");

/** `until` before `since` is a 400 naming `until` (contract section 4). */
export function checkRange(range: { since?: Date; until?: Date }): void {
  if (range.since !== undefined && range.until !== undefined && range.until.getTime() < range.since.getTime()) {
    throw invalid("until", "is before since");
  }
}
