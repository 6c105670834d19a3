// Resource paths (/api/v1/…, /apis/GROUP/VERSION/…) resolved to a resource, and the objects a
// list or watch selects (namespace, label and field selectors).
import { fieldMatcher, labelMatcher, type Matcher } from "../selectors.ts";
import type { Target } from "./context.ts";
import { findResource } from "./resources.ts";

/** The resource a path names; "discovery" for /api/VERSION and /apis/GROUP[/VERSION]; null if none. */
export function parseTarget(pathname: string): Target | null | "discovery" {
  const segs = pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api") {
    if (segs.length <= 2) return "discovery";
    group = "";
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === "apis") {
    if (segs.length <= 3) return "discovery";
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return null;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const def = findResource(group, version, rest[0]!);
  if (!def) return null;
  return { def, namespace, name: rest[1], sub: rest[2] };
}

export function selects(t: Target, q: URLSearchParams): Matcher {
  const labels = labelMatcher(q.get("labelSelector"));
  const fields = fieldMatcher(q.get("fieldSelector"));
  return (o) => (t.namespace === undefined || o.metadata.namespace === t.namespace) && labels(o) && fields(o);
}
