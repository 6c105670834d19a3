// A calm line on the overview when records were rejected by the database in the range shown:
// they are not in the numbers above, and the quarantine page says which and why.
import type { Loaded } from "../../lib/errors.ts";
import { count } from "./format.ts";
import { href, type Search } from "./params.ts";

export function QuarantineNotice({ quarantined, search }: { quarantined: Loaded<number>; search: Search }) {
  // A failed count is not worth a second error box: the page's own load error says enough.
  if (!quarantined.ok || quarantined.value === 0) return null;
  const n = quarantined.value;
  const filters = Object.fromEntries(["cluster", "namespace", "since", "until"].map((k) => [k, search[k]]));
  return (
    <div className="notice info compact" role="status" data-testid="quarantine-notice">
      {count(n)} termination record{n === 1 ? "" : "s"} could not be stored in this range (the database rejected{" "}
      {n === 1 ? "it" : "them"}), so {n === 1 ? "it is" : "they are"} not counted above.{" "}
      <a href={href("/quarantine", filters)}>See the quarantine</a>.
    </div>
  );
}
