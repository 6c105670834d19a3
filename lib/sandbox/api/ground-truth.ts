// The sandbox's ground truth, read-only JSON, for black-box tests of `drainwatch serve` (compare
// what was stored with what happened):
// - GET /sandbox/v1/ground-truth: every termination the sandbox played out. `tailSeconds` (default
//   10, contract §5's default) must be drainwatch's DRAINWATCH_TRAFFIC_TAIL_SECONDS for the traffic
//   counts to be over the same windows.
// - GET /sandbox/v1/traffic?namespace=&workload=&start=&end= (RFC 3339): what the clients saw over
//   any window (start, end] and its baseline, by the same rule. drainwatch observes deletedAt and
//   endpointsUnreadyAt a watch latency after the sandbox wrote them, so its window can end a few ms
//   later than the ground truth's; this answers for the window it actually used.
import type { GroundTruth, GroundTruthTraffic } from "../ground-truth.ts";
import { TICK_MS } from "../sim/traffic/index.ts";
import type { ApiRequest } from "./context.ts";
import { send } from "./http.ts";

export const GROUND_TRUTH_PATH = "/sandbox/v1/ground-truth";
export const TRAFFIC_PATH = "/sandbox/v1/traffic";

export type CountOver = (namespace: string, workload: string, start: number, end: number) => GroundTruthTraffic | null;

const RULE =
  "traffic: the simulated clients' requests and 5xx to the pod's workload over (windowStart, windowEnd], " +
  "windowStart = deleteRequestedAt, windowEnd = latest of exitedAt, deletedAt and endpointsUnreadyAt (as the sandbox wrote them) + tailSeconds; " +
  "the counters change only at whole virtual seconds (a request counts at the first whole second at or after it completes or fails), " +
  "so a count is total(newest second <= windowEnd) - total(newest second <= windowStart), as contract §3 counts raw samples taken every second; " +
  "baseline: the same over (windowStart - (windowEnd - windowStart), windowStart]. null: no clients, kubelet-initiated (no API deletion), or not played out yet.";

export function serveGroundTruth(r: ApiRequest, groundTruth: (tailSeconds: number) => GroundTruth[], countOver: CountOver): boolean {
  if (r.path === TRAFFIC_PATH) return serveTraffic(r, countOver);
  if (r.path !== GROUND_TRUTH_PATH) return false;
  if (r.method !== "GET") {
    send(r.res, 405, { error: `${r.method} is not supported: the ground truth is read-only` });
    return true;
  }
  const tail = r.q.get("tailSeconds");
  const tailSeconds = tail === null || tail === "" ? 10 : Number(tail);
  if (!/^\d+$/.test(tail ?? "10") || tailSeconds > 3600) {
    send(r.res, 400, { error: "tailSeconds must be a whole number of seconds from 0 to 3600" });
    return true;
  }
  send(r.res, 200, { tailSeconds, tickSeconds: TICK_MS / 1000, rule: RULE, items: groundTruth(tailSeconds) });
  return true;
}

function serveTraffic(r: ApiRequest, countOver: CountOver): boolean {
  if (r.method !== "GET") {
    send(r.res, 405, { error: `${r.method} is not supported: the ground truth is read-only` });
    return true;
  }
  const namespace = r.q.get("namespace") ?? "";
  const workload = r.q.get("workload") ?? "";
  const start = Date.parse(r.q.get("start") ?? "");
  const end = Date.parse(r.q.get("end") ?? "");
  if (!namespace || !workload || Number.isNaN(start) || Number.isNaN(end) || end < start) {
    send(r.res, 400, { error: "namespace, workload, start and end (RFC 3339, end >= start) are required" });
    return true;
  }
  const traffic = countOver(namespace, workload, start, end);
  if (!traffic) send(r.res, 404, { error: `no client traffic of ${namespace}/${workload} covering that window (no clients, not played out yet, or past retention)` });
  else send(r.res, 200, { rule: RULE, traffic });
  return true;
}
