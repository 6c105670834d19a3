// The termination list: server-rendered on every request, straight from the store's queries.
import { load } from "../lib/errors.ts";
import { sourceInfo, type SourceInfo } from "../lib/source-info.ts";
import { findTerminations, openStoreKind } from "../lib/store/queries.ts";
import type { TerminationRecord } from "../lib/tracker/record.ts";
import { SourceBanner } from "./source-banner.tsx";

export const dynamic = "force-dynamic";

function formatTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

function formatSeconds(s: number | null): string {
  if (s === null) return "—";
  return `${s.toFixed(s < 10 ? 1 : 0)} s`;
}

function workloadLabel(r: TerminationRecord): string {
  return r.workload.kind === "Pod" ? "(bare pod)" : `${r.workload.kind}/${r.workload.name}`;
}

function sourceLabel(source: SourceInfo): string {
  if (source.kind === "sandbox") return "sandbox cluster · ";
  if (source.kind === "kubernetes") return `live from ${source.server} · `;
  return "";
}

export default async function TerminationsPage() {
  const loaded = await load(findTerminations({ limit: 100 }));
  const kind = openStoreKind();

  if (!loaded.ok) {
    return (
      <>
        <SourceBanner />
        <h1>Terminations</h1>
        <div className="notice error" role="alert">
          <strong>Store unavailable.</strong> {loaded.error.message}. drainwatch may still be starting, or the
          database is unreachable; this page shows the data as soon as the store answers.
        </div>
      </>
    );
  }

  const items = loaded.value.items;
  return (
    <>
      <SourceBanner />
      <h1>Terminations</h1>
      <p className="meta">
        {sourceLabel(sourceInfo())}
        {kind === "pglite" ? "embedded database · " : kind === "postgres" ? "PostgreSQL · " : ""}
        newest first{loaded.value.nextCursor ? ` · showing the latest ${items.length}` : ""}
      </p>
      {items.length === 0 ? (
        <div className="notice" data-testid="empty">
          No terminations recorded yet. They appear here once drainwatch observes pods being deleted or
          evicted (or after <code>drainwatch replay</code> of a capture).
        </div>
      ) : (
        <table data-testid="terminations">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Namespace</th>
              <th>Pod</th>
              <th>Workload</th>
              <th>Cause</th>
              <th>Outcome</th>
              <th className="num">Drain</th>
              <th className="num">Grace</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={`${r.cluster}/${r.podUid}`} data-pod-uid={r.podUid}>
                <td className="time">{formatTime(r.deleteRequestedAt ?? r.deletedAt)}</td>
                <td>{r.namespace}</td>
                <td>{r.pod}</td>
                <td>{workloadLabel(r)}</td>
                <td>{r.cause}</td>
                <td className={`outcome-${r.outcome}`}>{r.outcome}</td>
                <td className="num">{formatSeconds(r.drainSeconds)}</td>
                <td className="num">{r.gracePeriodSeconds === null ? "—" : `${r.gracePeriodSeconds} s`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
