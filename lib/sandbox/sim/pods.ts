// Pure builders and edits of Pod objects: templates from the scenario, the running status a
// started pod reports, and the status fields the kubelet rewrites during termination.
import type { ContainerConfig, SidecarConfig, WorkloadConfig } from "../scenario.ts";
import type { ContainerSpec, ContainerStatus, Pod, PodCondition, PodSpec, PodTemplate, PreStopHandler } from "../types.ts";
import type { ContainerProfile } from "./plan.ts";

export const CLASSIC_SIDECAR_DRAIN_SECONDS = 5;
export const NATIVE_SIDECAR_DRAIN_SECONDS = 1;

function preStopHandler(c: ContainerConfig): PreStopHandler | undefined {
  const p = c.preStop;
  if (!p) return undefined;
  if ("sleep" in p) return { sleep: { seconds: p.sleep } };
  if ("exec" in p) return { exec: { command: p.exec } };
  return { httpGet: { path: p.httpGet, port: p.port } };
}

export function profileOf(c: ContainerConfig): ContainerProfile {
  const p = c.preStop;
  let preStop: ContainerProfile["preStop"] = null;
  if (p && "sleep" in p) preStop = { action: "sleep", seconds: p.sleep, fail: false };
  else if (p && "exec" in p) preStop = { action: "exec", seconds: p.seconds, fail: p.fail };
  else if (p) preStop = { action: "httpGet", seconds: p.seconds, fail: p.fail };
  return { name: c.name, sidecar: null, behaviour: c.behaviour, drainSeconds: c.drainSeconds, exitCode: c.exitCode, preStop };
}

export function sidecarProfile(s: SidecarConfig): ContainerProfile {
  return {
    name: s.name,
    sidecar: s.native ? "native" : "classic",
    behaviour: "clean",
    drainSeconds: s.drainSeconds ?? (s.native ? NATIVE_SIDECAR_DRAIN_SECONDS : CLASSIC_SIDECAR_DRAIN_SECONDS),
    exitCode: 0,
    preStop: null,
  };
}

export function podTemplate(w: WorkloadConfig, restartedAt: string | null): PodTemplate {
  const containers: ContainerSpec[] = w.containers.map((c, i) => {
    const preStop = preStopHandler(c);
    return {
      name: c.name,
      image: c.image,
      ...(i === 0
        ? { ports: [{ containerPort: w.port, name: "http" }], readinessProbe: { httpGet: { path: "/ready", port: w.port }, periodSeconds: 2 } }
        : {}),
      ...(preStop ? { lifecycle: { preStop } } : {}),
    };
  });
  const sidecar = (s: SidecarConfig): ContainerSpec => ({ name: s.name, image: s.image, ports: [{ containerPort: 15090, name: "http-envoy-prom" }] });
  for (const s of w.sidecars) if (!s.native) containers.push(sidecar(s));
  const natives = w.sidecars.filter((s) => s.native).map((s) => ({ ...sidecar(s), restartPolicy: "Always" as const }));
  return {
    metadata: {
      labels: { app: w.name },
      ...(restartedAt ? { annotations: { "kubectl.kubernetes.io/restartedAt": restartedAt } } : {}),
    },
    spec: {
      terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
      restartPolicy: "Always",
      containers,
      ...(natives.length > 0 ? { initContainers: natives } : {}),
      ...(w.nodes ? { affinity: hostnameAffinity(w.nodes) } : {}),
    },
  };
}

function hostnameAffinity(nodes: readonly string[]): NonNullable<PodSpec["affinity"]> {
  const term = { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [...nodes] }] };
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } };
}

function runningStatus(c: ContainerSpec, startedAt: string, containerID: string, ready: boolean): ContainerStatus {
  return { name: c.name, image: c.image, ready, started: true, restartCount: 0, state: { running: { startedAt } }, lastState: {}, containerID };
}

export function condition(type: string, ok: boolean, at: string, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? "True" : "False", ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastTransitionTime: at };
}

/** The status of a pod whose containers are all running and ready. */
export function setRunning(pod: Pod, at: string, containerIds: (name: string) => string): void {
  pod.status = {
    phase: "Running",
    hostIP: pod.status.hostIP,
    podIP: pod.status.podIP,
    startTime: pod.status.startTime ?? at,
    conditions: [
      condition("PodReadyToStartContainers", true, at),
      condition("Initialized", true, at),
      condition("Ready", true, at),
      condition("ContainersReady", true, at),
      condition("PodScheduled", true, pod.metadata.creationTimestamp ?? at),
    ],
    containerStatuses: pod.spec.containers.map((c) => runningStatus(c, at, containerIds(c.name), true)),
    ...(pod.spec.initContainers ? { initContainerStatuses: pod.spec.initContainers.map((c) => runningStatus(c, at, containerIds(c.name), true)) } : {}),
  };
}

export function setPending(pod: Pod, at: string): void {
  pod.status = {
    phase: "Pending",
    hostIP: pod.status.hostIP,
    podIP: pod.status.podIP,
    conditions: [condition("PodScheduled", true, at), condition("Ready", false, at, "ContainersNotReady"), condition("ContainersReady", false, at, "ContainersNotReady")],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: "ContainerCreating" } },
      lastState: {},
    })),
  };
}

export function allStatuses(pod: Pod): ContainerStatus[] {
  return [...pod.status.containerStatuses, ...(pod.status.initContainerStatuses ?? [])];
}

function setCondition(pod: Pod, c: PodCondition): void {
  const i = pod.status.conditions.findIndex((x) => x.type === c.type);
  if (i >= 0) {
    const prev = pod.status.conditions[i]!;
    // lastTransitionTime only moves when the status flips.
    pod.status.conditions[i] = prev.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime ?? c.lastTransitionTime } : c;
  } else {
    pod.status.conditions.push(c);
  }
}

export function isPodReady(pod: Pod): boolean {
  return pod.status.conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** Counts toward a workload's available replicas (minReadySeconds 0): running, ready, not deleting. */
export function isAvailable(pod: Pod): boolean {
  return pod.status.phase === "Running" && isPodReady(pod) && !pod.metadata.deletionTimestamp;
}

/** Readiness failed (the app started draining): Ready and ContainersReady False. */
export function setNotReady(pod: Pod, at: string): void {
  const unready = allStatuses(pod).filter((s) => s.state.running);
  for (const s of unready) s.ready = false;
  const message = `containers with unready status: [${unready.map((s) => s.name).join(" ")}]`;
  setCondition(pod, condition("Ready", false, at, "ContainersNotReady", message));
  setCondition(pod, condition("ContainersReady", false, at, "ContainersNotReady", message));
}

export function setTerminated(pod: Pod, name: string, exitCode: number, reason: string, finishedAt: string): void {
  const s = allStatuses(pod).find((x) => x.name === name);
  if (!s) return;
  const startedAt = s.state.running?.startedAt ?? s.state.terminated?.startedAt ?? null;
  s.ready = false;
  s.started = false;
  s.state = { terminated: { exitCode, reason, startedAt, finishedAt, ...(s.containerID ? { containerID: s.containerID } : {}) } };
}

/** Terminal phase (kubelet getPhase for a deleted pod) with Ready/ContainersReady forced False. */
export function setTerminal(pod: Pod, at: string): void {
  const regular = pod.status.containerStatuses;
  const succeeded = regular.every((s) => s.state.terminated?.exitCode === 0);
  pod.status.phase = succeeded ? "Succeeded" : "Failed";
  const reason = succeeded ? "PodCompleted" : "PodFailed";
  setCondition(pod, condition("Ready", false, at, reason));
  setCondition(pod, condition("ContainersReady", false, at, reason));
  for (const s of allStatuses(pod)) s.ready = false;
}

/** Node-pressure eviction's final status: the containers are gone, their exits unknown. */
export function setEvicted(pod: Pod, at: string, message: string): void {
  for (const s of allStatuses(pod)) {
    s.ready = false;
    s.started = false;
    s.state = {
      terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was terminated", startedAt: null, finishedAt: null },
    };
  }
  pod.status.phase = "Failed";
  pod.status.reason = "Evicted";
  pod.status.message = message;
  setCondition(pod, condition("DisruptionTarget", true, at, "TerminationByKubelet", message));
  setCondition(pod, condition("Ready", false, at, "PodFailed"));
  setCondition(pod, condition("ContainersReady", false, at, "PodFailed"));
}

export function addDisruptionTarget(pod: Pod, at: string, reason: string, message: string): void {
  setCondition(pod, condition("DisruptionTarget", true, at, reason, message));
}

export function isTerminalPod(pod: Pod): boolean {
  return pod.status.phase === "Succeeded" || pod.status.phase === "Failed";
}
