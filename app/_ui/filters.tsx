// The filter bar: range presets as links, the rest a plain GET form, so every view is a URL and
// works without JavaScript (and with the keyboard: Tab through, Enter applies).
import { CAUSES } from "../../lib/tracker/record.ts";
import { OUTCOME_MEANING, OUTCOME_ORDER, type Outcome } from "./outcome.tsx";
import { href, list, one, RANGE_PRESETS, type Range, type Search } from "./params.ts";

export interface FilterFields {
  cluster?: boolean;
  namespace?: boolean;
  kind?: boolean;
  workload?: boolean;
  outcome?: boolean;
  cause?: boolean;
}

export interface FilterOptions {
  clusters?: readonly string[];
  namespaces?: readonly string[];
}

const FILTER_KEYS = ["cluster", "namespace", "kind", "workload", "outcome", "cause"] as const;

/** Parameters the form does not show but must keep (sort order). */
const KEEP = ["sort", "dir"];

export function Filters({
  path,
  search,
  range,
  fields,
  options = {},
  outcomes = [],
}: {
  path: string;
  search: Search;
  range: Range;
  fields: FilterFields;
  options?: FilterOptions;
  outcomes?: readonly Outcome[];
}) {
  const cause = one(search, "cause") ?? "";
  // On narrow screens the form folds behind a "Filters" toggle (CSS only), open when any is set.
  const active = FILTER_KEYS.filter((k) => (fields as Record<string, boolean | undefined>)[k] && one(search, k) !== undefined).length + (range.preset ? 0 : 1);
  return (
    <div className="filterbar">
      <div className="filter-group">
        <span className="label" id="range-label">
          Range
        </span>
        <div className="presets" role="group" aria-labelledby="range-label">
          {RANGE_PRESETS.map((p) => (
            <a key={p} href={href(path, search, { since: p, until: undefined, cursor: undefined })} aria-current={range.preset === p ? "true" : undefined}>
              {p}
            </a>
          ))}
        </div>
      </div>
      <input type="checkbox" id="filters-toggle" className="filters-toggle sr-only" defaultChecked={active > 0} aria-label="show filters" />
      <label htmlFor="filters-toggle" className="button filters-toggle-label" aria-hidden="true">
        Filters{active > 0 ? ` · ${active}` : ""}
      </label>
      <form className="filters" method="get" action={path} role="search" aria-label="Filters">
        <label>
          from (UTC, or back from now)
          <input name="since" defaultValue={range.sinceParam || (range.preset ?? "")} placeholder="2026-03-02T14:00Z or 6h" size={20} />
        </label>
        <label>
          to (empty: now)
          <input name="until" defaultValue={range.untilParam} placeholder="now" size={20} />
        </label>
        {fields.cluster ? <TextFilter name="cluster" label="cluster" search={search} options={options.clusters} /> : null}
        {fields.namespace ? <TextFilter name="namespace" label="namespace" search={search} options={options.namespaces} /> : null}
        {fields.kind ? <TextFilter name="kind" label="kind" search={search} options={["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]} /> : null}
        {fields.workload ? <TextFilter name="workload" label="workload" search={search} /> : null}
        {fields.cause ? (
          <label>
            cause
            <select name="cause" defaultValue={cause}>
              <option value="">any</option>
              {CAUSES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {fields.outcome ? (
          <div className="filter-group" role="group" aria-labelledby="outcome-label">
            <span className="label" id="outcome-label" title="none checked: every outcome">
              outcome (none: all)
            </span>
            <div className="outcome-checks">
              {OUTCOME_ORDER.map((o) => (
                <label key={o} title={OUTCOME_MEANING[o]}>
                  <input type="checkbox" name="outcome" value={o} defaultChecked={outcomes.includes(o)} />
                  <span className={`badge o-${o}`}>{o}</span>
                </label>
              ))}
            </div>
          </div>
        ) : null}
        {KEEP.filter((k) => one(search, k) !== undefined).map((k) => (
          <input key={k} type="hidden" name={k} value={list(search, k).join(",")} />
        ))}
        <button type="submit">Apply</button>
        <a className="button" href={path}>
          Reset
        </a>
      </form>
    </div>
  );
}

function TextFilter({ name, label, search, options }: { name: string; label: string; search: Search; options?: readonly string[] }) {
  const id = `opts-${name}`;
  return (
    <label>
      {label}
      <input name={name} defaultValue={list(search, name).join(",")} placeholder="all" size={14} list={options?.length ? id : undefined} autoComplete="off" />
      {options?.length ? (
        <datalist id={id}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      ) : null}
    </label>
  );
}
