// A simulated workload (Deployment, StatefulSet, DaemonSet, Job or CronJob) and the pods the simulator runs for it: the shared
// bookkeeping the controllers, the pod registry and the kubelet work on.
import type { WorkloadConfig } from "../scenario.ts";
import type { PodHandle } from "./kubelet.ts";
import type { ContainerProfile } from "./plan.ts";
import { profileOf, sidecarProfile } from "./pods.ts";
import type { Rng } from "./rng.ts";

export interface WorkloadState {
  /** namespace/name */
  key: string;
  config: WorkloadConfig;
  uid: string;
  /** Deployment controller: the restartedAt annotation, generation and newest revision. */
  restartedAt: string | null;
  generation: number;
  maxRevision: number;
  /** EndpointSlice controller: its one slice, and when a pending sync was first asked for. */
  sliceName: string;
  slicePendingSince: number | null;
  /** Pod factory: round-robin node placement. */
  nextNode: number;
  /** This workload's pods (an index of the pod registry, so controllers stay O(own pods) at 10k pods). */
  pods: Map<string, PodRuntime>;
}

export interface PodRuntime extends PodHandle {
  workload: WorkloadState;
  /** the pod's controller (ReplicaSet, StatefulSet, DaemonSet or Job) */
  rsUid: string;
}

export function newWorkload(config: WorkloadConfig, rng: Rng): WorkloadState {
  return {
    key: `${config.namespace}/${config.name}`,
    config,
    uid: rng.uid(),
    restartedAt: null,
    generation: 1,
    maxRevision: 0,
    sliceName: `${config.name}-${rng.suffix(5)}`,
    nextNode: 0,
    slicePendingSince: null,
    pods: new Map(),
  };
}

/** The containers as the kubelet plays them: main containers, then sidecars. */
export function profilesOf(w: WorkloadState): ContainerProfile[] {
  return [...w.config.containers.map(profileOf), ...w.config.sidecars.map(sidecarProfile)];
}
