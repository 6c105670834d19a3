// The pages' URL state: every filter, range, sort and cursor lives in the query string (a link
// is the view). Names follow the API (contract §4): cluster, namespace, kind, workload, outcome and
// cause as comma lists, since/until as RFC 3339 or a duration back from now (1h, 24h, 7d).
import { CAUSES, OUTCOMES, type Cause, type Outcome } from "../../lib/tracker/record.ts";
import { span } from "./format.ts";

export type Search = Record<string, string | string[] | undefined>;

export const RANGE_PRESETS = ["1h", "24h", "7d", "30d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DEFAULT_RANGE: RangePreset = "24h";

export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`invalid "${param}": ${message}`);
  }
}

/** The values of a parameter, repeated or comma-separated, trimmed, empties dropped. */
export function list(search: Search, key: string): string[] {
  const v = search[key];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return raw.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/** One value (the first given), or undefined when absent or empty. */
export function one(search: Search, key: string): string | undefined {
  return list(search, key)[0];
}

const DURATION = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** RFC 3339 (a missing zone is read as UTC: what the form's hint says), or a duration back from now. */
export function parseInstant(value: string, now: number, param: string): Date {
  const d = DURATION.exec(value);
  if (d) return new Date(now - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]);
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i.test(value)) {
    throw new ParamError(param, `"${value}" is neither a time (2026-03-02T14:00Z) nor a duration (15m, 24h, 7d)`);
  }
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value.length === 10 ? `${value}T00:00` : value}Z`;
  const t = Date.parse(zoned.replace(" ", "T"));
  if (Number.isNaN(t)) throw new ParamError(param, `"${value}" is not a valid time`);
  return new Date(t);
}

export interface Range {
  since: Date;
  /** Absent: up to now. */
  until: Date | undefined;
  /** The preset in use, when the range is one. */
  preset: RangePreset | undefined;
  /** As written in the URL (empty when the default applies). */
  sinceParam: string;
  untilParam: string;
  /** "last 24 h" or "2026-03-01 00:00Z – 2026-03-02 00:00Z". */
  label: string;
  /** Length in ms (to now when open-ended). */
  ms: number;
}

export function parseRange(search: Search, now: number, fallback: RangePreset = DEFAULT_RANGE): Range {
  const sinceParam = one(search, "since") ?? "";
  const untilParam = one(search, "until") ?? "";
  const since = parseInstant(sinceParam || fallback, now, "since");
  const until = untilParam ? parseInstant(untilParam, now, "until") : undefined;
  if (until && until.getTime() < since.getTime()) throw new ParamError("until", "is before since");
  const preset = !untilParam ? (RANGE_PRESETS as readonly string[]).find((p) => p === (sinceParam || fallback)) as RangePreset | undefined : undefined;
  const end = until?.getTime() ?? now;
  const label =
    preset !== undefined
      ? `last ${span(end - since.getTime())}`
      : `${fmt(since)} – ${until ? fmt(until) : "now"}`;
  return { since, until, preset, sinceParam, untilParam, label, ms: end - since.getTime() };
}

/** The range as the API's since/until: a preset as written, absolute times as RFC 3339. */
export function rangeParams(range: Range): { since: string; until?: string } {
  return { since: range.preset ?? range.since.toISOString(), until: range.until?.toISOString() };
}

function fmt(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ") + "Z";
}

export function parseOutcomes(search: Search): Outcome[] {
  const values = list(search, "outcome");
  for (const v of values) {
    if (!(OUTCOMES as readonly string[]).includes(v)) throw new ParamError("outcome", `"${v}" is not one of ${OUTCOMES.join(", ")}`);
  }
  return OUTCOMES.filter((o) => values.includes(o));
}

export function parseCauses(search: Search): Cause[] {
  const values = list(search, "cause");
  for (const v of values) {
    if (!(CAUSES as readonly string[]).includes(v)) throw new ParamError("cause", `"${v}" is not one of ${CAUSES.join(", ")}`);
  }
  return CAUSES.filter((c) => values.includes(c));
}

/** A one-of parameter with a default. */
export function choice<T extends string>(search: Search, key: string, options: readonly T[], fallback: T): T {
  const v = one(search, key);
  if (v === undefined) return fallback;
  if (!(options as readonly string[]).includes(v)) throw new ParamError(key, `"${v}" is not one of ${options.join(", ")}`);
  return v as T;
}

/**
 * `path?query` from the current parameters with some changed (undefined or "" removes one).
 * Lists are written comma-separated, as the API wants them.
 */
export function href(path: string, search: Search, changes: Record<string, string | readonly string[] | undefined> = {}): string {
  const q = new URLSearchParams();
  const keys = new Set([...Object.keys(search), ...Object.keys(changes)]);
  for (const key of keys) {
    const value = key in changes ? changes[key] : list(search, key).join(",");
    const text = typeof value === "string" ? value : value?.join(",");
    if (text) q.set(key, text);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Only the named parameters of `search` (what a link to another page carries over). */
export function pick(search: Search, keys: readonly string[]): Search {
  return Object.fromEntries(keys.filter((k) => search[k] !== undefined).map((k) => [k, search[k]]));
}

/** A path segment, encoded (Kubernetes names are safe, but a cluster name is free text). */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

export function workloadHref(w: { cluster: string; namespace: string; kind: string; name: string }, search: Search = {}): string {
  return href(`/workloads/${seg(w.cluster)}/${seg(w.namespace)}/${seg(w.kind)}/${seg(w.name)}`, pick(search, ["since", "until"]));
}

export function terminationHref(r: { cluster: string; podUid: string }): string {
  return `/terminations/${seg(r.cluster)}/${seg(r.podUid)}`;
}
