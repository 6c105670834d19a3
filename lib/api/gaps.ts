// GET /api/v1/gaps: the spans drainwatch could not watch. Same filter rules as the terminations
// list (contract §4): cluster, since and until (RFC 3339 or a duration back from now, inclusive;
// until before since is a 400 naming until; a repeated parameter is a 400; unknown ones ignored).
import type { GapQuery, StoredGap } from "../store/queries.ts";
import { parseRange, singleValues } from "./params.ts";

export function parseGapsQuery(params: URLSearchParams, now: Date = new Date()): GapQuery {
  const v = singleValues(params);
  const query: GapQuery = parseRange(v, now);
  const cluster = v.get("cluster");
  if (cluster !== undefined) query.cluster = cluster;
  return query;
}

/** One gap as the API answers it: times in RFC 3339 with milliseconds, its length in seconds. */
export interface GapItem {
  cluster: string;
  resource: string;
  from: string;
  to: string;
  seconds: number;
  reason: StoredGap["reason"];
}

export function gapItem(g: StoredGap): GapItem {
  return { cluster: g.cluster, resource: g.resource, from: g.from.toISOString(), to: g.to.toISOString(), seconds: g.seconds, reason: g.reason };
}
