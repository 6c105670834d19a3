// /workloads/{cluster}/{namespace}/{kind}/{name}: how one workload shuts down. Tiles, then what
// to change (recommendations with their evidence and the exact manifest lines), then the charts,
// its revisions, and its terminations in cursor pages.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { load } from "../../../../../../lib/errors.ts";
import { metricsSourceInfo } from "../../../../../../lib/source-info.ts";
import { findGaps, findTerminations, getWorkload, getWorkloadCharts, type Recommendation, type WorkloadDetail, type WorkloadKey } from "../../../../../../lib/store/queries.ts";
import { DrainHistogramChart, EndpointLagChart, ErrorsOverTimeChart, OutcomesOverTimeChart } from "../../../../../_ui/charts.tsx";
import { Filters } from "../../../../../_ui/filters.tsx";
import { GapBanner } from "../../../../../_ui/gap-banner.tsx";
import { count, seconds, wholeSeconds } from "../../../../../_ui/format.ts";
import { failedCount, OutcomeBar } from "../../../../../_ui/outcome.tsx";
import { href, one, ParamError, parseRange, rangeParams, seg, terminationHref, type Range, type Search } from "../../../../../_ui/params.ts";
import { Empty, LoadError, PageHead, Tiles, Time, type TileProps } from "../../../../../_ui/parts.tsx";
import { csvHref, TerminationsTable } from "../../../../../_ui/terminations-table.tsx";

type Params = { cluster: string; namespace: string; kind: string; name: string };

/** A workload's history is longer than an incident: a week unless the URL says otherwise. */
const DEFAULT_RANGE = "7d";
const PAGE_SIZE = 50;

function keyOf(p: Params): WorkloadKey {
  return { cluster: decodeURIComponent(p.cluster), namespace: decodeURIComponent(p.namespace), kind: decodeURIComponent(p.kind), name: decodeURIComponent(p.name) };
}

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const k = keyOf(await params);
  return { title: `${k.kind}/${k.name}` };
}

function tiles(w: WorkloadDetail, metricsConfigured: boolean): TileProps[] {
  const failed = failedCount(w.outcomes);
  const over = w.drainSeconds !== null && w.gracePeriodSeconds !== null && w.drainSeconds.p95 > w.gracePeriodSeconds;
  const causes = Object.entries(w.causes)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([c, n]) => `${c} ${n}`)
    .join(" · ");
  return [
    { id: "terminations", label: "Terminations", value: count(w.terminations), sub: causes },
    { id: "failed", label: "Failed shutdowns", value: count(failed), bad: failed > 0, sub: `sigkill ${w.outcomes.sigkill} · oom ${w.outcomes.oom} · error ${w.outcomes.error}` },
    {
      id: "drain",
      label: "p95 drain / grace",
      value:
        w.drainSeconds === null ? null : (
          <>
            <span className={over ? "over" : undefined}>{seconds(w.drainSeconds.p95).replace(" s", "")}</span>
            <span className="unit"> s / {w.gracePeriodSeconds ?? "?"} s</span>
          </>
        ),
      sub: w.drainSeconds === null ? "no container exit recorded" : `p50 ${seconds(w.drainSeconds.p50)} · max ${seconds(w.drainSeconds.max)}`,
    },
    {
      id: "lag",
      label: "p95 endpoint lag",
      value: w.endpointLagSeconds === null ? null : seconds(w.endpointLagSeconds.p95).replace(" s", ""),
      unit: " s",
      sub: w.endpointLagSeconds === null ? "in no EndpointSlice" : `p50 ${seconds(w.endpointLagSeconds.p50)}`,
    },
    w.errors5xx === null
      ? { id: "5xx", label: "5xx during terminations", value: null, sub: metricsConfigured ? "no traffic data in this range" : "no metrics source: set PROMETHEUS_URL" }
      : { id: "5xx", label: "5xx during terminations", value: count(w.errors5xx), bad: w.errors5xx > 0, sub: `of ${count(w.requests)} requests` },
  ];
}

/** Evidence text with `code` spans. */
function withCode(text: string): ReactNode[] {
  return text.split("`").map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

const TARGET: Record<Recommendation["change"]["target"], string> = {
  "pod-spec": "pod spec (spec.template.spec)",
  "container-image": "Dockerfile",
  mesh: "service mesh",
  application: "application code",
};

function Recommendations({ recs }: { recs: Recommendation[] }) {
  if (recs.length === 0) {
    return (
      <p className="muted" data-testid="no-recommendations">
        No recommendations: nothing in these terminations points at a setting to change.
      </p>
    );
  }
  return (
    <div className="recs" data-testid="recommendations">
      {recs.map((r) => (
        <article key={r.id} className={`rec sev-${r.severity}`} data-rec={r.id}>
          <div>
            <span className={`badge sev-${r.severity}`}>{r.severity}</span> <span className="title">{r.title}</span>
          </div>
          <p className="evidence">
            {withCode(r.evidence.text)}
            {r.evidence.facts.length ? (
              <span className="muted">
                {" "}
                ({r.evidence.facts.map((f) => `${f.label}: ${f.unit === "seconds" ? seconds(f.value) : count(f.value)}`).join(" · ")})
              </span>
            ) : null}
            {r.evidence.examples.length ? (
              <span className="muted">
                {" "}
                e.g.{" "}
                {r.evidence.examples.map((e, i) => (
                  <span key={e.podUid}>
                    {i > 0 ? ", " : ""}
                    <a href={terminationHref(e)}>{e.pod}</a>
                  </span>
                ))}
              </span>
            ) : null}
          </p>
          <div>
            {withCode(r.change.description)} <span className="muted">In the {TARGET[r.change.target]}:</span>
          </div>
          <pre>
            <code>{r.change.snippet}</code>
          </pre>
        </article>
      ))}
    </div>
  );
}

function Panel({ title, hint, children }: { title: string; hint: string; children: ReactNode }) {
  return (
    <section className="panel" aria-label={title}>
      <h3>{title}</h3>
      <p className="hint">{hint}</p>
      {children}
    </section>
  );
}

export default async function WorkloadPage({ params, searchParams }: { params: Promise<Params>; searchParams: Promise<Search> }) {
  const key = keyOf(await params);
  const search = await searchParams;
  const now = Date.now();
  const path = `/workloads/${seg(key.cluster)}/${seg(key.namespace)}/${seg(key.kind)}/${seg(key.name)}`;
  const title = `${key.kind}/${key.name}`;
  const crumbs = (
    <>
      <a href="/workloads">Workloads</a> / {key.cluster} / {key.namespace}
    </>
  );

  let range: Range;
  let limit = PAGE_SIZE;
  try {
    range = parseRange(search, now, DEFAULT_RANGE);
    const l = one(search, "limit");
    if (l !== undefined) {
      limit = Number(l);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ParamError("limit", "must be a whole number from 1 to 500");
    }
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    return (
      <>
        <PageHead title={title} crumbs={crumbs} />
        <LoadError error={{ code: "bad_request", message: err.message }} resetHref={path} />
      </>
    );
  }
  const timeRange = { since: range.since, until: range.until };
  const cursor = one(search, "cursor");
  const [detail, charts, page, gaps] = await Promise.all([
    load(getWorkload(key, timeRange)),
    load(getWorkloadCharts(key, timeRange)),
    // The object form: a name is never read as `Kind/name`, whatever it contains.
    load(findTerminations({ cluster: key.cluster, namespace: key.namespace, workload: { kind: key.kind, name: key.name }, ...timeRange, limit, cursor })),
    load(findGaps({ cluster: key.cluster, ...timeRange })),
  ]);
  const gapSpans = gaps.ok ? gaps.value.items.map((g) => ({ from: g.from.toISOString(), to: g.to.toISOString() })) : [];
  const metricsConfigured = metricsSourceInfo().kind !== "none";
  const head = (
    <PageHead title={<span data-testid="workload-name">{title}</span>} crumbs={crumbs}>
      <span className="meta" data-testid="range">
        {range.label}
      </span>
    </PageHead>
  );
  const filters = (
    <>
      <GapBanner since={range.since} until={range.until} cluster={key.cluster} />
      <Filters path={path} search={search} range={range} fields={{}} />
    </>
  );

  if (!detail.ok) {
    return (
      <>
        {head}
        {filters}
        <LoadError error={detail.error} resetHref={path} />
      </>
    );
  }
  const w = detail.value;
  if (w === null) {
    return (
      <>
        {head}
        {filters}
        <Empty>
          <strong>No terminations of {title} in {key.namespace} {range.label}.</strong> Widen the range (
          <a href={href(path, search, { since: "30d", until: undefined, cursor: undefined })}>30 d</a>) or look for it on the{" "}
          <a href="/workloads?since=30d">workloads list</a>; names are case-sensitive.
        </Empty>
      </>
    );
  }

  const csv = csvHref({ cluster: key.cluster, namespace: key.namespace, kind: key.kind, workload: key.name }, rangeParams(range));

  return (
    <>
      {head}
      {filters}
      <Tiles tiles={tiles(w, metricsConfigured)} />

      <h2>
        Recommendations<span className="hint">from the newest terminations in the range</span>
      </h2>
      <Recommendations recs={w.recommendations} />

      <h2>Charts</h2>
      {!charts.ok ? (
        <LoadError error={charts.error} />
      ) : charts.value === null ? null : (
        <div className="grid2">
          <Panel title="Drain time" hint="delete request → last main-container exit, by outcome; the dashed line is the grace period">
            <DrainHistogramChart data={charts.value.drain} />
          </Panel>
          <Panel
            title="Outcomes over time"
            hint={`terminations per bucket (UTC), by outcome; dotted lines mark rollouts${gapSpans.length ? "; shaded: drainwatch was not watching" : ""}`}
          >
            <OutcomesOverTimeChart data={charts.value.outcomesOverTime} gaps={gapSpans} />
          </Panel>
          <Panel title="5xx during terminations" hint="5xx in termination windows per bucket (UTC), against the baselines before them">
            <ErrorsOverTimeChart data={charts.value.errorsOverTime} metricsConfigured={metricsConfigured} />
          </Panel>
          <Panel title="Endpoint lag vs preStop sleep" hint="seconds from the delete request until the endpoint went unready; a lag above the preStop sleep means traffic after SIGTERM">
            <EndpointLagChart points={charts.value.endpointLag} />
          </Panel>
        </div>
      )}

      <h2>
        Revisions<span className="hint">newest first</span>
      </h2>
      <div className="table-wrap">
        <table data-testid="revisions">
          <thead>
            <tr>
              <th>Revision</th>
              <th className="num">Terminations</th>
              <th>Failed · outcomes</th>
              <th className="num">5xx</th>
              <th>First (UTC)</th>
              <th>Last (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {w.revisions.map((r) => {
              const failed = failedCount(r.outcomes);
              return (
                <tr key={r.revision ?? "(none)"}>
                  <td className="wrap">{r.revision ?? <span className="muted">(none)</span>}</td>
                  <td className="num">{count(r.terminations)}</td>
                  <td className="nowrap">
                    <span className={failed > 0 ? "bad-num" : "muted"}>{count(failed)} failed</span>
                    <OutcomeBar counts={r.outcomes} />
                  </td>
                  <td className="num">{r.errors5xx === null ? <span className="faint">—</span> : count(r.errors5xx)}</td>
                  <td className="time">
                    <Time iso={r.firstAt} now={now} block />
                  </td>
                  <td className="time">
                    <Time iso={r.lastAt} now={now} block />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h2>
        Terminations<span className="hint">grace {wholeSeconds(w.gracePeriodSeconds)} (newest)</span>
      </h2>
      {!page.ok ? (
        <LoadError error={page.error} resetHref={path} />
      ) : page.value.items.length === 0 ? (
        <Empty>
          This page is past the last one: <a href={href(path, search, { cursor: undefined })}>back to the newest</a>.
        </Empty>
      ) : (
        <TerminationsTable
          items={page.value.items}
          now={now}
          showWorkload={false}
          total={w.terminations}
          nextHref={page.value.nextCursor ? href(path, search, { cursor: page.value.nextCursor }) : undefined}
          firstHref={cursor ? href(path, search, { cursor: undefined }) : undefined}
          csvHref={csv}
        />
      )}
    </>
  );
}
