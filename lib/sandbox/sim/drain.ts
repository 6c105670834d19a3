// `kubectl drain NODE` as a scenario action: cordon the node (spec.unschedulable and the
// node.kubernetes.io/unschedulable taint), then evict every pod on it through the eviction API,
// each retried every 5 s while a PodDisruptionBudget refuses it (kubectl's "error when evicting
// pods/... (will retry after 5s)"), and wait until the evicted pods are gone. DaemonSet pods are
// never evicted: with --ignore-daemonsets they are skipped (their controller tolerates the
// cordon), without it kubectl refuses the node after cordoning it. Finished pods are evicted too,
// as kubectl does: the API removes them with grace 0, which is no termination.
import { log } from "../../log.ts";
import type { DrainTruth, GroundTruthBook } from "../ground-truth.ts";
import type { Action } from "../scenario.ts";
import { labelMatcher } from "../selectors.ts";
import { rfc3339, rfc3339Milli } from "../time.ts";
import type { KObject, Pod } from "../types.ts";
import type { Sim } from "./context.ts";
import type { EvictionVerdict } from "./controllers/disruption.ts";
import { isTerminalPod } from "./pods.ts";

export type DrainAction = Extract<Action, { action: "drain" }>;

/** kubectl drain's fixed pause after a refused eviction. */
export const EVICTION_RETRY_S = 5;
/** How often the drain checks that evicted pods are gone (kubectl polls the pods). */
const WAIT_POLL_S = 1;

export interface DrainHost {
  /** The eviction API; undefined when there is no such pod. */
  evict(namespace: string, name: string, gracePeriodSeconds: number | undefined): EvictionVerdict | undefined;
}

export class Drainer {
  constructor(
    private readonly sim: Sim,
    private readonly truth: GroundTruthBook,
    private readonly host: DrainHost,
  ) {}

  schedulable(node: string): boolean {
    return (this.sim.store.peek("nodes", undefined, node)?.spec as { unschedulable?: boolean } | undefined)?.unschedulable !== true;
  }

  cordon(node: string, unschedulable: boolean): void {
    if (this.schedulable(node) === !unschedulable) return;
    const at = rfc3339(this.sim.clock.now());
    this.sim.store.mutate<KObject>("nodes", undefined, node, (n) => {
      const spec = (n.spec ?? {}) as { unschedulable?: boolean; taints?: { key: string; effect: string; timeAdded?: string }[] };
      const taints = (spec.taints ?? []).filter((t) => t.key !== "node.kubernetes.io/unschedulable");
      if (unschedulable) taints.push({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: at });
      n.spec = { ...spec, ...(unschedulable ? { unschedulable: true } : {}), ...(taints.length > 0 ? { taints } : {}) };
      if (!unschedulable) delete (n.spec as { unschedulable?: boolean }).unschedulable;
      if (taints.length === 0) delete (n.spec as { taints?: unknown }).taints;
    });
  }

  drain(a: DrainAction): void {
    const { store, clock } = this.sim;
    const started = clock.now();
    this.cordon(a.node, true);
    const selected = labelMatcher(a.podSelector ?? null);
    const onNode = (store.list("pods") as Pod[]).filter((p) => p.spec.nodeName === a.node && !p.metadata.deletionTimestamp && selected(p));
    const daemon = onNode.filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.kind === "DaemonSet"));
    const targets = onNode.filter((p) => !daemon.includes(p));
    const d: DrainTruth = {
      node: a.node,
      startedAt: rfc3339Milli(started),
      endedAt: null,
      pods: targets.map((p) => ({ namespace: p.metadata.namespace!, pod: p.metadata.name, podUid: p.metadata.uid, finished: isTerminalPod(p), evictedAt: null })),
      refusals: [],
      failed: null,
    };
    this.truth.addDrain(d);
    if (daemon.length > 0 && !a.ignoreDaemonSets) {
      d.failed = `cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemon.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(", ")}`;
      d.pods = [];
      log.warn({ node: a.node }, `sandbox drain: ${d.failed}`);
      return;
    }
    const deadline = started + a.timeoutSeconds * 1000;
    const present = (uid: string, ns: string, name: string) => store.peek<Pod>("pods", ns, name)?.metadata.uid === uid;
    for (const entry of d.pods) {
      const attempt = (): void => {
        if (!present(entry.podUid, entry.namespace, entry.pod) || clock.now() > deadline) return;
        const verdict = this.host.evict(entry.namespace, entry.pod, a.gracePeriodSeconds);
        if (!verdict) return;
        if (verdict.allowed) {
          entry.evictedAt = rfc3339Milli(clock.now());
          return;
        }
        d.refusals.push({ namespace: entry.namespace, pod: entry.pod, podUid: entry.podUid, at: rfc3339Milli(clock.now()), message: verdict.message });
        clock.after(EVICTION_RETRY_S, attempt);
      };
      attempt();
    }
    const wait = (): void => {
      if (d.pods.every((p) => !present(p.podUid, p.namespace, p.pod))) {
        d.endedAt = rfc3339Milli(clock.now());
        return;
      }
      if (clock.now() <= deadline) clock.after(WAIT_POLL_S, wait);
    };
    wait();
  }
}
