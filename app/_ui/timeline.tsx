// One termination drawn to scale, from the delete request to deletion: the pod's span, when its
// endpoints went unready, Killing and preStop, each container's exit coloured by outcome, the
// traffic window, and the SIGKILL deadline as a dashed line across every track. Plain HTML
// positioned in percent (no JavaScript); every mark also has its time in words beside it.
import type { ReactNode } from "react";
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { count, offsetSeconds, secondsNumber, signedSeconds, utcTimeMs } from "./format.ts";
import { OUTCOME_MEANING } from "./outcome.tsx";

const STEPS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];

/** Tick offsets (seconds from the origin) for a domain of [from, to] seconds: at most ~6. */
export function ticks(from: number, to: number): number[] {
  const width = Math.max(to - from, 0.001);
  const step = STEPS.find((s) => width / s <= 6) ?? width / 6;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

function tickLabel(t: number): string {
  const a = Math.abs(t);
  if (a >= 120) return `${t < 0 ? "−" : "+"}${secondsNumber(a / 60)} min`;
  return t === 0 ? "0" : signedSeconds(t);
}

interface Span {
  from: number;
  to: number;
}

export function Timeline({ r }: { r: TerminationRecord }) {
  const known = [
    r.deleteRequestedAt,
    r.endpointsUnreadyAt,
    r.killingAt,
    r.exitedAt,
    r.deletedAt,
    r.deadlineAt,
    r.traffic?.windowStart ?? null,
    r.traffic?.windowEnd ?? null,
    ...r.containers.map((c) => c.finishedAt),
  ].filter((t): t is string => t !== null && !Number.isNaN(Date.parse(t)));
  if (known.length === 0) {
    return (
      <div className="notice" data-testid="timeline-empty">
        No times were recorded for this termination (drainwatch saw it only after it was gone), so there is no timeline.
        The facts below are what is known.
      </div>
    );
  }
  // Offsets are from the delete request (the ruler's zero); without one, from the earliest time.
  const origin = r.deleteRequestedAt ?? known.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
  const off = (iso: string | null): number | null => offsetSeconds(iso, origin);
  const offs = known.map((t) => off(t) ?? 0);
  const lo = Math.min(0, ...offs);
  const hiRaw = Math.max(...offs);
  const hi = hiRaw + Math.max((hiRaw - lo) * 0.03, 0.05);
  const pos = (s: number): string => `${(100 * (s - lo)) / (hi - lo)}%`;
  const width = (sp: Span): string => `${(100 * Math.max(sp.to - sp.from, 0)) / (hi - lo)}%`;
  const deadline = off(r.deadlineAt);
  const killing = off(r.killingAt);
  const unready = off(r.endpointsUnreadyAt);
  const deleted = off(r.deletedAt);
  const sleep = r.preStopSleepSeconds;
  // Offsets only: the facts below list the absolute times (and each mark's title has it).
  const at = (s: number | null): string => (s === null ? "—" : signedSeconds(s));

  const Deadline = () => (deadline === null ? null : <span className="tl-deadline" style={{ left: pos(deadline) }} aria-hidden="true" />);

  const rows: { key: string; label: ReactNode; value: ReactNode; track: ReactNode; title?: string }[] = [];

  rows.push({
    key: "pod",
    label: "pod",
    value: deleted !== null ? `deleted ${at(deleted)}` : "deletion not seen",
    title: "delete request → deletion",
    track: (
      <>
        {deleted !== null ? <span className="tl-bar span-muted" style={{ left: pos(0), width: width({ from: 0, to: deleted }) }} /> : null}
        {r.deleteRequestedAt ? <span className="tl-mark" style={{ left: pos(0) }} title={`delete requested ${utcTimeMs(r.deleteRequestedAt)}`} /> : null}
        {deleted !== null ? <span className="tl-mark" style={{ left: pos(deleted) }} title={`deleted ${utcTimeMs(r.deletedAt)}`} /> : null}
      </>
    ),
  });

  rows.push({
    key: "endpoints",
    label: "endpoints ready",
    value: unready !== null ? `unready ${at(unready)}` : "not in any EndpointSlice",
    title: "the pod still received new connections until its endpoint went unready",
    track:
      unready !== null ? (
        <>
          <span className="tl-bar" style={{ left: pos(Math.min(0, unready)), width: width({ from: Math.min(0, unready), to: Math.max(0, unready) }), background: "var(--series)" }} />
          <span className="tl-mark" style={{ left: pos(unready) }} />
        </>
      ) : null,
  });

  if (r.preStop.defined || killing !== null) {
    const sleepEnd = killing !== null && sleep !== null ? killing + sleep : null;
    rows.push({
      key: "prestop",
      label: r.preStop.defined ? `Killing · preStop ${r.preStop.action ?? ""}` : "Killing (no preStop)",
      value:
        killing === null
          ? "no Killing event"
          : `${at(killing)}${r.preStop.failed ? " · preStop failed" : ""}${sleep !== null ? ` · sleep ${secondsNumber(sleep)} s` : ""}`,
      track:
        killing !== null ? (
          <>
            {sleepEnd !== null ? <span className="tl-bar" style={{ left: pos(killing), width: width({ from: killing, to: sleepEnd }), background: "var(--series-2)" }} /> : null}
            <span className="tl-mark" style={{ left: pos(killing) }} title={`Killing ${utcTimeMs(r.killingAt)}`} />
          </>
        ) : null,
    });
  }

  for (const c of r.containers) {
    const end = off(c.finishedAt);
    const start = killing ?? 0;
    rows.push({
      key: `c-${c.name}`,
      label: (
        <>
          {c.name}
          {c.sidecar ? <span className="muted"> (sidecar)</span> : null}
        </>
      ),
      value: (
        <>
          <span className={`badge o-${c.outcome}`} title={OUTCOME_MEANING[c.outcome]}>
            {c.outcome}
          </span>{" "}
          {c.exitCode !== null ? `exit ${c.exitCode}` : "no exit"}
          {end !== null ? ` · ${signedSeconds(end)}` : ""}
        </>
      ),
      track:
        end !== null ? (
          <span className={`tl-bar o-${c.outcome}`} style={{ left: pos(Math.min(start, end)), width: width({ from: Math.min(start, end), to: end }) }} title={`${c.name}: ${c.outcome}, exit ${c.exitCode ?? "?"} at ${utcTimeMs(c.finishedAt)}`} />
        ) : null,
    });
  }

  if (r.traffic) {
    const ws = off(r.traffic.windowStart);
    const we = off(r.traffic.windowEnd);
    rows.push({
      key: "traffic",
      label: "traffic window",
      value: `${count(r.traffic.errors5xx)} 5xx / ${count(r.traffic.requests)} req`,
      track: ws !== null && we !== null ? <span className="tl-bar traffic" style={{ left: pos(ws), width: width({ from: ws, to: we }) }} /> : null,
    });
  }

  return (
    <section className="timeline" aria-label="Timeline" data-testid="timeline">
      <div className="tl-body">
        {rows.map((row) => (
          <div className="tl-row" key={row.key} data-row={row.key} title={row.title}>
            <div className="tl-label">{row.label}</div>
            <div className="tl-track">
              {row.track}
              <Deadline />
            </div>
            <div className="tl-value">{row.value}</div>
          </div>
        ))}
        <div className="tl-row">
          <div className="tl-label muted">{r.deleteRequestedAt ? "s after delete request" : "s after first seen"}</div>
          <div className="tl-axis" aria-hidden="true">
            {ticks(lo, hi).map((t) => (
              <span key={t} style={{ left: pos(t) }}>
                {tickLabel(t)}
              </span>
            ))}
          </div>
          <div className="tl-value">{deadline !== null ? <span style={{ color: "var(--grace)" }}>SIGKILL deadline {at(deadline)}</span> : "no deadline (kubelet-chosen)"}</div>
        </div>
      </div>
      <div className="tl-legend">
        <span>
          <span className="dash" />
          SIGKILL deadline (grace {r.gracePeriodSeconds ?? "?"} s)
        </span>
        <span>| delete request, Killing, deletion</span>
        <span className="badge" style={{ ["--c" as string]: "var(--series)" }}>
          in endpoints after the request
        </span>
        <span>containers: bar to exit, coloured by outcome</span>
      </div>
    </section>
  );
}
