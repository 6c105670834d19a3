// /quarantine: termination records the database rejected (a value it cannot hold), kept with the
// error instead of being dropped; newest rejection first. The same rows as GET /api/v1/quarantine.
import type { Metadata } from "next";
import { load } from "../../lib/errors.ts";
import { countQuarantinedRecords, findQuarantinedRecords, type FindQuarantineQuery, type QuarantinedRecord } from "../../lib/store/queries.ts";
import { Filters } from "../_ui/filters.tsx";
import { count } from "../_ui/format.ts";
import { href, one, ParamError, parseRange, type Search } from "../_ui/params.ts";
import { Empty, LoadError, PageHead, Time } from "../_ui/parts.tsx";

export const metadata: Metadata = { title: "Quarantine" };

const PAGE_SIZE = 100;
/** Longer strings (an owner name can run to kilobytes) are cut in the table; the title holds all. */
const SHOW_CHARS = 120;

function Clipped({ text, className }: { text: string; className?: string }) {
  const cut = text.length > SHOW_CHARS;
  return (
    <span className={className} title={cut ? text : undefined}>
      {cut ? `${text.slice(0, SHOW_CHARS)}…` : text}
      {cut ? <span className="faint"> ({count(text.length)} characters)</span> : null}
    </span>
  );
}

function QuarantineTable({ items, now }: { items: QuarantinedRecord[]; now: number }) {
  return (
    <div className="table-wrap">
      <table data-testid="quarantine" className="cards">
        <thead>
          <tr>
            <th>Last rejected (UTC)</th>
            <th>Pod</th>
            <th>Workload</th>
            <th>Error</th>
            <th className="num">Attempts</th>
          </tr>
        </thead>
        <tbody>
          {items.map((q) => (
            <tr key={`${q.cluster}/${q.podUid}`} data-pod-uid={q.podUid}>
              <td className="time">
                <Time iso={q.lastSeenAt} now={now} block />
              </td>
              <td className="name">
                <Clipped text={q.pod} />
                <span className="sub">
                  {q.cluster} · {q.namespace} · <Clipped text={q.podUid} />
                </span>
              </td>
              <td className="wrap" data-label="workload">
                <Clipped text={`${q.workload.kind}/${q.workload.name}`} />
              </td>
              <td className="wrap" data-label="error">
                <Clipped text={q.error} />
                {q.sqlState ? <span className="sub">SQLSTATE {q.sqlState}</span> : <span className="sub">refused by the writer</span>}
              </td>
              <td className="num" data-label="attempts">
                {count(q.attempts)}
                <span className="sub">
                  since <Time iso={q.firstSeenAt} now={now} />
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function QuarantinePage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const now = Date.now();
  const path = "/quarantine";
  let query: FindQuarantineQuery;
  let range;
  try {
    range = parseRange(search, now, "30d");
    const limit = one(search, "limit");
    if (limit !== undefined && !/^\d+$/.test(limit)) throw new ParamError("limit", "must be a whole number from 1 to 1000");
    query = {
      cluster: one(search, "cluster"),
      namespace: one(search, "namespace"),
      since: range.since,
      until: range.until,
      limit: limit === undefined ? PAGE_SIZE : Number(limit),
      cursor: one(search, "cursor"),
    };
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    return (
      <>
        <PageHead title="Quarantine" />
        <LoadError error={{ code: "bad_request", message: err.message }} resetHref={path} />
      </>
    );
  }
  const { cursor: _cursor, limit: _limit, ...filter } = query;
  const [page, total] = await Promise.all([load(findQuarantinedRecords(query)), load(countQuarantinedRecords(filter))]);
  return (
    <>
      <PageHead title="Quarantine">
        <span className="meta" data-testid="range">
          rejected {range.label}
          {total.ok ? (
            <>
              <span className="sep">·</span>
              <span data-testid="total">{count(total.value)}</span> record{total.value === 1 ? "" : "s"}
            </>
          ) : null}
        </span>
      </PageHead>
      <p className="meta intro">
        Termination records the database would not store (a value it cannot hold). They are kept here with the error
        instead of being dropped, and leave once written (after an upgrade, or a corrected record). Also as JSON:{" "}
        <a href={href("/api/v1/quarantine", {}, { cluster: query.cluster, namespace: query.namespace })}>/api/v1/quarantine</a>.
      </p>
      <Filters path={path} search={search} range={range} fields={{ cluster: true, namespace: true }} />
      {!page.ok ? (
        <LoadError error={page.error} resetHref={path} />
      ) : page.value.items.length === 0 ? (
        <Empty>
          <strong>Nothing in quarantine {range.label}.</strong> Every record drainwatch finished in this range was stored.
          {query.cursor ? (
            <>
              {" "}
              This page is past the last one: <a href={href(path, search, { cursor: undefined })}>back to the newest</a>.
            </>
          ) : null}
        </Empty>
      ) : (
        <>
          <QuarantineTable items={page.value.items} now={now} />
          <div className="pager">
            <span>
              {count(page.value.items.length)} shown{total.ok ? ` of ${count(total.value)}` : ""} · newest rejection first
            </span>
            {query.cursor ? <a href={href(path, search, { cursor: undefined })}>← newest</a> : null}
            {page.value.nextCursor ? (
              <a href={href(path, search, { cursor: page.value.nextCursor })} rel="next" data-testid="next-page">
                older →
              </a>
            ) : null}
          </div>
        </>
      )}
    </>
  );
}
