// Recommendation rules. Each looks at a workload's newest terminations and, when its evidence is
// there, says what to change, with the numbers and example pods behind it. Pure: records in,
// recommendations out (table-tested in test/recommend).
import type { ContainerExit, ContainerSpec, TerminationRecord } from "../tracker/record.ts";
import { ceilSeconds, percentileCont, round2 } from "./stats.ts";
import type { EvidenceFact, ExamplePod, Recommendation, Severity } from "./types.ts";

export interface RecommendInput {
  /** The workload's newest terminations, newest first. */
  records: readonly TerminationRecord[];
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const NGINX_FAMILY = /(^|[/_-])(nginx|openresty|tengine)([:@/_-]|$)/;
/** Extra seconds on top of what was measured: scheduling and probe jitter. */
const MARGIN_MIN_SECONDS = 5;
const MARGIN_SHARE = 0.2;

type Rule = (ctx: Context) => Recommendation | null;

interface Context {
  records: readonly TerminationRecord[];
  newest: TerminationRecord;
  /** The main container of the newest record that has the most spec (the app). */
  app: MainContainer | null;
}

export function recommend(input: RecommendInput): Recommendation[] {
  const newest = input.records[0];
  if (!newest) return [];
  const ctx: Context = { records: input.records, newest, app: mainContainers(newest)[0] ?? null };
  const found: { rec: Recommendation; affected: number }[] = [];
  for (const rule of RULES) {
    const rec = rule(ctx);
    if (rec) found.push({ rec, affected: rec.evidence.facts[0]?.value ?? 0 });
  }
  return found
    .sort((a, b) => SEVERITY_ORDER[a.rec.severity] - SEVERITY_ORDER[b.rec.severity] || b.affected - a.affected)
    .map((f) => f.rec);
}

// ---- helpers --------------------------------------------------------------------------------

/** A main container's exit with what its spec said (the record keeps the two apart: containerSpecs). */
type MainContainer = ContainerExit & Omit<ContainerSpec, "name">;
const NO_SPEC = { image: null, command: null, args: null, stopSignal: null };
const mainContainers = (r: TerminationRecord): MainContainer[] =>
  r.containers
    .filter((c) => !c.sidecar)
    .map((c) => {
      const spec = r.containerSpecs.find((x) => x.name === c.name);
      return { ...c, ...NO_SPEC, ...(spec ? { image: spec.image, command: spec.command, args: spec.args, stopSignal: spec.stopSignal } : {}) };
    });
const ms = (t: string | null) => (t === null ? null : Date.parse(t));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function examples(records: readonly TerminationRecord[]): ExamplePod[] {
  return records.slice(0, 3).map((r) => ({ cluster: r.cluster, podUid: r.podUid, pod: r.pod }));
}

const count = (label: string, value: number): EvidenceFact => ({ label, value, unit: "count" });
const secs = (label: string, value: number): EvidenceFact => ({ label, value: round2(value), unit: "seconds" });

/** Exits the container made itself (not an unknown status). */
const hasExit = (r: TerminationRecord) => r.outcome !== "unknown";

/** `sh -c "<script>"` as PID 1: the script, or null when the container does not start a shell. */
export function shellScript(c: Pick<MainContainer, "command" | "args">): string | null {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const [bin, flag, script] = argv;
  if (bin === undefined || !SHELLS.has(bin.slice(bin.lastIndexOf("/") + 1))) return null;
  if (flag !== "-c" || script === undefined) return null;
  return script;
}

/** A shell script that runs its last command without `exec`: the shell stays PID 1. */
function shellWithoutExec(c: MainContainer | null): string | null {
  if (!c) return null;
  const script = shellScript(c);
  if (script === null) return null;
  const last = script.split(/[;\n]|&&/).map((s) => s.trim()).filter(Boolean).pop() ?? "";
  return /^exec\s/.test(last) ? null : script;
}

/** The container's command/args with `exec` before the shell script, as YAML flow lists. */
function execSnippet(app: MainContainer, script: string): string {
  const flow = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(", ")}]`;
  const withExec = (s: string) => (s === script ? `exec ${script.trim()}` : s);
  const command = app.command ?? [];
  const lines = [`containers:`, `- name: ${app.name}`];
  if (command.includes(script)) lines.push(`  command: ${flow(command.map(withExec))}`);
  else lines.push(`  args: ${flow((app.args ?? []).map(withExec))}`);
  return lines.join("\n");
}

// ---- rules ----------------------------------------------------------------------------------

/** Every exit is a SIGKILL at the deadline: SIGTERM does not reach the app, or it ignores it. */
/** Every exit a SIGKILL, with 3 or more of them or a shell as PID 1 to explain it. */
function allKilled({ records, app }: Context): { exits: TerminationRecord[]; killed: TerminationRecord[]; script: string | null } | null {
  const exits = records.filter(hasExit);
  const killed = exits.filter((r) => r.outcome === "sigkill");
  const script = shellWithoutExec(app);
  if (killed.length === 0 || killed.length < exits.length) return null;
  if (killed.length < 3 && script === null) return null; // too few to tell from a short grace period
  return { exits, killed, script };
}

const sigtermIgnored: Rule = (ctx) => {
  const all = allKilled(ctx);
  if (!all) return null;
  const { exits, killed, script } = all;
  const { app } = ctx;
  const facts = [count("SIGKILLed at the deadline", killed.length), count("terminations with an exit", exits.length)];
  if (script !== null && app) {
    return {
      id: "sigterm-ignored",
      severity: "critical",
      title: `Every exit is a SIGKILL: PID 1 of ${app.name} is a shell that does not forward SIGTERM`,
      evidence: {
        text:
          `All ${plural(exits.length, "termination")} ended in SIGKILL at the deadline. The container runs ` +
          `\`${[...(app.command ?? []), ...(app.args ?? [])].join(" ")}\`: the shell is PID 1, receives SIGTERM and does not pass it on.`,
        facts,
        examples: examples(killed),
      },
      change: {
        description: `Start the app with \`exec\` so it replaces the shell as PID 1 and receives SIGTERM.`,
        target: "pod-spec",
        snippet: execSnippet(app, script),
      },
    };
  }
  return {
    id: "sigterm-ignored",
    severity: "critical",
    title: "Every exit is a SIGKILL at the deadline: the app does not stop on SIGTERM",
    evidence: {
      text: `All ${plural(exits.length, "termination")} ended in SIGKILL at the deadline, however long the drain.`,
      facts,
      examples: examples(killed),
    },
    change: {
      description:
        "Make the app's main process PID 1 (exec form, no wrapper shell) or run it under an init that forwards signals, and exit on SIGTERM once in-flight requests are done.",
      target: "container-image",
      snippet: `ENTRYPOINT ["/sbin/tini", "--"]\nCMD ["/app/server"]`,
    },
  };
};

/** SIGKILLs at the deadline, or drains that come within the margin of it: raise the grace period. */
const graceTooShort: Rule = (ctx) => {
  const { records, newest } = ctx;
  const grace = newest.gracePeriodSeconds;
  if (grace === null || grace <= 0 || allKilled(ctx)) return null; // all killed: sigterm-ignored says why
  const withGrace = records.filter((r) => r.gracePeriodSeconds !== null && hasExit(r));
  const killed = withGrace.filter((r) => r.outcome === "sigkill");
  const finished = withGrace.filter((r) => r.outcome !== "sigkill" && r.drainSeconds !== null).map((r) => r.drainSeconds ?? 0);
  const p99 = percentileCont(finished, 0.99);
  const margin = Math.max(MARGIN_MIN_SECONDS, (p99 ?? 0) * MARGIN_SHARE);
  if (killed.length === 0 && (p99 === null || p99 + margin <= grace)) return null;
  // The killed pods needed more than the grace period: at least the grace plus the margin.
  const wanted = Math.max((p99 ?? 0) + margin, killed.length > 0 ? grace + margin : 0, p99 === null ? grace * 2 : 0);
  const proposed = Math.ceil(wanted / 5) * 5;
  const facts: EvidenceFact[] = [
    count("SIGKILLed at the deadline", killed.length),
    count("terminations with a grace period", withGrace.length),
    secs("grace period", grace),
  ];
  if (p99 !== null) facts.push(secs("p99 drain of pods that exited on their own", p99));
  const text =
    killed.length > 0
      ? `${plural(killed.length, "termination")} of ${withGrace.length} were SIGKILLed at the ${grace} s deadline` +
        (p99 === null ? "; none exited on its own." : `; pods that exited on their own took up to ${round2(p99)} s (p99).`)
      : `No SIGKILL yet, but the p99 drain of ${round2(p99 ?? 0)} s is within ${round2(margin)} s of the ${grace} s deadline.`;
  return {
    id: "grace-too-short",
    severity: killed.length > 0 ? "critical" : "warning",
    title: `Raise terminationGracePeriodSeconds from ${grace} to ${proposed}`,
    evidence: { text, facts, examples: examples(killed.length > 0 ? killed : withGrace) },
    change: {
      description: `Give pods ${proposed} s to drain: the p99 drain plus a margin of max(${MARGIN_MIN_SECONDS} s, ${MARGIN_SHARE * 100}%).`,
      target: "pod-spec",
      snippet: `terminationGracePeriodSeconds: ${proposed}`,
    },
  };
};

/** Endpoints keep routing to the pod after it starts stopping: a preStop sleep bridges the lag. */
const preStopSleep: Rule = ({ records, newest, app }) => {
  const lags = records.filter((r) => r.endpointLagSeconds !== null);
  if (lags.length === 0 || !app) return null;
  const values = lags.map((r) => r.endpointLagSeconds ?? 0);
  const p99 = percentileCont(values, 0.99) ?? 0;
  const sleep = newest.preStopSleepSeconds;
  const errors = records.reduce((n, r) => n + (r.traffic ? Math.max(0, r.traffic.errors5xx - r.traffic.baselineErrors5xx) : 0), 0);
  const noTraffic = records.every((r) => r.traffic === null);
  const proposed = Math.max(ceilSeconds(p99 + Math.max(1, p99 * MARGIN_SHARE)), 1);
  const snippet = `containers:\n- name: ${app.name}\n  lifecycle:\n    preStop:\n      sleep:\n        seconds: ${proposed}`;
  const facts: EvidenceFact[] = [count("terminations with an endpoint lag", lags.length), secs("p99 endpoint lag", p99)];
  const late = lags.filter((r) => (r.endpointLagSeconds ?? 0) > (sleep ?? 0));
  if (sleep !== null) {
    if (late.length === 0) return null;
    facts.push(secs("preStop sleep", sleep));
    return {
      id: "prestop-sleep",
      severity: "warning",
      title: `Lengthen the preStop sleep from ${sleep} s to ${proposed} s`,
      evidence: {
        text: `${plural(late.length, "termination")} of ${lags.length} left the endpoints later than the ${sleep} s preStop sleep (p99 lag ${round2(p99)} s): the app stopped while traffic still arrived.`,
        facts,
        examples: examples(late),
      },
      change: { description: `Sleep ${proposed} s before SIGTERM; keep terminationGracePeriodSeconds above the sleep plus the drain.`, target: "pod-spec", snippet },
    };
  }
  if (newest.preStop.defined || p99 <= 0 || (errors === 0 && !noTraffic)) return null;
  facts.push(count("5xx above baseline during terminations", errors));
  return {
    id: "prestop-sleep",
    severity: errors > 0 ? "warning" : "info",
    title: `Add a preStop sleep of ${proposed} s`,
    evidence: {
      text:
        `Endpoints were updated up to ${round2(p99)} s (p99) after the delete request, and ${app.name} has no preStop hook: ` +
        (errors > 0
          ? `${plural(errors, "5xx response")} above baseline during termination windows.`
          : "without metrics, connections refused in that window cannot be ruled out."),
      facts,
      examples: examples(lags),
    },
    change: {
      description: `Sleep ${proposed} s before SIGTERM so load balancers stop sending first (the sleep action needs Kubernetes 1.30+; older: exec ["sleep", "${proposed}"]).`,
      target: "pod-spec",
      snippet,
    },
  };
};

/** nginx stops at once on SIGTERM (fast shutdown) and drops what endpoints still send. */
const nginxStopSignal: Rule = ({ records }) => {
  const fast = records.filter((r) =>
    mainContainers(r).some((c) => {
      if (c.image === null || !NGINX_FAMILY.test(c.image.toLowerCase()) || c.stopSignal === "SIGQUIT") return false;
      const killing = ms(r.killingAt);
      const finished = ms(c.finishedAt);
      if (killing === null || finished === null || c.outcome === "sigkill") return false;
      const unready = ms(r.endpointsUnreadyAt);
      // finishedAt has seconds precision: within a second of SIGTERM, while endpoints still routed to it.
      return finished - killing <= 1000 && (unready === null || unready >= finished);
    }),
  );
  if (fast.length === 0) return null;
  const image = mainContainers(fast[0] as TerminationRecord).find((c) => c.image !== null && NGINX_FAMILY.test(c.image.toLowerCase()));
  return {
    id: "nginx-stop-signal",
    severity: "warning",
    title: `${image?.image ?? "nginx"} exits within a second of SIGTERM while endpoints still route to it`,
    evidence: {
      text: `${plural(fast.length, "termination")} of ${records.length}: nginx treats SIGTERM as a fast shutdown and closes open connections; SIGQUIT is its graceful stop.`,
      facts: [count("fast exits while still routed", fast.length), count("terminations", records.length)],
      examples: examples(fast),
    },
    change: {
      description: `Stop ${image?.name ?? "the container"} with SIGQUIT: STOPSIGNAL in the image, or lifecycle.stopSignal: SIGQUIT (Kubernetes 1.33+, ContainerStopSignals); add a preStop sleep for the endpoint lag.`,
      target: "container-image",
      snippet: "STOPSIGNAL SIGQUIT",
    },
  };
};

/** A sidecar (mesh proxy) exited before the app: the app's last requests had no proxy. */
const sidecarFirst: Rule = ({ records, newest }) => {
  const first = records.filter((r) => r.sidecarExitedFirst);
  if (first.length === 0) return null;
  const sidecar = newest.containers.find((c) => c.sidecar) ?? first[0]?.containers.find((c) => c.sidecar);
  const name = sidecar?.name ?? "sidecar";
  const mesh = name === "istio-proxy" || name === "envoy" || name === "linkerd-proxy";
  return {
    id: "sidecar-exited-first",
    severity: "warning",
    title: `${name} exited before the app in ${plural(first.length, "termination")}`,
    evidence: {
      text: `${plural(first.length, "termination")} of ${records.length}: the sidecar finished before the main container, so requests during the app's drain went nowhere.`,
      facts: [count("sidecar exited first", first.length), count("terminations", records.length)],
      examples: examples(first),
    },
    change: mesh
      ? {
          description:
            name === "linkerd-proxy"
              ? "Run linkerd-proxy as a native sidecar (config.alpha.linkerd.io/proxy-enable-native-sidecar: \"true\") so it stops after the app."
              : "Run the proxy as a native sidecar (Istio: ENABLE_NATIVE_SIDECARS=true on istiod, Kubernetes 1.29+), or keep it up while connections remain.",
          target: "mesh",
          snippet:
            name === "linkerd-proxy"
              ? `metadata:\n  annotations:\n    config.alpha.linkerd.io/proxy-enable-native-sidecar: "true"`
              : `metadata:\n  annotations:\n    proxy.istio.io/config: |\n      proxyMetadata:\n        EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true"`,
        }
      : {
          description: `Make ${name} a native sidecar (an init container with restartPolicy: Always, Kubernetes 1.29+): it is stopped after the main containers.`,
          target: "pod-spec",
          snippet: `initContainers:\n- name: ${name}\n  restartPolicy: Always`,
        },
  };
};

/** OOMKilled while draining: shutdown work needs memory the limit does not allow. */
const oomWhileDraining: Rule = ({ records, app }) => {
  const oom = records.filter((r) => r.outcome === "oom");
  if (oom.length === 0) return null;
  const names = [...new Set(oom.flatMap((r) => mainContainers(r).filter((c) => c.outcome === "oom").map((c) => c.name)))];
  const name = names[0] ?? app?.name ?? "app";
  return {
    id: "oom-while-draining",
    severity: "warning",
    title: `${name} was OOMKilled while shutting down in ${plural(oom.length, "termination")}`,
    evidence: {
      text: `${plural(oom.length, "termination")} of ${records.length} ended with OOMKilled: flushing, draining queues or closing connections pushed memory past the limit.`,
      facts: [count("OOMKilled while draining", oom.length), count("terminations", records.length)],
      examples: examples(oom),
    },
    change: {
      description: `Raise ${name}'s memory limit above its shutdown peak, or bound the work done on SIGTERM.`,
      target: "pod-spec",
      snippet: `containers:\n- name: ${name}\n  resources:\n    limits:\n      memory: <shutdown peak + 25%>`,
    },
  };
};

/** The preStop hook failed (FailedPreStopHook): whatever it should have done did not happen. */
const preStopFailed: Rule = ({ records, app }) => {
  const failed = records.filter((r) => r.preStop.failed);
  if (failed.length === 0) return null;
  const message = failed[0]?.events.find((e) => e.reason === "FailedPreStopHook")?.message ?? null;
  const sleep = failed.map((r) => r.preStopSleepSeconds).find((s) => s !== null) ?? null;
  const name = app?.name ?? "app";
  return {
    id: "prestop-failed",
    severity: "warning",
    title: `The preStop hook failed in ${plural(failed.length, "termination")}`,
    evidence: {
      text: `${plural(failed.length, "termination")} of ${records.length} had a FailedPreStopHook event` + (message ? `: "${message}".` : "."),
      facts: [count("preStop failed", failed.length), count("terminations", records.length)],
      examples: examples(failed),
    },
    change:
      sleep !== null
        ? {
            description: `The hook is a plain sleep: use the sleep action (Kubernetes 1.30+), which needs no \`sleep\` binary in the image.`,
            target: "pod-spec",
            snippet: `containers:\n- name: ${name}\n  lifecycle:\n    preStop:\n      sleep:\n        seconds: ${sleep}`,
          }
        : {
            description: "Fix the hook so it succeeds (run its command in the container to see why it fails), or replace it with a sleep action.",
            target: "pod-spec",
            snippet: `containers:\n- name: ${name}\n  lifecycle:\n    preStop:\n      sleep:\n        seconds: 5`,
          },
  };
};

/** Exit 143: the process died of SIGTERM (or returned it) instead of draining and exiting 0. */
const exit143: Rule = ({ records }) => {
  const sigterm = records.filter((r) => r.outcome === "sigterm");
  if (sigterm.length === 0) return null;
  const name = sigterm.flatMap((r) => mainContainers(r).filter((c) => c.exitCode === 143).map((c) => c.name))[0] ?? "app";
  return {
    id: "exit-143",
    severity: "info",
    title: `${name} exits 143 on SIGTERM instead of 0`,
    evidence: {
      text: `${plural(sigterm.length, "termination")} of ${records.length} ended with exit code 143: the default SIGTERM action killed the process, so in-flight work was not finished.`,
      facts: [count("exit 143", sigterm.length), count("terminations", records.length)],
      examples: examples(sigterm),
    },
    change: {
      description: "Handle SIGTERM: stop accepting, finish in-flight requests, then exit 0.",
      target: "application",
      snippet: `process.on("SIGTERM", () => server.close(() => process.exit(0)));`,
    },
  };
};

const RULES: readonly Rule[] = [sigtermIgnored, graceTooShort, preStopSleep, nginxStopSignal, sidecarFirst, oomWhileDraining, preStopFailed, exit143];
