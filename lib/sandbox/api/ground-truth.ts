// GET /sandbox/v1/ground-truth: every termination the sandbox played out, read-only JSON, for
// black-box tests of `drainwatch serve` (compare what was stored with what happened). `tailSeconds`
// (default 10, contract §5's default) must be drainwatch's DRAINWATCH_TRAFFIC_TAIL_SECONDS for the
// traffic counts to be over the same windows.
import type { GroundTruth } from "../ground-truth.ts";
import { TICK_MS } from "../sim/traffic/index.ts";
import type { ApiRequest } from "./context.ts";
import { send } from "./http.ts";

export const GROUND_TRUTH_PATH = "/sandbox/v1/ground-truth";

const RULE =
  "traffic: the simulated clients' requests and 5xx to the pod's workload over (windowStart, windowEnd], " +
  "windowStart = deleteRequestedAt, windowEnd = latest of exitedAt, deletedAt and endpointsUnreadyAt (as the sandbox wrote them) + tailSeconds; " +
  "the counters change only at whole virtual seconds (a request counts at the first whole second at or after it completes or fails), " +
  "so a count is total(newest second <= windowEnd) - total(newest second <= windowStart), as contract §3 counts raw samples taken every second; " +
  "baseline: the same over (windowStart - (windowEnd - windowStart), windowStart]. null: no clients, kubelet-initiated (no API deletion), or not played out yet.";

export function serveGroundTruth(r: ApiRequest, groundTruth: (tailSeconds: number) => GroundTruth[]): boolean {
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
