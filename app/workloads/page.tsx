// /workloads: every workload with terminations in the range, with the fuller numbers (p50 and max
// drain, requests, causes) for a platform review. Same URL state as the overview.
import type { Metadata } from "next";
import { href, type Search } from "../_ui/params.ts";
import { Empty, LoadError, NothingRecorded, PageHead } from "../_ui/parts.tsx";
import { load } from "../../lib/errors.ts";
import { countTerminations } from "../../lib/store/queries.ts";
import { WorkloadsTable } from "../_ui/workloads-table.tsx";
import { loadWorkloadsView, WorkloadFilters } from "../_ui/workloads-view.tsx";
import { count } from "../_ui/format.ts";
import { GapBanner } from "../_ui/gap-banner.tsx";

export const metadata: Metadata = { title: "Workloads" };

export default async function WorkloadsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const now = Date.now();
  const path = "/workloads";
  const view = await loadWorkloadsView(search, now, 100, true);
  if (!view.ok) {
    return (
      <>
        <PageHead title="Workloads" />
        <LoadError error={{ code: "bad_request", message: view.paramError }} resetHref={path} />
      </>
    );
  }
  const everything = view.summaries.ok && view.summaries.value.length === 0 ? await load(countTerminations()) : null;
  return (
    <>
      <PageHead title="Workloads">
        <span className="meta" data-testid="range">
          {view.range.label}
          {view.summaries.ok ? ` · ${count(view.summaries.value.length)} with terminations` : ""}
        </span>
      </PageHead>
      <GapBanner since={view.range.since} until={view.range.until} cluster={view.filter.cluster} />
      <WorkloadFilters view={view} path={path} search={search} />
      {!view.summaries.ok ? (
        <LoadError error={view.summaries.error} resetHref={path} />
      ) : everything?.ok && everything.value === 0 ? (
        <NothingRecorded />
      ) : view.summaries.value.length === 0 ? (
        <Empty>
          <strong>No workload had terminations {view.range.label}.</strong> Widen the range (
          <a href={href(path, search, { since: "30d", until: undefined })}>30 d</a>) or <a href={path}>clear the filters</a>.
        </Empty>
      ) : (
        <WorkloadsTable items={view.summaries.value} trends={view.trends} sort={view.sort} path={path} search={search} now={now} full multiCluster={view.clusters.length > 1} page={view.page} />
      )}
    </>
  );
}
