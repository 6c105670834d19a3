"use client";
// The workload page's charts (recharts), fed plain data from getWorkloadCharts. One colour per
// outcome (the --o-* CSS variables, so the dark theme follows); times on the x axes in UTC;
// the grace period drawn as a ruler on the drain histogram.
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DrainHistogram, EndpointLagPoint, ErrorsOverTime, OutcomesOverTime } from "../../lib/store/queries.ts";
import type { Outcome } from "../../lib/tracker/record.ts";

const ORDER: readonly Outcome[] = ["sigkill", "oom", "error", "sigterm", "unknown", "clean"];
const color = (o: Outcome): string => `var(--o-${o})`;
const AXIS = { stroke: "var(--line-strong)", tick: { fill: "var(--axis)", fontSize: 11 }, tickLine: false } as const;
const HEIGHT = 200;
const TOOLTIP = { contentStyle: { background: "var(--bg)", border: "1px solid var(--line-strong)", fontSize: 12 }, cursor: { fill: "var(--hover)" } } as const;

function sec(n: number): string {
  return n >= 100 ? `${Math.round(n)}` : n >= 10 ? n.toFixed(0) : Number.isInteger(n) ? `${n}` : n.toFixed(n < 1 ? 2 : 1);
}

/** UTC tick labels fitting the bucket width: `14:05`, `03-02 14h`, `03-02`. */
function timeTick(bucketSeconds: number): (iso: string | number) => string {
  return (v) => {
    const s = new Date(v).toISOString();
    if (bucketSeconds < 3600) return s.slice(11, 16);
    if (bucketSeconds < 86_400) return `${s.slice(5, 10)} ${s.slice(11, 13)}h`;
    return s.slice(5, 10);
  };
}

function Empty({ children }: { children: React.ReactNode }) {
  return <div className="chart-empty">{children}</div>;
}

const LEGEND = { iconSize: 8, wrapperStyle: { fontSize: 12 } } as const;

export function DrainHistogramChart({ data }: { data: DrainHistogram }) {
  const rows = data.buckets.map((b) => ({ x: b.from, label: `${sec(b.from)}–${sec(b.to)} s`, ...b.outcomes }));
  if (rows.every((r) => ORDER.every((o) => r[o] === 0))) return <Empty>No drain times in this range (no container exit was recorded).</Empty>;
  const width = data.bucketSeconds;
  // The bucket a grace period starts; the line is drawn at its left edge, i.e. at the grace itself.
  const bucketOf = (g: number) => Math.floor(g / width + 1e-9) * width;
  const present = new Set(rows.map((r) => r.x));
  return (
    <div className="chart" data-testid="chart-drain">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={rows} margin={{ top: 14, right: 12, bottom: 2, left: -10 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="var(--grid)" />
          <XAxis dataKey="x" {...AXIS} tickFormatter={(v: number) => `${sec(v)} s`} minTickGap={18} />
          <YAxis {...AXIS} allowDecimals={false} width={40} />
          <Tooltip {...TOOLTIP} labelFormatter={(_, p) => `drain ${String(p?.[0]?.payload?.label ?? "")}`} />
          {ORDER.map((o) => (
            <Bar key={o} dataKey={o} stackId="o" fill={color(o)} isAnimationActive={false} name={o} />
          ))}
          {data.gracePeriods
            .filter((g) => present.has(bucketOf(g.seconds)))
            .map((g) => (
              <ReferenceLine
                key={g.seconds}
                x={bucketOf(g.seconds)}
                position="start"
                stroke="var(--grace)"
                strokeDasharray="4 3"
                strokeWidth={1.5}
                label={{ value: `grace ${g.seconds} s`, position: "top", fill: "var(--grace)", fontSize: 11 }}
              />
            ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The buckets a span [from, to] covers, clamped to the chart; null when it misses the chart. */
function bucketSpan(starts: readonly string[], widthMs: number, from: string, to: string): [string, string] | null {
  if (starts.length === 0) return null;
  const first = Date.parse(starts[0]!);
  const end = Date.parse(starts[starts.length - 1]!) + widthMs;
  const a = Math.max(Date.parse(from), first);
  const b = Math.min(Date.parse(to), end - 1);
  if (a > b) return null;
  const at = (t: number) => starts[Math.min(starts.length - 1, Math.floor((t - first) / widthMs))]!;
  return [at(a), at(b)];
}

/** `gaps`: coverage gaps overlapping the range, shaded (drainwatch was not watching then). */
export function OutcomesOverTimeChart({ data, gaps = [] }: { data: OutcomesOverTime; gaps?: readonly { from: string; to: string }[] }) {
  if (data.buckets.length === 0) return <Empty>No terminations with a known request time in this range.</Empty>;
  const rows = data.buckets.map((b) => ({ t: b.start, ...b.outcomes }));
  const starts = rows.map((r) => r.t);
  const width = data.bucketSeconds * 1000;
  const bucketOf = (iso: string) => {
    const t = Date.parse(iso);
    return rows.find((r) => t >= Date.parse(r.t) && t < Date.parse(r.t) + width)?.t;
  };
  return (
    <div className="chart" data-testid="chart-outcomes">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={rows} margin={{ top: 14, right: 12, bottom: 2, left: -10 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="var(--grid)" />
          <XAxis dataKey="t" {...AXIS} tickFormatter={timeTick(data.bucketSeconds)} minTickGap={24} />
          <YAxis {...AXIS} allowDecimals={false} width={40} />
          <Tooltip {...TOOLTIP} labelFormatter={(v) => `${new Date(String(v)).toISOString().slice(0, 16).replace("T", " ")}Z`} />
          {gaps.map((g) => {
            const s = bucketSpan(starts, width, g.from, g.to);
            return s === null ? null : (
              <ReferenceArea key={`gap-${g.from}`} x1={s[0]} x2={s[1]} className="gap-shade" fill="var(--warn-line)" fillOpacity={0.18} stroke="none" ifOverflow="hidden" />
            );
          })}
          {ORDER.map((o) => (
            <Bar key={o} dataKey={o} stackId="o" fill={color(o)} isAnimationActive={false} name={o} />
          ))}
          {data.rollouts.map((r) => {
            const x = bucketOf(r.at);
            return x === undefined ? null : (
              <ReferenceLine
                key={`${r.at}-${r.fromRevision}`}
                x={x}
                position="start"
                stroke="var(--fg)"
                strokeDasharray="2 2"
                label={{ value: `rollout from rev ${r.fromRevision}`, position: "insideTopRight", fill: "var(--muted)", fontSize: 11 }}
              />
            );
          })}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ErrorsOverTimeChart({ data, metricsConfigured }: { data: ErrorsOverTime; metricsConfigured: boolean }) {
  const withTraffic = data.buckets.reduce((s, b) => s + b.withTraffic, 0);
  if (withTraffic === 0) {
    return (
      <Empty>
        {metricsConfigured
          ? "No termination in this range has traffic data yet (windows are counted after the scrape delay)."
          : "No metrics source: set PROMETHEUS_URL to count requests and 5xx during terminations."}
      </Empty>
    );
  }
  const rows = data.buckets.map((b) => ({ t: b.start, errors: b.errors5xx, baseline: b.baselineErrors5xx }));
  return (
    <div className="chart" data-testid="chart-errors">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ComposedChart data={rows} margin={{ top: 14, right: 12, bottom: 2, left: -10 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="var(--grid)" />
          <XAxis dataKey="t" {...AXIS} tickFormatter={timeTick(data.bucketSeconds)} minTickGap={24} />
          <YAxis {...AXIS} allowDecimals={false} width={40} />
          <Tooltip {...TOOLTIP} labelFormatter={(v) => `${new Date(String(v)).toISOString().slice(0, 16).replace("T", " ")}Z`} />
          <Legend {...LEGEND} />
          <Bar dataKey="errors" name="5xx in termination windows" fill="var(--o-sigkill)" isAnimationActive={false} />
          <Line dataKey="baseline" name="5xx in baselines" stroke="var(--axis)" strokeDasharray="3 3" dot={false} type="stepAfter" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export function EndpointLagChart({ points }: { points: EndpointLagPoint[] }) {
  if (points.length === 0) return <Empty>No endpoint lag recorded (the pods were in no EndpointSlice).</Empty>;
  const lag = points.map((p) => ({ t: Date.parse(p.at), y: p.endpointLagSeconds, outcome: p.outcome, pod: p.pod }));
  const sleep = points.filter((p) => p.preStopSleepSeconds !== null).map((p) => ({ t: Date.parse(p.at), y: p.preStopSleepSeconds as number }));
  const t0 = Math.min(...lag.map((p) => p.t));
  const t1 = Math.max(...lag.map((p) => p.t));
  const span = Math.max(t1 - t0, 60_000);
  const tick = timeTick(span > 2 * 86_400_000 ? 86_400 : span > 6 * 3_600_000 ? 3600 : 60);
  return (
    <div className="chart" data-testid="chart-lag">
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ScatterChart margin={{ top: 14, right: 12, bottom: 2, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" />
          <XAxis dataKey="t" type="number" domain={[t0 - span * 0.03, t1 + span * 0.03]} {...AXIS} tickFormatter={tick} minTickGap={24} scale="time" />
          <YAxis dataKey="y" type="number" {...AXIS} width={48} tickFormatter={(v: number) => `${sec(v)} s`} />
          <Tooltip {...TOOLTIP} formatter={(v) => `${sec(Number(v))} s`} labelFormatter={() => ""} />
          <Legend {...LEGEND} />
          <Scatter name="endpoint lag" data={lag} fill="var(--series)" isAnimationActive={false} shape="circle" />
          {sleep.length > 0 ? <Scatter name="preStop sleep" data={sleep} fill="var(--axis)" shape="cross" isAnimationActive={false} /> : null}
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
