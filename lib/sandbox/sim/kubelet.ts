// The kubelet of every node: plays out a pod's termination on the virtual clock with the API
// traces of reference section 1 — Killing per container, FailedPreStopHook, readiness going
// false, container exits, terminal status BEFORE the final grace-0 delete (MODIFIED with the
// deletion timestamp moved back to the request time, then DELETED) — and node-pressure
// eviction (section 6: no deletionTimestamp, the object stays Failed/Evicted).
import type { VirtualClock } from "../clock.ts";
import type { ObjectStore } from "../store.ts";
import type { Settings } from "../scenario.ts";
import type { Pod } from "../types.ts";
import { rfc3339 } from "../time.ts";
import type { EventRecorder } from "./events.ts";
import { planTermination, podOutcome, type ContainerProfile, type PlannedExit, type TerminationPlan } from "./plan.ts";
import { setEvicted, setNotReady, setTerminal, setTerminated } from "./pods.ts";

/** PLEG and status-manager latency between a container exit and the status write. */
const STATUS_DELAY_MS = 200;
const TERMINAL_DELAY_MS = 800;
/** containerd reports Error first and corrects it to OOMKilled this much later. */
const OOM_CORRECTION_MS = 1200;
const FINAL_DELETE_DELAY_MS = 200;
/** Node-pressure eviction: the Evicted event, then Killing this long after the decision. */
export const PRESSURE_KILLING_DELAY_MS = 300;

export interface PodHandle {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  profiles: ContainerProfile[];
  /** set once the object is gone from the API (kubelet's final delete, or a force delete) */
  gone: boolean;
}

export interface KubeletHost {
  store: ObjectStore;
  clock: VirtualClock;
  events: EventRecorder;
  settings: Settings;
  /** A pod's object changed in a way controllers care about (readiness, phase, deletion). */
  podChanged(h: PodHandle): void;
  /** The termination ended: the pod object was deleted or reached its final status. */
  terminationEnded(h: PodHandle, at: number): void;
}

export class Kubelet {
  constructor(private readonly host: KubeletHost) {}

  private pod(h: PodHandle): Pod | undefined {
    return h.gone ? undefined : this.host.store.peek<Pod>("pods", h.namespace, h.name);
  }

  private mutate(h: PodHandle, fn: (p: Pod) => void): Pod | undefined {
    const p = this.pod(h);
    if (!p || p.metadata.uid !== h.uid) return undefined;
    return this.host.store.mutate<Pod>("pods", h.namespace, h.name, fn);
  }

  private killingEvents(h: PodHandle): void {
    const pod = this.pod(h);
    if (!pod) return;
    for (const c of h.profiles) {
      const field = c.sidecar === "native" ? `spec.initContainers{${c.name}}` : `spec.containers{${c.name}}`;
      this.host.events.record(pod, "Normal", "Killing", `Stopping container ${c.name}`, { component: "kubelet", host: h.node }, field);
    }
  }

  /**
   * Plans the termination of an API-deleted pod (grace G > 0, request at `requestAt`) and
   * schedules it. Returns the plan so the caller knows the intended outcome.
   */
  terminate(h: PodHandle, graceSeconds: number, requestAt: number): TerminationPlan {
    const { clock, settings } = this.host;
    const t0 = requestAt + settings.kubeletLatencySeconds * 1000;
    const deadline = Math.floor(requestAt / 1000) * 1000 + graceSeconds * 1000;
    const plan = planTermination(h.profiles, t0, graceSeconds, deadline);

    clock.at(t0, () => this.killingEvents(h));
    for (const f of plan.preStopFailures) {
      clock.at(f.at, () => {
        const pod = this.pod(h);
        // Current kubelets log a fixed message so that secrets in the handler never leak.
        if (pod) this.host.events.record(pod, "Warning", "FailedPreStopHook", "PreStopHook failed", { component: "kubelet", host: h.node }, `spec.containers{${f.name}}`);
      });
    }
    const readyAt = t0 + settings.readinessDelaySeconds * 1000;
    if (readyAt < plan.lastExitAt) {
      clock.at(readyAt, () => {
        if (this.mutate(h, (p) => setNotReady(p, rfc3339(clock.now())))) this.host.podChanged(h);
      });
    }

    // Exits reported as they happen, except the last batch: that one is the terminal status.
    const byTime = new Map<number, PlannedExit[]>();
    for (const e of plan.exits) byTime.set(e.at, [...(byTime.get(e.at) ?? []), e]);
    const writeExits = (exits: readonly PlannedExit[], corrected: boolean) => (p: Pod) => {
      for (const e of exits) setTerminated(p, e.name, e.exitCode, corrected ? e.reason : e.firstReason, rfc3339(e.at));
    };
    for (const [at, exits] of byTime) {
      const last = at === plan.lastExitAt;
      const ooms = exits.filter((e) => e.reason !== e.firstReason);
      if (!last || ooms.length > 0) {
        clock.at(at + STATUS_DELAY_MS, () => {
          if (this.mutate(h, writeExits(exits, false))) this.host.podChanged(h);
        });
      }
      if (!last && ooms.length > 0) clock.at(at + STATUS_DELAY_MS + OOM_CORRECTION_MS, () => void this.mutate(h, writeExits(ooms, true)));
    }
    const terminalAt = plan.lastExitAt + (plan.exits.some((e) => e.reason !== e.firstReason && e.at === plan.lastExitAt) ? STATUS_DELAY_MS + OOM_CORRECTION_MS : TERMINAL_DELAY_MS);
    clock.at(terminalAt, () => {
      const done = this.mutate(h, (p) => {
        writeExits(plan.exits, true)(p);
        setTerminal(p, rfc3339(clock.now()));
      });
      if (!done) return;
      this.host.podChanged(h);
      clock.at(clock.now() + FINAL_DELETE_DELAY_MS, () => this.finalDelete(h, requestAt));
    });
    return plan;
  }

  /** status_manager canBeDeleted → Delete(grace 0): the timestamps are rewritten, then removed. */
  private finalDelete(h: PodHandle, requestAt: number): void {
    const { store, clock } = this.host;
    const updated = this.mutate(h, (p) => {
      p.metadata.deletionTimestamp = rfc3339(requestAt);
      p.metadata.deletionGracePeriodSeconds = 0;
    });
    if (!updated) return;
    store.remove("pods", h.namespace, h.name);
    h.gone = true;
    this.host.podChanged(h);
    this.host.terminationEnded(h, clock.now());
  }

  /** Node-pressure eviction (hard threshold: grace override 1 s, then the 2 s minimum). */
  evictForPressure(h: PodHandle, resource: string, rngAvailable: number): void {
    const { clock } = this.host;
    const t = clock.now();
    const threshold = resource === "memory" ? "100Mi" : "10Gi";
    const available = resource === "memory" ? `${rngAvailable}Mi` : `${rngAvailable}Mi`;
    const message = `The node was low on resource: ${resource}. Threshold quantity: ${threshold}, available: ${available}. `;
    clock.at(t + 200, () => {
      const pod = this.pod(h);
      if (pod) this.host.events.record(pod, "Warning", "Evicted", message, { component: "kubelet", host: h.node });
    });
    clock.at(t + PRESSURE_KILLING_DELAY_MS, () => this.killingEvents(h));
    clock.at(t + 3400, () => {
      // DisruptionTarget reaches the API only together with the terminal phase (mergePodStatus).
      if (!this.mutate(h, (p) => setEvicted(p, rfc3339(clock.now()), message))) return;
      this.host.podChanged(h);
      this.host.terminationEnded(h, clock.now());
    });
  }
}

export function intendedOutcome(plan: TerminationPlan): ReturnType<typeof podOutcome> {
  return podOutcome(plan.exits.filter((e) => e.sidecar === null).map((e) => e.outcome));
}
