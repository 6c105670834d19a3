// Small server-rendered pieces every page uses: tiles, times, error and empty states.
import type { ReactNode } from "react";
import type { ErrorBody } from "../../lib/errors.ts";
import { relative, utc } from "./format.ts";

export interface TileProps {
  label: string;
  /** The number, already formatted; `null` shows `none` (with `sub` saying why). */
  value: ReactNode;
  unit?: string;
  sub?: ReactNode;
  bad?: boolean;
  /** For tests: data-testid="tile-<id>". */
  id: string;
}

export function Tiles({ tiles }: { tiles: TileProps[] }) {
  return (
    <section className="tiles" aria-label="Summary">
      {tiles.map((t) => (
        <div className="tile" key={t.id} data-testid={`tile-${t.id}`}>
          <div className="label">{t.label}</div>
          {t.value === null ? (
            <div className="value none">none</div>
          ) : (
            <div className={`value${t.bad ? " bad" : ""}`}>
              {t.value}
              {t.unit ? <span className="unit">{t.unit}</span> : null}
            </div>
          )}
          {t.sub ? <div className="sub">{t.sub}</div> : null}
        </div>
      ))}
    </section>
  );
}

/** `2026-03-02 14:00:00Z` with `3 h ago` beside it. */
export function Time({ iso, now, block }: { iso: string | null; now: number; block?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  const rel = relative(iso, now);
  return (
    <>
      <time dateTime={iso} title={iso}>
        {utc(iso)}
      </time>
      {rel ? <span className={block ? "sub" : "rel"}>{block ? rel : ` · ${rel}`}</span> : null}
    </>
  );
}

/** What a failed query means for the reader, and what to do about it. */
export function LoadError({ error, resetHref }: { error: ErrorBody["error"]; resetHref?: string }) {
  if (error.code === "bad_request") {
    return (
      <div className="notice error" role="alert" data-testid="error">
        <strong>Bad filter.</strong> {error.message}.{" "}
        {resetHref ? (
          <>
            Fix the address or <a href={resetHref}>reset the filters</a>.
          </>
        ) : (
          "Fix the address and reload."
        )}
      </div>
    );
  }
  if (error.code === "unavailable") {
    return (
      <div className="notice error" role="alert" data-testid="error">
        <strong>Store unavailable.</strong> {error.message}. drainwatch may still be starting, or the database is
        unreachable: check <code>/readyz</code> and <code>DATABASE_URL</code>. This page shows the data as soon as the
        store answers; reload it.
      </div>
    );
  }
  return (
    <div className="notice error" role="alert" data-testid="error">
      <strong>Something went wrong reading the store</strong> ({error.code}: {error.message}). The details are in
      drainwatch&apos;s log (search for &quot;request failed&quot;); reload to try again.
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="notice" data-testid="empty">
      {children}
    </div>
  );
}

export function PageHead({ title, children, crumbs }: { title: ReactNode; children?: ReactNode; crumbs?: ReactNode }) {
  return (
    <>
      {crumbs ? <div className="crumbs">{crumbs}</div> : null}
      <div className="page-head">
        <h1>{title}</h1>
        {children}
      </div>
    </>
  );
}

/** The store holds no termination at all: say so, and how they get there. */
export function NothingRecorded() {
  return (
    <div className="notice" data-testid="empty">
      <strong>No terminations recorded yet.</strong> They appear here once drainwatch observes pods being deleted or
      evicted (or after <code>drainwatch replay</code> of a capture). If pods have been terminating, check that drainwatch
      is ingesting: <code>/readyz</code> answers 200 and its log says &quot;records written&quot;.
    </div>
  );
}
