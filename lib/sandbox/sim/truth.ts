// The ground-truth entry for a termination the simulator starts: cause, the outcome it intends
// and, per container, the exit it planned (node pressure: unknown, as the kubelet reports it).
import type { Cause } from "../../tracker/record.ts";
import type { GroundTruth } from "../ground-truth.ts";
import { rfc3339Milli } from "../time.ts";
import type { Pod } from "../types.ts";
import type { PlannedExit } from "./plan.ts";
import type { PodRuntime } from "./workload.ts";

export type PlannedContainerExit = Pick<PlannedExit, "name" | "exitCode" | "reason">;

export function truthOf(
  rt: PodRuntime,
  pod: Pod,
  cause: Cause,
  outcome: GroundTruth["outcome"],
  grace: number | null,
  at: number,
  exits?: readonly PlannedContainerExit[],
): GroundTruth {
  const containers = rt.profiles.map((c) => {
    const e = exits?.find((x) => x.name === c.name);
    const unknown = cause === "node-pressure";
    return {
      name: c.name,
      sidecar: c.sidecar !== null,
      exitCode: e ? e.exitCode : unknown ? 137 : null,
      reason: e ? e.reason : unknown ? "ContainerStatusUnknown" : null,
    };
  });
  return {
    podUid: rt.uid,
    namespace: rt.namespace,
    pod: pod.metadata.name,
    workload: { kind: rt.workload.config.kind, name: rt.workload.config.name },
    cause,
    outcome,
    gracePeriodSeconds: grace,
    startedAt: rfc3339Milli(at),
    endedAt: null,
    containers,
  };
}
