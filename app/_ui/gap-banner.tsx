// "drainwatch was not watching from … to …": one calm notice on every page whose range overlaps a
// stored coverage gap (ui.md: honest about gaps), so an empty or thin stretch is never read as
// "nothing terminated". The text is derived by gapNotice (pure); GapBanner reads the gaps.
import { load } from "../../lib/errors.ts";
import { findGaps, type GapReason, type StoredGap } from "../../lib/store/queries.ts";
import { span, utc } from "./format.ts";
import { href } from "./params.ts";

export const GAP_REASON_TEXT: Record<GapReason, string> = {
  "history-expired": "watch history expired during a leader change/restart",
  "watch-expired": "a watch was down longer than the API server keeps its history",
  "no-checkpoint": "no checkpoint to resume from (first start, or it was lost)",
  "checkpoint-unreadable": "the checkpoint could not be read",
};

/** `from 2026-12-01 14:02:10Z to 14:02:24Z` (the date again only when it changes). */
export function gapSpan(g: Pick<StoredGap, "from" | "to">): string {
  const from = utc(g.from.toISOString());
  const to = utc(g.to.toISOString());
  return `from ${from} to ${from.slice(0, 10) === to.slice(0, 10) ? to.slice(11) : to}`;
}

export interface GapNotice {
  /** The sentence, as the reader sees it. */
  text: string;
  /** Cluster and resource of the gap described (the longest when several). */
  detail: string;
  /** How many overlap (at least; `more` when the query stopped at its limit). */
  count: number;
  more: boolean;
}

/** What the banner says about the gaps overlapping a range; null when there are none. */
export function gapNotice(items: readonly StoredGap[], more: boolean): GapNotice | null {
  if (items.length === 0) return null;
  const longest = items.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const detail = `cluster ${longest.cluster}, ${longest.resource}`;
  if (items.length === 1) {
    return {
      text: `drainwatch was not watching ${gapSpan(longest)} (${GAP_REASON_TEXT[longest.reason]}): terminations in that window may be missing.`,
      detail,
      count: 1,
      more,
    };
  }
  const total = items.reduce((s, g) => s + g.seconds, 0);
  const n = `${items.length}${more ? "+" : ""}`;
  return {
    text: `drainwatch was not watching during ${n} spans overlapping this range (${span(total * 1000)} in all): terminations in them may be missing. The longest: ${gapSpan(longest)} (${GAP_REASON_TEXT[longest.reason]}).`,
    detail,
    count: items.length,
    more,
  };
}

/** The banner for [since, until] (until absent: up to now) in one cluster or all. */
export async function GapBanner({ since, until, cluster }: { since?: Date; until?: Date; cluster?: string }) {
  const gaps = await load(findGaps({ since, until, cluster }));
  // A failed read shows nothing here: the page's own query reports the store's state.
  if (!gaps.ok) return null;
  const notice = gapNotice(gaps.value.items, gaps.value.truncated);
  if (notice === null) return null;
  const api = href("/api/v1/gaps", {}, { cluster, since: since?.toISOString(), until: until?.toISOString() });
  return (
    <div className="notice gap" role="status" data-testid="gap-banner">
      {notice.text}{" "}
      <span className="muted">
        ({notice.count === 1 ? "" : "longest in "}
        {notice.detail} ·{" "}
        <a href={api} data-testid="gap-list">
          {notice.count === 1 ? "as JSON" : "all of them as JSON"}
        </a>
        )
      </span>
    </div>
  );
}
