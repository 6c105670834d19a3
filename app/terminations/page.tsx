// /terminations: every recorded termination matching the filters (the API's), newest first, in
// cursor pages, with the same rows as CSV from the API.
import type { Metadata } from "next";
import { load } from "../../lib/errors.ts";
import { countTerminations, findTerminations, type FindTerminationsQuery } from "../../lib/store/queries.ts";
import { Filters } from "../_ui/filters.tsx";
import { GapBanner } from "../_ui/gap-banner.tsx";
import { count } from "../_ui/format.ts";
import { href, one, ParamError, parseCauses, parseOutcomes, parseRange, rangeParams, type Search } from "../_ui/params.ts";
import { Empty, LoadError, NothingRecorded, PageHead } from "../_ui/parts.tsx";
import { csvHref, TerminationsTable } from "../_ui/terminations-table.tsx";

export const metadata: Metadata = { title: "Terminations" };

const PAGE_SIZE = 100;

function pageSize(search: Search): number {
  const v = one(search, "limit");
  if (v === undefined) return PAGE_SIZE;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ParamError("limit", "must be a whole number from 1 to 1000");
  return n;
}

/**
 * `Deployment/checkout` (as the UI labels workloads) or `checkout` → the API's kind and workload.
 * With `kind` given, `workload` is the name as it is (a name may hold a "/").
 */
function splitWorkload(search: Search): { kind?: string; name?: string } {
  const w = one(search, "workload");
  const kind = one(search, "kind");
  if (w === undefined) return { kind };
  if (kind !== undefined) return { kind, name: w };
  const slash = w.indexOf("/");
  return slash < 0 ? { kind, name: w } : { kind: w.slice(0, slash), name: w.slice(slash + 1) };
}

export default async function TerminationsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const now = Date.now();
  const path = "/terminations";

  let query: FindTerminationsQuery;
  let range;
  let outcomes;
  try {
    range = parseRange(search, now);
    outcomes = parseOutcomes(search);
    const causes = parseCauses(search);
    const wl = splitWorkload(search);
    query = {
      cluster: one(search, "cluster"),
      namespace: one(search, "namespace"),
      kind: wl.kind,
      workload: wl.name !== undefined ? { name: wl.name } : undefined,
      outcome: outcomes.length ? outcomes : undefined,
      cause: causes.length ? causes : undefined,
      since: range.since,
      until: range.until,
      limit: pageSize(search),
      cursor: one(search, "cursor"),
    };
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    return (
      <>
        <PageHead title="Terminations" />
        <LoadError error={{ code: "bad_request", message: err.message }} resetHref={path} />
      </>
    );
  }

  const { cursor: _cursor, limit: _limit, ...filter } = query;
  const [page, total] = await Promise.all([load(findTerminations(query)), load(countTerminations(filter))]);
  const everything = page.ok && page.value.items.length === 0 && !query.cursor ? await load(countTerminations()) : null;
  const wl = splitWorkload(search);
  const csv = csvHref({ ...search, kind: wl.kind, workload: wl.name }, rangeParams(range));

  return (
    <>
      <PageHead title="Terminations">
        <span className="meta" data-testid="range">
          {range.label}
          {total.ok ? (
            <>
              <span className="sep">·</span>
              <span data-testid="total">{count(total.value)}</span> matching
            </>
          ) : null}
        </span>
      </PageHead>
      <GapBanner since={range.since} until={range.until} cluster={query.cluster} />
      <Filters path={path} search={search} range={range} outcomes={outcomes} fields={{ cluster: true, namespace: true, kind: true, workload: true, cause: true, outcome: true }} />
      {!page.ok ? (
        <LoadError error={page.error} resetHref={path} />
      ) : everything?.ok && everything.value === 0 ? (
        <NothingRecorded />
      ) : page.value.items.length === 0 ? (
        <Empty>
          <strong>No terminations match.</strong>{" "}
          {query.cursor ? (
            <>
              This page is past the last one: <a href={href(path, search, { cursor: undefined })}>back to the newest</a>.
            </>
          ) : (
            <>
              Nothing was recorded {range.label}
              {Object.keys(search).some((k) => !["since", "until"].includes(k)) ? " with these filters" : ""}. Widen the
              range (<a href={href(path, search, { since: "30d", until: undefined })}>last 30 d</a>) or{" "}
              <a href={path}>clear the filters</a>.
            </>
          )}
        </Empty>
      ) : (
        <TerminationsTable
          items={page.value.items}
          now={now}
          total={total.ok ? total.value : undefined}
          nextHref={page.value.nextCursor ? href(path, search, { cursor: page.value.nextCursor }) : undefined}
          firstHref={query.cursor ? href(path, search, { cursor: undefined }) : undefined}
          csvHref={csv}
        />
      )}
    </>
  );
}
