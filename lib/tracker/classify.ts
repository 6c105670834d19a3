// Pure classification rules of contract section 3: container and pod outcomes, sidecars,
// preStop, and the causes that a pod's own status proves.
import type { Cause, ContainerExit, ContainerSpec as RecordContainerSpec, Outcome, PreStopAction } from "./record";
import type { ContainerSpec, ContainerStatus, Pod, PodCondition } from "./objects";
import { formatTime, parseTime } from "./time";

/** Container names drainwatch treats as classic proxy sidecars (the sandbox makes only these). */
export const PROXY_CONTAINER_NAMES = ["istio-proxy", "linkerd-proxy", "envoy"] as const;
const PROXY_NAMES: ReadonlySet<string> = new Set(PROXY_CONTAINER_NAMES);
/** Worst first: the pod outcome is the first of these that any main container has. */
const SEVERITY: readonly Outcome[] = ["sigkill", "oom", "error", "sigterm", "unknown", "clean"];
const SHUTDOWN_MESSAGE = "Pod was terminated in response to imminent node shutdown.";
const LOW_RESOURCE_PREFIX = "The node was low on resource";

export interface ContainerView {
  name: string;
  sidecar: boolean;
  spec: ContainerSpec | null;
  status: ContainerStatus | null;
}

/**
 * Main containers in spec order (classic proxy sidecars flagged in place), then native sidecars
 * (restartable init containers). Ordinary init containers ended at start-up and are left out.
 */
export function containerViews(pod: Pod): ContainerView[] {
  const statuses = new Map<string, ContainerStatus>();
  for (const s of pod.status?.containerStatuses ?? []) statuses.set(s.name, s);
  const initStatuses = new Map<string, ContainerStatus>();
  for (const s of pod.status?.initContainerStatuses ?? []) initStatuses.set(s.name, s);

  const views: ContainerView[] = [];
  const specs = pod.spec?.containers ?? [];
  for (const spec of specs) {
    views.push({ name: spec.name, sidecar: PROXY_NAMES.has(spec.name), spec, status: statuses.get(spec.name) ?? null });
  }
  if (specs.length === 0) {
    // No spec in the object (trimmed capture): fall back to what the status lists.
    for (const status of statuses.values()) {
      views.push({ name: status.name, sidecar: PROXY_NAMES.has(status.name), spec: null, status });
    }
  }
  for (const spec of pod.spec?.initContainers ?? []) {
    if (spec.restartPolicy !== "Always") continue;
    views.push({ name: spec.name, sidecar: true, spec, status: initStatuses.get(spec.name) ?? null });
  }
  return views;
}

export function containerOutcome(status: ContainerStatus | null, deadlineAt: number | null): Outcome {
  const t = status?.state?.terminated;
  if (!t) return "unknown";
  if (t.reason === "OOMKilled") return "oom";
  if (t.reason === "ContainerStatusUnknown") return "unknown";
  const code = t.exitCode ?? null;
  if (code === null) return "unknown";
  if (code === 0) return "clean";
  if (code === 137 && t.reason === "Error" && deadlineAt !== null) {
    const finished = parseTime(t.finishedAt);
    if (finished !== null && finished >= deadlineAt - 1000) return "sigkill";
  }
  if (code === 143) return "sigterm";
  return "error";
}

export function containerExit(view: ContainerView, deadlineAt: number | null): ContainerExit {
  const t = view.status?.state?.terminated ?? null;
  return {
    name: view.name,
    sidecar: view.sidecar,
    exitCode: t?.exitCode ?? null,
    reason: t?.reason ?? null,
    finishedAt: formatTime(parseTime(t?.finishedAt)),
    outcome: containerOutcome(view.status, deadlineAt),
  };
}

export function containerSpec(view: ContainerView): RecordContainerSpec {
  return {
    name: view.name,
    image: view.spec?.image ?? null,
    command: view.spec?.command ?? null,
    args: view.spec?.args ?? null,
    stopSignal: view.spec?.lifecycle?.stopSignal ?? null,
  };
}

export function podOutcome(mainOutcomes: readonly Outcome[]): Outcome {
  for (const o of SEVERITY) if (mainOutcomes.includes(o)) return o;
  return "unknown";
}

export function hasFinalStatus(view: ContainerView): boolean {
  return view.status?.state?.terminated != null;
}

export interface PreStopSpec {
  defined: boolean;
  action: PreStopAction | null;
  sleepSeconds: number | null;
}

/** The preStop hook of the first main container that defines one. */
export function preStopOf(views: readonly ContainerView[]): PreStopSpec {
  for (const v of views) {
    if (v.sidecar) continue;
    const h = v.spec?.lifecycle?.preStop;
    if (!h) continue;
    if (h.exec != null) return { defined: true, action: "exec", sleepSeconds: execSleepSeconds(h.exec.command ?? []) };
    if (h.httpGet != null) return { defined: true, action: "httpGet", sleepSeconds: null };
    if (h.sleep != null) return { defined: true, action: "sleep", sleepSeconds: h.sleep.seconds ?? null };
    if (h.tcpSocket != null) return { defined: true, action: "tcpSocket", sleepSeconds: null };
  }
  return { defined: false, action: null, sleepSeconds: null };
}

const SHELLS = new Set(["sh", "bash", "ash", "dash"]);
const SLEEP_ARG = /^\d+(\.\d+)?$/;
const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** N of an exec hook that is a plain `sleep N`, directly or as `sh -c "sleep N"`; else null. */
export function execSleepSeconds(command: readonly string[]): number | null {
  const [bin, ...rest] = command;
  if (bin === undefined) return null;
  if (SHELLS.has(basename(bin)) && rest.length === 2 && rest[0] === "-c") {
    return execSleepSeconds((rest[1] ?? "").trim().split(/\s+/));
  }
  if (basename(bin) === "sleep" && rest.length === 1 && SLEEP_ARG.test(rest[0] ?? "")) return Number(rest[0]);
  return null;
}

export function disruptionTarget(pod: Pod): PodCondition | null {
  return pod.status?.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True") ?? null;
}

const TERMINAL = new Set(["Failed", "Succeeded"]);
export function isTerminal(pod: Pod): boolean {
  return TERMINAL.has(pod.status?.phase ?? "");
}

const KUBELET_REASONS = new Set(["Evicted", "Terminated", "Shutdown", "Preempting"]);
/** The kubelet ended this pod without an API deletion (eviction, node shutdown, preemption). */
export function isKubeletTermination(pod: Pod): boolean {
  if (!isTerminal(pod)) return false;
  return disruptionTarget(pod)?.reason === "TerminationByKubelet" || KUBELET_REASONS.has(pod.status?.reason ?? "");
}

/** Cause of a kubelet-initiated termination, from status.reason and the condition message. */
export function kubeletCause(pod: Pod): Cause {
  const reason = pod.status?.reason ?? "";
  const message = disruptionTarget(pod)?.message ?? pod.status?.message ?? "";
  if (reason === "Preempting" || message.startsWith("Pod was preempted by Kubelet")) return "preemption";
  if (reason === "Terminated" || reason === "Shutdown" || message === SHUTDOWN_MESSAGE) return "node-shutdown";
  if (reason === "Evicted" || message.startsWith(LOW_RESOURCE_PREFIX)) return "node-pressure";
  return "unknown";
}

/** Cause from a disruption condition written by an API-side actor; null when there is none. */
export function disruptionCause(pod: Pod): Cause | null {
  const dt = disruptionTarget(pod);
  switch (dt?.reason) {
    case undefined:
    case null:
      return null;
    case "EvictionByEvictionAPI":
      return "eviction";
    case "PreemptionByScheduler":
      return "preemption";
    case "DeletionByTaintManager":
    case "DeletionByDeviceTaintManager":
      return "taint";
    case "DeletionByPodGC":
      return "pod-gc";
    case "TerminationByKubelet":
      return kubeletCause(pod);
    default:
      return null;
  }
}
