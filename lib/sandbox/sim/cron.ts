// Five-field cron schedules (minute hour day-of-month month day-of-week, UTC), as a CronJob's
// spec.schedule: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists; day of week 0-6
// (Sunday 0), as the standard parser Kubernetes uses. No names, no @macros. Pure.

export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** cron's rule: when both day fields are restricted, either may match */
  domStar: boolean;
  dowStar: boolean;
}

const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function field(text: string, [lo, hi]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron: bad field "${text}"`);
    const from = m[1] === "*" ? lo : Number(m[2]);
    const to = m[1] === "*" ? hi : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? hi : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < lo || to > hi || from > to || step < 1) throw new Error(`cron: "${part}" is outside ${lo}-${hi}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export function parseCron(text: string): CronSchedule {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron: expected 5 fields, got "${text}"`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, RANGES[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return { minute, hour, dom, month, dow, domStar: parts[2] === "*", dowStar: parts[4] === "*" };
}

export function isValidCron(text: string): boolean {
  try {
    parseCron(text);
    return true;
  } catch {
    return false;
  }
}

function matches(s: CronSchedule, d: Date): boolean {
  if (!s.minute.has(d.getUTCMinutes()) || !s.hour.has(d.getUTCHours()) || !s.month.has(d.getUTCMonth() + 1)) return false;
  const dom = s.dom.has(d.getUTCDate());
  const dow = s.dow.has(d.getUTCDay());
  if (s.domStar || s.dowStar) return (s.domStar || dom) && (s.dowStar || dow);
  return dom || dow;
}

/** The first scheduled minute strictly after `afterMs` (epoch ms), or null within a year. */
export function nextRun(s: CronSchedule, afterMs: number): number | null {
  const MINUTE = 60_000;
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < 366 * 24 * 60; i++, t += MINUTE) if (matches(s, new Date(t))) return t;
  return null;
}
