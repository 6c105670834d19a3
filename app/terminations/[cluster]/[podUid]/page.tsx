// /terminations/{cluster}/{podUid}: one termination. The answer first (outcome, drain vs grace,
// endpoint lag, 5xx), then the timeline to scale, then facts, traffic, events, notes in words and
// the rest of the same rollout.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { load } from "../../../../lib/errors.ts";
import { metricsSourceInfo } from "../../../../lib/source-info.ts";
import { findSiblingTerminations, getTermination } from "../../../../lib/store/queries.ts";
import type { TerminationRecord } from "../../../../lib/tracker/record.ts";
import { count, rate, seconds, signedSeconds, offsetSeconds, span, utc, wholeSeconds, percent } from "../../../_ui/format.ts";
import { GapBanner } from "../../../_ui/gap-banner.tsx";
import { NoteText } from "../../../_ui/notes.tsx";
import { OutcomeBadge, OUTCOME_MEANING } from "../../../_ui/outcome.tsx";
import { href, workloadHref } from "../../../_ui/params.ts";
import { LoadError, PageHead, Tiles, Time, type TileProps } from "../../../_ui/parts.tsx";
import { TerminationsTable, workloadLabel } from "../../../_ui/terminations-table.tsx";
import { Timeline } from "../../../_ui/timeline.tsx";

type Params = { cluster: string; podUid: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { podUid } = await params;
  return { title: `Termination ${decodeURIComponent(podUid)}` };
}

function mainExit(r: TerminationRecord): string {
  const main = r.containers.filter((c) => !c.sidecar);
  const codes = [...new Set(main.map((c) => (c.exitCode === null ? "none" : String(c.exitCode))))];
  return codes.length ? `exit ${codes.join(", ")}` : "no containers";
}

function trafficTile(r: TerminationRecord): TileProps {
  if (r.traffic) {
    const t = r.traffic;
    return {
      id: "5xx",
      label: "5xx during the window",
      value: count(t.errors5xx),
      bad: t.errors5xx > 0,
      sub: `of ${count(t.requests)} requests (${percent(t.errors5xx, t.requests)}) · baseline ${rate(t.baselineErrorRate)}`,
    };
  }
  const metrics = metricsSourceInfo();
  return {
    id: "5xx",
    label: "5xx during the window",
    value: null,
    sub:
      metrics.kind === "none"
        ? "no metrics source: set PROMETHEUS_URL"
        : r.notes.includes("no-traffic-series")
          ? "no traffic series for this workload"
          : "not joined yet (after the scrape delay)",
  };
}

export default async function TerminationPage({ params }: { params: Promise<Params> }) {
  const p = await params;
  const cluster = decodeURIComponent(p.cluster);
  const podUid = decodeURIComponent(p.podUid);
  const now = Date.now();
  const loaded = await load(getTermination(podUid, cluster));

  if (!loaded.ok) {
    return (
      <>
        <PageHead title="Termination" />
        <LoadError error={loaded.error} />
      </>
    );
  }
  const r = loaded.value;
  if (r === null) {
    return (
      <>
        <PageHead title="Termination not found" />
        <div className="notice" data-testid="not-found">
          No termination of pod UID <code>{podUid}</code> in cluster <code>{cluster}</code> is recorded. It may be in
          another cluster, or older records may have been pruned: search the <a href={href("/terminations", {}, { since: "30d" })}>terminations list</a>.
        </div>
      </>
    );
  }

  const siblings = await load(findSiblingTerminations(r));
  const wl = { cluster: r.cluster, namespace: r.namespace, ...r.workload };
  const over = r.drainSeconds !== null && r.gracePeriodSeconds !== null && r.drainSeconds > r.gracePeriodSeconds;
  const metrics = metricsSourceInfo();
  const termWindow = recordWindow(r);

  const tiles: TileProps[] = [
    {
      id: "outcome",
      label: "Outcome",
      value: <OutcomeBadge outcome={r.outcome} strong />,
      sub: `${OUTCOME_MEANING[r.outcome]} · ${mainExit(r)}`,
    },
    {
      id: "drain",
      label: "Drain / grace",
      value: (
        <>
          <span className={over ? "over" : undefined}>{r.drainSeconds === null ? "—" : seconds(r.drainSeconds).replace(" s", "")}</span>
          <span className="unit"> s / {r.gracePeriodSeconds ?? "?"} s</span>
        </>
      ),
      sub: r.gracePeriodSeconds === null ? "grace chosen by the kubelet (not recorded)" : over ? "ran past the grace period" : "delete request → last main exit",
    },
    {
      id: "lag",
      label: "Endpoint lag",
      value: r.endpointLagSeconds === null ? null : seconds(r.endpointLagSeconds).replace(" s", ""),
      unit: " s",
      sub: r.endpointLagSeconds === null ? "the pod was in no EndpointSlice" : "request → endpoint unready",
    },
    trafficTile(r),
  ];

  const facts: [string, ReactNode][] = [
    ["cause", r.cause],
    ["grace period", wholeSeconds(r.gracePeriodSeconds)],
    ["delete requested", <Time key="d" iso={r.deleteRequestedAt} now={now} />],
    ["SIGKILL deadline", r.deadlineAt ? `${utc(r.deadlineAt)} (${signedSeconds(offsetSeconds(r.deadlineAt, r.deleteRequestedAt))})` : "—"],
    ["endpoints unready", r.endpointsUnreadyAt ? `${utcMs(r.endpointsUnreadyAt)} (${signedSeconds(r.endpointLagSeconds)})` : "—"],
    ["Killing event", r.killingAt ? `${utcMs(r.killingAt)} (${signedSeconds(offsetSeconds(r.killingAt, r.deleteRequestedAt))})` : "—"],
    ["last main exit", r.exitedAt ? `${utcMs(r.exitedAt)} (${signedSeconds(r.drainSeconds)})` : "—"],
    ["deleted", r.deletedAt ? `${utcMs(r.deletedAt)} (${signedSeconds(offsetSeconds(r.deletedAt, r.deleteRequestedAt))})` : "—"],
    ["preStop", r.preStop.defined ? `${r.preStop.action ?? "defined"}${r.preStopSleepSeconds !== null ? ` ${r.preStopSleepSeconds} s` : ""}${r.preStop.failed ? " · FAILED (FailedPreStopHook)" : ""}` : "none"],
    ["sidecar exited first", r.sidecarExitedFirst ? "yes: a sidecar stopped before the app" : "no"],
    ["node", r.node ?? "—"],
    ["revision", r.revision ?? "—"],
    ["pod UID", <code key="u">{r.podUid}</code>],
  ];

  return (
    <>
      <PageHead
        crumbs={
          <>
            <a href="/terminations">Terminations</a> / {r.cluster} / {r.namespace} / <a href={workloadHref(wl)}>{workloadLabel(r.workload)}</a>
          </>
        }
        title={<span data-testid="pod-name">{r.pod}</span>}
      >
        <OutcomeBadge outcome={r.outcome} strong />
        <span className="chip">{r.cause}</span>
      </PageHead>

      {termWindow ? <GapBanner since={termWindow.since} until={termWindow.until} cluster={r.cluster} /> : null}

      <Tiles tiles={tiles} />

      {r.notes.length > 0 ? (
        <section aria-label="Notes" className="notice info" data-testid="notes">
          {r.notes.map((n) => (
            <p key={n}>
              <code>{n}</code>: <NoteText note={n} />
            </p>
          ))}
        </section>
      ) : null}

      <Timeline r={r} />

      <div className="grid2">
        <section aria-labelledby="facts-h">
          <h2 id="facts-h" style={{ marginTop: 0 }}>
            Facts
          </h2>
          <dl className="facts">
            {facts.map(([k, v]) => (
              <div key={k} style={{ display: "contents" }}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="traffic-h">
          <h2 id="traffic-h" style={{ marginTop: 0 }}>
            Traffic vs baseline
          </h2>
          <TrafficPanel r={r} metricsConfigured={metrics.kind !== "none"} />
          <h2>Containers</h2>
          <div className="table-wrap">
            <table data-testid="containers">
              <thead>
                <tr>
                  <th>Container</th>
                  <th>Outcome</th>
                  <th className="num">Exit</th>
                  <th>Reason</th>
                  <th className="num">Finished</th>
                </tr>
              </thead>
              <tbody>
                {r.containers.map((c) => (
                  <tr key={c.name}>
                    <td className="wrap">
                      {c.name}
                      {c.sidecar ? <span className="muted"> (sidecar)</span> : null}
                    </td>
                    <td>
                      <OutcomeBadge outcome={c.outcome} />
                    </td>
                    <td className="num">{c.exitCode ?? "—"}</td>
                    <td>{c.reason ?? "—"}</td>
                    <td className="num">{c.finishedAt ? signedSeconds(offsetSeconds(c.finishedAt, r.deleteRequestedAt)) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>

      <h2>
        Events<span className="hint">{r.events.length} recorded for this pod</span>
      </h2>
      {r.events.length === 0 ? (
        <p className="muted">No events were recorded for this pod (events expire after an hour in most clusters; drainwatch keeps those it saw).</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="events">
            <thead>
              <tr>
                <th className="num">At</th>
                <th>Type</th>
                <th>Reason</th>
                <th>Message</th>
                <th className="num">Count</th>
              </tr>
            </thead>
            <tbody>
              {r.events.map((e, i) => (
                <tr key={i}>
                  <td className="num" title={e.at ?? undefined}>
                    {e.at ? signedSeconds(offsetSeconds(e.at, r.deleteRequestedAt)) : "—"}
                  </td>
                  <td className={e.type === "Warning" ? "over" : undefined}>{e.type}</td>
                  <td>{e.reason}</td>
                  <td className="wrap" data-testid="event-message">
                    {e.message}
                  </td>
                  <td className="num">{count(e.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>
        Same {r.cause === "rollout" ? "rollout" : "batch"}
        <span className="hint">
          other {r.cause} terminations of {workloadLabel(r.workload)}
          {r.revision !== null ? ` revision ${r.revision}` : ""} within an hour of this one
        </span>
      </h2>
      {!siblings.ok ? (
        <LoadError error={siblings.error} />
      ) : siblings.value.length === 0 ? (
        <p className="muted" data-testid="no-siblings">
          No other terminations of this workload around this time. <a href={workloadHref(wl)}>All of the workload&apos;s terminations</a>.
        </p>
      ) : (
        <TerminationsTable items={siblings.value} now={now} showWorkload={false} order="oldest first" />
      )}
    </>
  );
}

/** From the delete request (or the earliest time known) to the deletion (or the latest known). */
function recordWindow(r: TerminationRecord): { since: Date; until: Date } | null {
  const times = [r.deleteRequestedAt, r.endpointsUnreadyAt, r.killingAt, r.exitedAt, r.deletedAt]
    .filter((t): t is string => t !== null)
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  if (times.length === 0) return null;
  return { since: new Date(Math.min(...times)), until: new Date(Math.max(...times)) };
}

function utcMs(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ");
}

function TrafficPanel({ r, metricsConfigured }: { r: TerminationRecord; metricsConfigured: boolean }) {
  const t = r.traffic;
  if (!t) {
    if (!metricsConfigured) {
      return (
        <p className="muted" data-testid="traffic-none">
          No metrics source: drainwatch has no <code>PROMETHEUS_URL</code>, so requests and 5xx during terminations are not
          counted. Set <code>PROMETHEUS_URL</code> (and <code>DRAINWATCH_TRAFFIC_SOURCE</code> if auto-detection is not
          enough) to add them to new terminations.
        </p>
      );
    }
    if (r.notes.includes("no-traffic-series")) {
      return (
        <p className="muted" data-testid="traffic-none">
          <NoteText note="no-traffic-series" />
        </p>
      );
    }
    return (
      <p className="muted" data-testid="traffic-none">
        Not joined yet: requests and 5xx are counted once the window (delete request to exit or deletion, plus the tail)
        is past and Prometheus has scraped it. If this stays empty, look for Prometheus errors in drainwatch&apos;s log.
      </p>
    );
  }
  const winMs = Date.parse(t.windowEnd) - Date.parse(t.windowStart);
  const extra = t.errors5xx - t.baselineErrors5xx;
  return (
    <>
      <div className="table-wrap">
        <table data-testid="traffic">
          <thead>
            <tr>
              <th>Window ({t.source})</th>
              <th className="num">Requests</th>
              <th className="num">5xx</th>
              <th className="num">5xx rate</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>
                termination <span className="muted">{span(winMs)}</span>
              </td>
              <td className="num">{count(t.requests)}</td>
              <td className={`num${t.errors5xx > 0 ? " bad-num" : ""}`}>{count(t.errors5xx)}</td>
              <td className="num">{percent(t.errors5xx, t.requests)}</td>
            </tr>
            <tr>
              <td>
                baseline <span className="muted">same length before</span>
              </td>
              <td className="num">{count(t.baselineRequests)}</td>
              <td className="num">{count(t.baselineErrors5xx)}</td>
              <td className="num">{rate(t.baselineErrorRate)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="muted" style={{ margin: "4px 0 0" }}>
        {utc(t.windowStart)} – {utc(t.windowEnd)} · requests to the whole workload.{" "}
        {extra > 0 ? (
          <strong style={{ color: "var(--o-sigkill)" }}>{count(extra)} more 5xx than the baseline.</strong>
        ) : (
          "No more 5xx than the baseline."
        )}
      </p>
    </>
  );
}
