// The EndpointSlice controller: one slice per workload, synced a lag after pod changes (batched:
// one sync per lag window), with the endpoint conditions of ShouldPodBeInEndpoints.
import { rfc3339, rfc3339Milli } from "../../time.ts";
import type { Endpoint, EndpointSlice } from "../../types.ts";
import type { Sim } from "../context.ts";
import type { PodRegistry } from "../pod-registry.ts";
import { isPodReady } from "../pods.ts";
import type { WorkloadState } from "../workload.ts";

export class EndpointSliceController {
  constructor(
    private readonly sim: Sim,
    private readonly registry: PodRegistry,
  ) {}

  /** The workload's (empty) slice, as if its Service had existed for a day. */
  create(w: WorkloadState, createdMs: number): void {
    const c = w.config;
    this.sim.store.create("endpointslices", {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: w.sliceName,
        namespace: c.namespace,
        uid: this.sim.rng.uid(),
        creationTimestamp: rfc3339(createdMs),
        generateName: `${c.name}-`,
        labels: { "kubernetes.io/service-name": c.name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
      },
      addressType: "IPv4",
      endpoints: [],
      ports: [{ name: "http", port: c.port, protocol: "TCP" }],
    } as EndpointSlice);
  }

  /** A pod of the workload changed: sync after the scenario's endpointLagSeconds. */
  schedule(w: WorkloadState): void {
    if (w.slicePendingSince !== null) return;
    w.slicePendingSince = this.sim.clock.now();
    this.sim.clock.after(this.sim.settings.endpointLagSeconds, () => this.sync(w));
  }

  sync(w: WorkloadState): void {
    const { store } = this.sim;
    const trigger = w.slicePendingSince;
    w.slicePendingSince = null;
    const slice = store.peek<EndpointSlice>("endpointslices", w.config.namespace, w.sliceName);
    if (!slice) return;
    const wanted = new Map<string, Endpoint>();
    for (const p of this.registry.podsOf(w)) {
      // ShouldPodBeInEndpoints(pod, includeTerminating=true): dropped once terminal.
      if (p.status.phase !== "Running" || !p.status.podIP) continue;
      const serving = isPodReady(p);
      const terminating = p.metadata.deletionTimestamp !== undefined;
      wanted.set(p.metadata.uid, {
        addresses: [p.status.podIP],
        conditions: { ready: serving && !terminating, serving, terminating },
        nodeName: p.spec.nodeName,
        targetRef: { kind: "Pod", name: p.metadata.name, namespace: w.config.namespace, uid: p.metadata.uid },
      });
    }
    const next: Endpoint[] = [];
    for (const ep of slice.endpoints) {
      const e = wanted.get(ep.targetRef.uid);
      if (e) next.push(e);
      wanted.delete(ep.targetRef.uid);
    }
    next.push(...wanted.values());
    if (JSON.stringify(next) === JSON.stringify(slice.endpoints)) return;
    store.mutate<EndpointSlice>("endpointslices", w.config.namespace, w.sliceName, (s) => {
      s.endpoints = next;
      if (trigger !== null) s.metadata.annotations = { ...s.metadata.annotations, "endpoints.kubernetes.io/last-change-trigger-time": rfc3339Milli(trigger) };
    });
  }
}
