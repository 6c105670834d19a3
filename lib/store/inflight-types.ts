// The live view's data (findTerminationsInFlight in lib/store/in-flight.ts): pods whose termination has begun and
// not yet finished, as the ingest's tracker sees them right now. Times are RFC 3339 with
// milliseconds, as in the record (contract §3). The UI's /live page renders these.
import type { Cause, Outcome, PreStopAction } from "../tracker/record.ts";

export interface InFlightContainer {
  name: string;
  sidecar: boolean;
  /** null while it runs. */
  exitCode: number | null;
  finishedAt: string | null;
  /** The container outcome once it has exited; null while it runs. */
  outcome: Outcome | null;
}

export interface InFlight {
  cluster: string;
  namespace: string;
  pod: string;
  podUid: string;
  node: string | null;
  workload: { kind: string; name: string };
  revision: string | null;
  /** As decided so far (it is decided from the first evidence); null when not yet known. */
  cause: Cause | null;
  gracePeriodSeconds: number | null;
  deleteRequestedAt: string;
  /** null for kubelet-initiated terminations (the kubelet chose the grace; the API does not say). */
  deadlineAt: string | null;
  endpointsUnreadyAt: string | null;
  killingAt: string | null;
  preStop: { defined: boolean; action: PreStopAction | null };
  containers: InFlightContainer[];
  /** When this was read, on the clock the times above are on (the sandbox's is virtual): the
   * page counts down from here, not from the browser's clock. */
  observedAt: string;
}
