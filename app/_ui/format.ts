// Formatting shared by every page: numbers with units, UTC times with a relative hint. Pure
// functions (usable from server and client components); `now` is passed in, never read here.

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `1,204`; `—` for null. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : INT.format(n);
}

/** Seconds as a number string without unit: 0.41, 6.8, 32.0, 124. */
export function secondsNumber(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return "0";
  if (a < 10) return s.toFixed(2);
  if (a < 100) return s.toFixed(1);
  return INT.format(Math.round(s));
}

/** `0.41 s`, `32.0 s`, `124 s`; `—` for null. */
export function seconds(s: number | null | undefined): string {
  return s === null || s === undefined ? "—" : `${secondsNumber(s)} s`;
}

/** Whole seconds (grace periods): `30 s`. */
export function wholeSeconds(s: number | null | undefined): string {
  return s === null || s === undefined ? "—" : `${INT.format(s)} s`;
}

/** A share as a percentage: `1.46 %`, `0 %`, `—` when undefined (0/0). */
export function percent(part: number, whole: number): string {
  if (whole === 0) return "—";
  const p = (100 * part) / whole;
  return `${p === 0 ? "0" : p < 1 ? p.toFixed(2) : p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}

export function rate(r: number | null): string {
  if (r === null) return "—";
  const p = 100 * r;
  return `${p === 0 ? "0" : p < 1 ? p.toFixed(2) : p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}

/** `2026-03-02 14:00:00Z` (seconds precision; the timeline has milliseconds). */
export function utc(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ") + "Z";
}

/** `14:00:00.412Z` */
export function utcTimeMs(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(11, 23) + "Z";
}

/** `3 h ago`, `in 12 s`, `just now`. */
export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const diff = (now - t) / 1000;
  const a = Math.abs(diff);
  let text: string;
  if (a < 5) return "just now";
  if (a < 60) text = `${Math.round(a)} s`;
  else if (a < 3600) text = `${Math.round(a / 60)} min`;
  else if (a < 86_400 * 2) text = `${Math.round(a / 3600)} h`;
  else text = `${Math.round(a / 86_400)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** Offset of `iso` from `origin` in seconds (`+0.41 s`), or null when either is unknown. */
export function offsetSeconds(iso: string | null, origin: string | null): number | null {
  if (!iso || !origin) return null;
  const a = Date.parse(iso);
  const b = Date.parse(origin);
  return Number.isNaN(a) || Number.isNaN(b) ? null : (a - b) / 1000;
}

export function signedSeconds(s: number | null): string {
  if (s === null) return "—";
  return `${s < 0 ? "−" : "+"}${secondsNumber(Math.abs(s))} s`;
}

/** A duration for ranges: `1 h`, `24 h`, `7 d`, `90 min`. */
export function span(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 86_400 * 3) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
