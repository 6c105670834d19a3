// Record notes (contract §3 `notes`) in words: what happened and what to do about it.
import type { ReactNode } from "react";

const NOTES: Record<string, ReactNode> = {
  "no-final-status": (
    <>
      A main container had no final status when the pod went away, so its exit code is unknown. Usually the node was lost or
      the kubelet could not report in time: check the node and its kubelet log around the deletion.
    </>
  ),
  "relist-stale-delete": (
    <>
      drainwatch learned of this deletion from a re-list after a gap in its watch, so the times it saw may be late. If this
      is frequent, look for watch restarts in drainwatch&apos;s log and its connection to the API server.
    </>
  ),
  "deadline-rewritten": (
    <>
      The deletion was changed after the first request (a second delete with a shorter grace period, or a force delete), or
      drainwatch saw only the kubelet&apos;s final rewrite. The grace and deadline shown are the first ones seen.
    </>
  ),
  "prestop-overran-grace": (
    <>
      The preStop sleep is at least as long as the grace period, so the app got no time to shut down after SIGTERM. Set{" "}
      <code>terminationGracePeriodSeconds</code> above the preStop sleep plus the app&apos;s own shutdown time.
    </>
  ),
  expired: (
    <>
      The pod never finished terminating (stuck in Terminating: a lost node or a finalizer), and drainwatch closed the record
      after waiting past its deadline. Check <code>kubectl get pod -o yaml</code> for finalizers and the node&apos;s state.
    </>
  ),
  "first-seen-terminal": (
    <>
      drainwatch was not watching when this pod was asked to stop; it first saw it already terminated, so the request time
      and cause may be unknown.
    </>
  ),
  "no-traffic-series": (
    <>
      No traffic source (istio, envoy, ingress-nginx) has metrics for this workload, so requests and 5xx are unknown. Set{" "}
      <code>DRAINWATCH_TRAFFIC_SOURCE</code> or a custom selector (<code>DRAINWATCH_TRAFFIC_REQUESTS</code>,{" "}
      <code>DRAINWATCH_TRAFFIC_ERRORS</code>) that matches its metrics.
    </>
  ),
};

export function NoteText({ note }: { note: string }) {
  return <>{NOTES[note] ?? "A condition drainwatch flagged on this record; see the contract's notes for its meaning."}</>;
}
