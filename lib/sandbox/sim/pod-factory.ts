// Creates a ReplicaSet's pods: the object from the template, placed round robin on the nodes,
// registered with the simulator, and started after the scenario's podStartSeconds (pods that
// exist at start are created running, "a day ago").
import { rfc3339 } from "../time.ts";
import type { OwnerReference, Pod, PodTemplate, ReplicaSet } from "../types.ts";
import { DAY_MS, type Sim } from "./context.ts";
import type { PodRegistry } from "./pod-registry.ts";
import { isTerminalPod, setPending, setRunning } from "./pods.ts";
import { profilesOf, type PodRuntime, type WorkloadState } from "./workload.ts";

export interface PodFactoryHost {
  nodes: readonly string[];
  nodeIP(node: string): string | undefined;
  /** The started pod changed (Running and ready). */
  podChanged(rt: PodRuntime): void;
  /** False for a cordoned node: the scheduler places no new pods there. */
  schedulable?(node: string): boolean;
}

/** Where a pod comes from: its controller, its name and template, and (DaemonSet) its node. */
export interface PodOrigin {
  name: string;
  generateName?: string;
  template: PodTemplate;
  owner: OwnerReference;
  /** a fixed node (DaemonSet pods tolerate cordons); else round robin over schedulable nodes */
  node?: string;
  labels?: Record<string, string>;
  finalizers?: string[];
}

export class PodFactory {
  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly host: PodFactoryHost,
  ) {}

  /** A ReplicaSet's pod: "<rs>-<5 random>". */
  create(w: WorkloadState, rs: ReplicaSet, initial: boolean): Pod {
    const { store, rng } = this.sim;
    let name = `${rs.metadata.name}-${rng.suffix(5)}`;
    while (store.peek("pods", w.config.namespace, name)) name = `${rs.metadata.name}-${rng.suffix(5)}`;
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true };
    return this.createPod(w, { name, generateName: `${rs.metadata.name}-`, template: rs.spec.template, owner }, initial);
  }

  /** A free "<prefix><5 random>" pod name. */
  uniqueName(namespace: string, prefix: string): string {
    let name = `${prefix}${this.sim.rng.suffix(5)}`;
    while (this.sim.store.peek("pods", namespace, name)) name = `${prefix}${this.sim.rng.suffix(5)}`;
    return name;
  }

  private pickNode(w: WorkloadState): string {
    const nodes = w.config.nodes ?? this.host.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[w.nextNode++ % nodes.length]!;
      if (this.host.schedulable?.(n) ?? true) return n;
    }
    // Every node cordoned: a real pod would stay Pending unscheduled; the sandbox places it anyway.
    return nodes[w.nextNode++ % nodes.length]!;
  }

  createPod(w: WorkloadState, origin: PodOrigin, initial: boolean): Pod {
    const { store, rng, clock } = this.sim;
    const c = w.config;
    const node = origin.node ?? this.pickNode(w);
    const name = origin.name;
    const uid = rng.uid();
    const ids = new Map<string, string>();
    const containerId = (n: string) => {
      if (!ids.has(n)) ids.set(n, `containerd://${rng.hex(64)}`);
      return ids.get(n)!;
    };
    const tpl = origin.template;
    const createdMs = initial ? this.sim.startedAt - DAY_MS : clock.now();
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        ...(origin.generateName ? { generateName: origin.generateName } : {}),
        namespace: c.namespace,
        uid,
        creationTimestamp: rfc3339(createdMs),
        labels: { ...tpl.metadata.labels, ...origin.labels },
        ...(tpl.metadata.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
        ownerReferences: [origin.owner],
        ...(origin.finalizers ? { finalizers: [...origin.finalizers] } : {}),
      },
      spec: { ...structuredClone(tpl.spec), nodeName: node },
      status: {
        phase: "Pending",
        hostIP: this.host.nodeIP(node),
        podIP: `10.${1 + rng.int(250)}.${rng.int(256)}.${1 + rng.int(253)}`,
        conditions: [],
        containerStatuses: [],
      },
    };
    const rt: PodRuntime = { uid, namespace: c.namespace, name, node, profiles: profilesOf(w), gone: false, workload: w, rsUid: origin.owner.uid };
    this.registry.add(rt);
    if (initial) {
      setRunning(pod, rfc3339(createdMs), containerId);
      return store.create("pods", pod);
    }
    setPending(pod, rfc3339(createdMs));
    const created = store.create("pods", pod);
    clock.after(this.sim.settings.podStartSeconds, () => {
      if (rt.gone) return;
      const started = store.mutate<Pod>("pods", c.namespace, name, (p) => {
        if (p.metadata.deletionTimestamp || isTerminalPod(p)) return;
        setRunning(p, rfc3339(clock.now()), containerId);
      });
      if (started) this.host.podChanged(rt);
    });
    return created;
  }
}
