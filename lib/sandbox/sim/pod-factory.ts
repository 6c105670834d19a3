// Creates a ReplicaSet's pods: the object from the template, placed round robin on the nodes,
// registered with the simulator, and started after the scenario's podStartSeconds (pods that
// exist at start are created running, "a day ago").
import { rfc3339 } from "../time.ts";
import type { Pod, ReplicaSet } from "../types.ts";
import { DAY_MS, type Sim } from "./context.ts";
import type { PodRegistry } from "./pod-registry.ts";
import { isTerminalPod, setPending, setRunning } from "./pods.ts";
import { profilesOf, type PodRuntime, type WorkloadState } from "./workload.ts";

export interface PodFactoryHost {
  nodes: readonly string[];
  nodeIP(node: string): string | undefined;
  /** The started pod changed (Running and ready). */
  podChanged(rt: PodRuntime): void;
}

export class PodFactory {
  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
    private readonly host: PodFactoryHost,
  ) {}

  create(w: WorkloadState, rs: ReplicaSet, initial: boolean): Pod {
    const { store, rng, clock } = this.sim;
    const c = w.config;
    const nodes = this.host.nodes;
    const node = nodes[w.nextNode++ % nodes.length]!;
    let name = `${rs.metadata.name}-${rng.suffix(5)}`;
    while (store.peek("pods", c.namespace, name)) name = `${rs.metadata.name}-${rng.suffix(5)}`;
    const uid = rng.uid();
    const ids = new Map<string, string>();
    const containerId = (n: string) => {
      if (!ids.has(n)) ids.set(n, `containerd://${rng.hex(64)}`);
      return ids.get(n)!;
    };
    const tpl = rs.spec.template;
    const createdMs = initial ? this.sim.startedAt - DAY_MS : clock.now();
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${rs.metadata.name}-`,
        namespace: c.namespace,
        uid,
        creationTimestamp: rfc3339(createdMs),
        labels: { ...tpl.metadata.labels },
        ...(tpl.metadata.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
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
    const rt: PodRuntime = { uid, namespace: c.namespace, name, node, profiles: profilesOf(w), gone: false, workload: w, rsUid: rs.metadata.uid };
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
