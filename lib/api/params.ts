// Query strings of the JSON API (contract section 4), parsed at the edge: URLSearchParams in,
// typed query out. Pure (no I/O, `now` passed in), so pages reuse it for their URL state.
//
// Rules: unknown parameters are ignored; a repeated one is a 400 (use the comma list); an empty
// value means unset (HTML forms send `cluster=` for "any"); a bad value is a 400 `bad_request`
// naming the parameter; `until` before `since` is a 400 naming `until`.
import { z } from "zod";
import { AppError } from "../errors.ts";
import { CAUSES, OUTCOMES, type Cause, type Outcome } from "../tracker/record.ts";
import type { FindQuarantineQuery, FindTerminationsQuery, TimeRange, WorkloadFilter } from "../store/queries.ts";

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
/** The workload list's default range: the last 7 days (given only `until`, the 7 days before it). */
export const DEFAULT_WORKLOADS_RANGE_MS = 7 * 86_400_000;

function badParam(name: string, message: string): AppError {
  return new AppError("bad_request", `invalid query parameter "${name}": ${message}`, { parameter: name });
}

/** The parameters as single values; a parameter given twice is a 400 naming it. Empty = unset. */
export function singleValues(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<string>();
  for (const [k, v] of params) {
    if (seen.has(k)) throw badParam(k, "given more than once (use one comma-separated list)");
    seen.add(k);
    if (v !== "") out.set(k, v);
  }
  return out;
}

const DURATION = /^(\d{1,9})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// RFC 3339 date-time (`T`/`t`, `Z`/`z` or an offset; fraction optional).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `since`/`until`: RFC 3339, or a duration back from `now` (`90s`, `15m`, `24h`, `7d`). */
export function parseTimeParam(name: string, value: string, now: Date): Date {
  const d = DURATION.exec(value);
  if (d) {
    const unit = d[2] as keyof typeof UNIT_MS;
    return new Date(now.getTime() - Number(d[1]) * UNIT_MS[unit]);
  }
  if (RFC3339.test(value)) {
    const ms = Date.parse(value.toUpperCase());
    // Date.parse accepts impossible dates loosely: require the date part to round-trip.
    if (!Number.isNaN(ms) && validCalendarDate(value)) return new Date(ms);
  }
  throw badParam(name, `expected RFC 3339 (2026-03-02T14:00:00Z) or a duration (90s, 15m, 24h, 7d), got ${JSON.stringify(value)}`);
}

function validCalendarDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const [hh, mm, ss] = value.slice(11, 19).split(":").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && hh < 24 && mm < 60 && ss < 61;
}

function parseList<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").map((s) => s.trim());
  const known: ReadonlySet<string> = new Set(allowed);
  for (const item of items) {
    if (!known.has(item)) throw badParam(name, `${JSON.stringify(item)} is not one of ${allowed.join(", ")}`);
  }
  return [...new Set(items)] as T[];
}

const limitSchema = z.coerce.number().int().min(1).max(MAX_LIMIT);

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(value)) throw badParam("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  const r = limitSchema.safeParse(value);
  if (!r.success) throw badParam("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  return r.data;
}

/** since/until as given (no default); until before since is a 400 naming `until`. */
export function parseRange(values: Map<string, string>, now: Date): TimeRange {
  const sinceRaw = values.get("since");
  const untilRaw = values.get("until");
  const since = sinceRaw === undefined ? undefined : parseTimeParam("since", sinceRaw, now);
  const until = untilRaw === undefined ? undefined : parseTimeParam("until", untilRaw, now);
  if (since && until && until.getTime() < since.getTime()) throw badParam("until", "is before since");
  return { ...(since && { since }), ...(until && { until }) };
}

export interface TerminationsRequest {
  query: FindTerminationsQuery;
  /** `format=csv` (the route also honours `Accept: text/csv`). */
  csv: boolean;
}

/** GET /api/v1/terminations. */
export function parseTerminationsQuery(params: URLSearchParams, now: Date = new Date()): TerminationsRequest {
  const v = singleValues(params);
  const format = v.get("format");
  if (format !== undefined && format !== "csv" && format !== "json") throw badParam("format", 'must be "json" or "csv"');
  const outcome = v.get("outcome");
  const cause = v.get("cause");
  const query: FindTerminationsQuery = {
    ...parseRange(v, now),
    limit: parseLimit(v.get("limit")),
  };
  for (const key of ["cluster", "namespace", "kind", "workload", "cursor"] as const) {
    const value = v.get(key);
    if (value !== undefined) query[key] = value;
  }
  if (outcome !== undefined) query.outcome = parseList<Outcome>("outcome", outcome, OUTCOMES);
  if (cause !== undefined) query.cause = parseList<Cause>("cause", cause, CAUSES);
  return { query, csv: format === "csv" };
}

/** GET /api/v1/quarantine: cluster, namespace, since, until (on when a record was last rejected), limit, cursor. */
export function parseQuarantineQuery(params: URLSearchParams, now: Date = new Date()): FindQuarantineQuery {
  const v = singleValues(params);
  const query: FindQuarantineQuery = { ...parseRange(v, now), limit: parseLimit(v.get("limit")) };
  for (const key of ["cluster", "namespace", "cursor"] as const) {
    const value = v.get(key);
    if (value !== undefined) query[key] = value;
  }
  return query;
}

/** GET /api/v1/terminations/{podUid}: only `cluster`. */
export function parseTerminationQuery(params: URLSearchParams): { cluster?: string } {
  const cluster = singleValues(params).get("cluster");
  return cluster === undefined ? {} : { cluster };
}

/**
 * GET /api/v1/workloads: cluster, namespace, since, until; the range defaults to the last 7 days
 * (given only `until`, the 7 days before it; given only `since`, up to now). `outcome` (not in the
 * contract; the overview's filter) keeps workloads with a termination of those outcomes.
 */
export function parseWorkloadsQuery(params: URLSearchParams, now: Date = new Date()): WorkloadFilter & { since: Date; until: Date } {
  const v = singleValues(params);
  const range = parseRange(v, now);
  const until = range.until ?? (range.since && range.since > now ? range.since : now);
  const since = range.since ?? new Date(until.getTime() - DEFAULT_WORKLOADS_RANGE_MS);
  const filter: WorkloadFilter & { since: Date; until: Date } = { since, until };
  const cluster = v.get("cluster");
  const namespace = v.get("namespace");
  const outcome = v.get("outcome");
  if (cluster !== undefined) filter.cluster = cluster;
  if (namespace !== undefined) filter.namespace = namespace;
  if (outcome !== undefined) filter.outcome = parseList<Outcome>("outcome", outcome, OUTCOMES);
  return filter;
}

/** GET /api/v1/workloads/{cluster}/{namespace}/{kind}/{name}: since/until, default all time. */
export function parseWorkloadQuery(params: URLSearchParams, now: Date = new Date()): TimeRange {
  return parseRange(singleValues(params), now);
}

/** `Accept: text/csv` (any q above 0) asks for CSV. */
export function acceptsCsv(accept: string | null): boolean {
  if (!accept) return false;
  return accept.split(",").some((part) => {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (type !== "text/csv") return false;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
