// The rows of terminations (the list page, a workload's page): newest first, one line per pod,
// the drain time beside its grace, cursor pages and a CSV link to the same rows from the API.
import type { TerminationRecord } from "../../lib/tracker/record.ts";
import { count, seconds, wholeSeconds } from "./format.ts";
import { OutcomeBadge, OutcomeLegend } from "./outcome.tsx";
import { href, terminationHref, workloadHref, type Search } from "./params.ts";
import { Time } from "./parts.tsx";

export function workloadLabel(w: { kind: string; name: string }): string {
  return `${w.kind}/${w.name}`;
}

/** `32.0 s / 30 s`, red when the drain ran past the grace period. */
export function DrainVsGrace({ drain, grace }: { drain: number | null; grace: number | null }) {
  const over = drain !== null && grace !== null && drain > grace;
  return (
    <>
      <span className={over ? "over" : undefined} title={over ? "drained past the grace period" : undefined}>
        {seconds(drain)}
      </span>
      <span className="muted"> / {wholeSeconds(grace)}</span>
    </>
  );
}

export function FiveXX({ r }: { r: TerminationRecord }) {
  if (r.traffic === null) return <span className="faint" title={r.notes.includes("no-traffic-series") ? "no traffic series for this workload" : "no traffic data for this termination"}>—</span>;
  const t = r.traffic;
  return (
    <span className={t.errors5xx > 0 ? "bad-num" : undefined} title={`${count(t.errors5xx)} of ${count(t.requests)} requests; baseline ${count(t.baselineErrors5xx)} of ${count(t.baselineRequests)}`}>
      {count(t.errors5xx)}
    </span>
  );
}

export function TerminationsTable({
  items,
  now,
  showWorkload = true,
  nextHref,
  firstHref,
  csvHref,
  total,
  order = "newest first",
}: {
  items: TerminationRecord[];
  now: number;
  showWorkload?: boolean;
  /** The next page (cursor), when there is one. */
  nextHref?: string;
  /** Back to the newest page, when this is not it. */
  firstHref?: string;
  /** Absent: no CSV link (a list the API cannot reproduce). */
  csvHref?: string;
  total?: number;
  order?: string;
}) {
  return (
    <>
      <OutcomeLegend />
      <div className="table-wrap">
        <table data-testid="terminations" className="cards">
          <thead>
            <tr>
              <th>Delete requested (UTC)</th>
              <th>Pod</th>
              <th>Cause</th>
              <th>Outcome</th>
              <th className="num">Drain / grace</th>
              <th className="num">Endpoint lag</th>
              <th className="num">5xx</th>
              <th>Notes</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={`${r.cluster}/${r.podUid}`} data-pod-uid={r.podUid}>
                <td className="time">
                  <Time iso={r.deleteRequestedAt} now={now} block />
                </td>
                <td className="name">
                  <a href={terminationHref(r)}>{r.pod}</a>
                  <span className="sub">
                    {r.namespace}
                    {showWorkload ? (
                      <>
                        {" · "}
                        <a href={workloadHref({ cluster: r.cluster, namespace: r.namespace, ...r.workload })} className="muted">
                          {workloadLabel(r.workload)}
                        </a>
                      </>
                    ) : null}
                    {r.revision !== null ? ` · rev ${r.revision}` : ""}
                  </span>
                </td>
                <td className="nowrap" data-label="cause">
                  {r.cause}
                </td>
                <td>
                  <OutcomeBadge outcome={r.outcome} />
                </td>
                <td className="num" data-label="drain">
                  <DrainVsGrace drain={r.drainSeconds} grace={r.gracePeriodSeconds} />
                </td>
                <td className="num" data-label="lag">
                  {seconds(r.endpointLagSeconds)}
                </td>
                <td className="num" data-label="5xx">
                  <FiveXX r={r} />
                </td>
                <td className="nowrap muted">{r.notes.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <span>
          {count(items.length)} shown{total !== undefined ? ` of ${count(total)}` : ""} · {order}
        </span>
        {firstHref ? <a href={firstHref}>← newest</a> : null}
        {nextHref ? (
          <a href={nextHref} rel="next" data-testid="next-page">
            older →
          </a>
        ) : null}
        <span className="spacer" />
        {csvHref ? (
          <a href={csvHref} data-testid="csv">
            CSV of all matching rows
          </a>
        ) : null}
      </div>
    </>
  );
}

/** The API URL for the same rows as CSV: the filters by the API's names, the range normalized
 * (a preset as written, an absolute time as RFC 3339, which the API requires). */
export function csvHref(filters: Search, range: { since: string; until?: string }): string {
  return href("/api/v1/terminations", {}, {
    ...Object.fromEntries(["cluster", "namespace", "kind", "workload", "outcome", "cause"].map((k) => [k, listParam(filters, k)])),
    since: range.since,
    until: range.until,
    format: "csv",
  });
}

function listParam(search: Search, key: string): string | undefined {
  const v = search[key];
  if (v === undefined) return undefined;
  const s = (Array.isArray(v) ? v : [v]).join(",");
  return s === "" ? undefined : s;
}
