// Overview: is anything shutting down badly, and where? Four numbers for the range, then every
// workload with terminations, worst first (failed shutdowns, then count). All state is in the URL.
import { metricsSourceInfo } from "../lib/source-info.ts";
import { load } from "../lib/errors.ts";
import { countQuarantinedRecords, countTerminations, type WorkloadCounts } from "../lib/store/queries.ts";
import { count } from "./_ui/format.ts";
import { failedCount } from "./_ui/outcome.tsx";
import { GapBanner } from "./_ui/gap-banner.tsx";
import { href, one, type Search } from "./_ui/params.ts";
import { Empty, LoadError, NothingRecorded, PageHead, Tiles, type TileProps } from "./_ui/parts.tsx";
import { QuarantineNotice } from "./_ui/quarantine-notice.tsx";
import { WorkloadsTable } from "./_ui/workloads-table.tsx";
import { loadWorkloadsView, WorkloadFilters } from "./_ui/workloads-view.tsx";

function tiles(items: WorkloadCounts[], metricsConfigured: boolean, range: string): TileProps[] {
  const sum = (f: (w: WorkloadCounts) => number) => items.reduce((s, w) => s + f(w), 0);
  const terminations = sum((w) => w.terminations);
  const sigkill = sum((w) => w.outcomes.sigkill);
  const oom = sum((w) => w.outcomes.oom);
  const error = sum((w) => w.outcomes.error);
  const failed = sigkill + oom + error;
  const withTraffic = items.filter((w) => w.errors5xx !== null);
  const errors = withTraffic.reduce((s, w) => s + (w.errors5xx ?? 0), 0);
  const requests = withTraffic.reduce((s, w) => s + (w.requests ?? 0), 0);
  const affected = items.filter((w) => failedCount(w.outcomes) > 0 || (w.errors5xx ?? 0) > 0).length;
  return [
    { id: "terminations", label: "Terminations", value: count(terminations), sub: range },
    {
      id: "failed",
      label: "Failed shutdowns",
      value: count(failed),
      bad: failed > 0,
      sub: `sigkill ${count(sigkill)} · oom ${count(oom)} · error ${count(error)}`,
    },
    withTraffic.length === 0
      ? {
          id: "5xx",
          label: "5xx during terminations",
          value: null,
          sub: metricsConfigured ? "no traffic data yet in this range" : "no metrics source: set PROMETHEUS_URL",
        }
      : { id: "5xx", label: "5xx during terminations", value: count(errors), bad: errors > 0, sub: `of ${count(requests)} requests in termination windows` },
    {
      id: "affected",
      label: "Workloads affected",
      value: count(affected),
      bad: affected > 0,
      sub: `of ${count(items.length)} with terminations (failed or 5xx)`,
    },
  ];
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const now = Date.now();
  const view = await loadWorkloadsView(search, now, 50);
  if (!view.ok) {
    return (
      <>
        <PageHead title="Overview" />
        <LoadError error={{ code: "bad_request", message: view.paramError }} resetHref="/" />
      </>
    );
  }
  const metricsConfigured = metricsSourceInfo().kind !== "none";
  // An empty range on an empty store is a different answer: nothing was ever recorded.
  const everything = view.summaries.ok && view.summaries.value.length === 0 ? await load(countTerminations()) : null;
  const filtered = Object.keys(search).some((k) => !["since", "until", "sort", "dir"].includes(k));
  const quarantined = await load(countQuarantinedRecords({ cluster: one(search, "cluster"), namespace: one(search, "namespace"), since: view.range.since, until: view.range.until }));
  return (
    <>
      <PageHead title="Overview">
        <span className="meta" data-testid="range">
          {view.range.label}
          {filtered ? " · filtered" : ""}
        </span>
      </PageHead>
      <GapBanner since={view.range.since} until={view.range.until} cluster={view.filter.cluster} />
      <WorkloadFilters view={view} path="/" search={search} />
      {!view.summaries.ok ? (
        <LoadError error={view.summaries.error} resetHref="/" />
      ) : (
        <>
          <Tiles tiles={tiles(view.summaries.value, metricsConfigured, view.range.label)} />
          <QuarantineNotice quarantined={quarantined} search={search} />
          {everything?.ok && everything.value === 0 ? (
            <NothingRecorded />
          ) : view.summaries.value.length === 0 ? (
            <Empty>
              <strong>No terminations {view.range.label}{filtered ? " with these filters" : ""}.</strong> Widen the range (
              <a href={href("/", search, { since: "7d", until: undefined })}>7 d</a>,{" "}
              <a href={href("/", search, { since: "30d", until: undefined })}>30 d</a>)
              {filtered ? (
                <>
                  {" "}
                  or <a href="/">clear the filters</a>
                </>
              ) : null}
.
            </Empty>
          ) : (
            <WorkloadsTable
              items={view.summaries.value}
              trends={view.trends}
              sort={view.sort}
              path="/"
              search={search}
              now={now}
              multiCluster={view.clusters.length > 1}
              page={view.page}
            />
          )}
        </>
      )}
    </>
  );
}
