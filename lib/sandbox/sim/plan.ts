// The kubelet's termination timeline for one pod, computed up front from the container
// behaviours (pure; reference section 1.3): Killing and preStop at T0, SIGTERM after preStop,
// SIGKILL at T0 + P + max(G − ⌊P⌋, 2) (or G + 2 when preStop overran the grace), native
// sidecars stopped in reverse order after the main containers.
import type { Outcome } from "../../tracker/record.ts";
import type { Behaviour } from "../scenario.ts";

export interface ContainerProfile {
  name: string;
  /** null: a main container; classic: a proxy in spec.containers; native: restartable init container */
  sidecar: null | "classic" | "native";
  behaviour: Behaviour;
  drainSeconds: number;
  exitCode: number;
  preStop: { action: "exec" | "httpGet" | "sleep"; seconds: number; fail: boolean } | null;
}

export interface PlannedExit {
  name: string;
  sidecar: ContainerProfile["sidecar"];
  /** virtual epoch ms */
  at: number;
  /** when the container gets SIGTERM (virtual epoch ms; it may ignore it) */
  sigtermAt: number;
  exitCode: number;
  reason: "Completed" | "Error" | "OOMKilled";
  /** OOM: the runtime first reports Error, then corrects it (containerd race, reference 2.3) */
  firstReason: "Completed" | "Error";
  killed: boolean;
  outcome: Outcome;
}

export interface TerminationPlan {
  preStopFailures: { name: string; at: number }[];
  exits: PlannedExit[];
  /** when every container has exited */
  lastExitAt: number;
}

const MIN_GRACE = 2;

function exitOutcome(e: Pick<PlannedExit, "exitCode" | "reason" | "killed">): Outcome {
  if (e.reason === "OOMKilled") return "oom";
  if (e.exitCode === 0) return "clean";
  if (e.killed) return "sigkill";
  if (e.exitCode === 143) return "sigterm";
  return "error";
}

/**
 * @param t0 when the kubelet starts killing (ms)
 * @param graceSeconds effective grace G (≥ 1)
 * @param deadline deletionTimestamp (ms): request time + G
 */
export function planTermination(containers: readonly ContainerProfile[], t0: number, graceSeconds: number, deadline: number): TerminationPlan {
  const G = Math.max(1, graceSeconds);
  const preStopFailures: TerminationPlan["preStopFailures"] = [];
  const exits: PlannedExit[] = [];

  const hook = (c: ContainerProfile) => {
    const P = c.preStop?.seconds ?? 0;
    if (c.preStop?.fail && P <= G) preStopFailures.push({ name: c.name, at: t0 + P * 1000 });
    return P;
  };

  for (const c of containers) {
    if (c.sidecar === "native") continue;
    const P = hook(c);
    const sigterm = t0 + Math.min(P, G) * 1000;
    const killAt = P >= G ? t0 + (G + MIN_GRACE) * 1000 : t0 + (P + Math.max(G - Math.floor(P), MIN_GRACE)) * 1000;
    let at: number;
    let exitCode: number;
    let reason: PlannedExit["reason"];
    let killed = false;
    if (c.sidecar === "classic") {
      // pilot-agent drains for a fixed time from termination start, in parallel with the app.
      at = t0 + (c.drainSeconds + P) * 1000;
      exitCode = 0;
      reason = "Completed";
    } else {
      at = sigterm + c.drainSeconds * 1000;
      switch (c.behaviour) {
        case "clean":
        case "slow":
          exitCode = 0;
          reason = "Completed";
          break;
        case "exit-143":
          exitCode = 143;
          reason = "Error";
          break;
        case "error":
          exitCode = c.exitCode;
          reason = "Error";
          break;
        case "oom-during-drain":
          exitCode = 137;
          reason = "OOMKilled";
          break;
        case "ignore-sigterm":
          // A PID 1 without a handler ignores SIGTERM: it is SIGKILLed after the deadline.
          at = Math.max(killAt, deadline + MIN_GRACE * 1000);
          exitCode = 137;
          reason = "Error";
          killed = true;
          break;
      }
    }
    if (!killed && at > killAt) {
      at = killAt;
      exitCode = 137;
      reason = "Error";
      killed = true;
    }
    const firstReason = reason === "OOMKilled" ? "Error" : reason;
    exits.push({ name: c.name, sidecar: c.sidecar, at, sigtermAt: sigterm, exitCode, reason, firstReason, killed, outcome: exitOutcome({ exitCode, reason, killed }) });
  }

  // Native sidecars: preStop at T0 (in parallel), SIGTERM once every main container and every
  // later-declared sidecar has exited, in reverse declaration order; when the grace is used up,
  // the rest get the 2 s minimum.
  const natives = containers.filter((c) => c.sidecar === "native");
  let turn = exits.reduce((m, e) => Math.max(m, e.at), t0);
  for (const c of [...natives].reverse()) {
    const P = hook(c);
    const start = Math.max(turn, t0 + Math.min(P, G) * 1000);
    const graceEnd = t0 + G * 1000;
    const killAt = Math.max(graceEnd, start + MIN_GRACE * 1000);
    let at = start + c.drainSeconds * 1000;
    let killed = false;
    if (at > killAt) {
      at = killAt;
      killed = true;
    }
    const exitCode = killed ? 137 : 0;
    const reason = killed ? "Error" : "Completed";
    exits.push({ name: c.name, sidecar: "native", at, sigtermAt: start, exitCode, reason, firstReason: reason, killed, outcome: exitOutcome({ exitCode, reason, killed }) });
    turn = at;
  }

  return { preStopFailures, exits, lastExitAt: exits.reduce((m, e) => Math.max(m, e.at), t0) };
}

/** Worst first, as drainwatch ranks a pod's main containers. */
const SEVERITY: readonly Outcome[] = ["sigkill", "oom", "error", "sigterm", "unknown", "clean"];

export function podOutcome(mainOutcomes: readonly Outcome[]): Outcome {
  for (const o of SEVERITY) if (mainOutcomes.includes(o)) return o;
  return "unknown";
}
