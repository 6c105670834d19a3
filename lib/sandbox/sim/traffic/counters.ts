// The clients' counters as Prometheus would hold them: one sample per series per tick (every
// whole virtual second), each the counter's total over everything that happened at or before the
// tick. Everything that happens in (T − 1 s, T] lands in tick T, so the counters' raw samples are
// exact: a count over (a, b] by contract §3's rule is the sum of what happened at ticks a < T ≤ b.
// History is kept for `retentionMs` (the joiner asks for window + baseline + 5 min lookback).

export const TICK_MS = 1000;

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  t: number;
  v: number;
}

interface Series {
  labels: Labels;
  total: number;
  /** Absolute tick index of values[0]. */
  start: number;
  values: number[];
}

export function tickOf(at: number): number {
  return Math.ceil(at / TICK_MS) * TICK_MS;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class CounterHistory {
  /** Tick times, ascending; ticks[i] has absolute index base + i. */
  private readonly ticks: number[] = [];
  private base = 0;
  private readonly series = new Map<string, Series>();
  private readonly pending = new Map<number, Map<string, { labels: Labels; count: number }>>();

  constructor(private readonly retentionMs = 2 * 3600_000) {}

  /** The newest published tick, or null before the first. */
  get lastTick(): number | null {
    return this.ticks.length > 0 ? this.ticks[this.ticks.length - 1]! : null;
  }

  /** Counts `count` events at virtual time `at` (into tick ⌈at⌉, which must not be published yet). */
  add(labels: Labels, at: number, count: number): void {
    const tick = tickOf(at);
    const last = this.lastTick;
    if (last !== null && tick <= last) throw new Error(`traffic at ${at} is behind the published tick ${last}`);
    let byKey = this.pending.get(tick);
    if (!byKey) this.pending.set(tick, (byKey = new Map()));
    const key = keyOf(labels);
    const cur = byKey.get(key);
    if (cur) cur.count += count;
    else byKey.set(key, { labels, count });
  }

  /** Closes tick T: every series gets its total as of T (a series exists from its first count). */
  publish(tick: number): void {
    const last = this.lastTick;
    if (last !== null && tick <= last) return;
    const index = this.base + this.ticks.length;
    this.ticks.push(tick);
    for (const [t, byKey] of this.pending) {
      if (t > tick) continue;
      for (const [key, { labels, count }] of byKey) {
        let s = this.series.get(key);
        if (!s) this.series.set(key, (s = { labels, total: 0, start: index, values: [] }));
        s.total += count;
      }
      this.pending.delete(t);
    }
    for (const s of this.series.values()) s.values.push(s.total);
    this.prune(tick - this.retentionMs);
  }

  /** Every series with its samples at ticks from < t <= to (Prometheus 3's range selection). */
  range(match: (labels: Labels) => boolean, from: number, to: number): { labels: Labels; samples: Sample[] }[] {
    const lo = this.firstAfter(from);
    const hi = this.firstAfter(to); // exclusive
    const out: { labels: Labels; samples: Sample[] }[] = [];
    for (const s of this.series.values()) {
      if (!match(s.labels)) continue;
      const samples: Sample[] = [];
      for (let i = Math.max(lo, s.start - this.base); i < hi; i++) samples.push({ t: this.ticks[i]!, v: s.values[i - (s.start - this.base)]! });
      if (samples.length > 0) out.push({ labels: s.labels, samples });
    }
    return out;
  }

  /** Every series' newest sample (the exposition). */
  latest(): { labels: Labels; sample: Sample }[] {
    const last = this.lastTick;
    if (last === null) return [];
    return [...this.series.values()].map((s) => ({ labels: s.labels, sample: { t: last, v: s.total } }));
  }

  /** The sum over matching series of their totals at the newest tick <= t (0 before a series exists). */
  totalAt(match: (labels: Labels) => boolean, t: number): number | null {
    const i = this.firstAfter(t) - 1;
    if (i < 0) return this.ticks.length > 0 && this.base === 0 ? 0 : null; // before the first tick, or pruned
    let sum = 0;
    for (const s of this.series.values()) {
      const j = i - (s.start - this.base);
      if (j >= 0 && match(s.labels)) sum += s.values[j]!;
    }
    return sum;
  }

  /** Index (into ticks) of the first tick > t. */
  private firstAfter(t: number): number {
    let lo = 0;
    let hi = this.ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ticks[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops ticks before `before`, in chunks (an endless demo must not grow). */
  private prune(before: number): void {
    const drop = this.firstAfter(before);
    if (drop < 600) return;
    this.ticks.splice(0, drop);
    this.base += drop;
    for (const s of this.series.values()) {
      const cut = this.base - s.start;
      if (cut > 0) {
        s.values.splice(0, cut);
        s.start = this.base;
      }
    }
  }
}
