// One colour per outcome, always with its label (shared/ui.md): badges, the stacked outcome bar
// and its legend. The colours are CSS variables (--o-<outcome>), so charts use the same ones.
import { OUTCOMES, type Outcome } from "../../lib/tracker/record.ts";
import { count } from "./format.ts";

export { OUTCOMES };
export type { Outcome };

/** Worst first: the order of the pod outcome rule, used for stacks and legends. */
export const OUTCOME_ORDER: readonly Outcome[] = ["sigkill", "oom", "error", "sigterm", "unknown", "clean"];

export const FAILED_OUTCOMES: readonly Outcome[] = ["sigkill", "oom", "error"];

export const OUTCOME_MEANING: Record<Outcome, string> = {
  clean: "exited 0 within grace",
  sigterm: "exit 143 (returned the signal)",
  error: "other non-zero exit",
  oom: "OOMKilled",
  sigkill: "killed at the deadline",
  unknown: "no final status",
};

export function outcomeColor(o: Outcome): string {
  return `var(--o-${o})`;
}

export function OutcomeBadge({ outcome, strong }: { outcome: Outcome; strong?: boolean }) {
  return (
    <span className={`badge o-${outcome}${strong ? " strong" : ""}`} title={OUTCOME_MEANING[outcome]} data-outcome={outcome}>
      {outcome}
    </span>
  );
}

export type OutcomeCounts = Record<Outcome, number>;

export function emptyCounts(): OutcomeCounts {
  return { clean: 0, sigterm: 0, error: 0, oom: 0, sigkill: 0, unknown: 0 };
}

export function failedCount(c: OutcomeCounts): number {
  return c.sigkill + c.oom + c.error;
}

/** A thin stacked bar of the six outcomes; its text (title and screen readers) lists the counts. */
export function OutcomeBar({ counts, width = 120 }: { counts: OutcomeCounts; width?: number }) {
  const total = OUTCOME_ORDER.reduce((s, o) => s + counts[o], 0);
  const text = OUTCOME_ORDER.filter((o) => counts[o] > 0)
    .map((o) => `${count(counts[o])} ${o}`)
    .join(", ");
  return (
    <span className="obar" style={{ width }} title={text} role="img" aria-label={text || "no terminations"}>
      {total > 0 &&
        OUTCOME_ORDER.filter((o) => counts[o] > 0).map((o) => (
          <span key={o} className={`o-${o}`} style={{ width: `${((100 * counts[o]) / total).toFixed(2)}%` }} />
        ))}
    </span>
  );
}

/** The legend the bars need once per table: colour and label for each outcome. */
export function OutcomeLegend() {
  return (
    <div className="olegend" aria-hidden="true">
      {OUTCOME_ORDER.map((o) => (
        <span key={o} className={`badge o-${o}`} title={OUTCOME_MEANING[o]}>
          {o}
        </span>
      ))}
    </div>
  );
}
