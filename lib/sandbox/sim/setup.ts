// The cluster's fixed objects: namespaces and nodes, as if up for a week.
import { rfc3339 } from "../time.ts";
import type { Sim } from "./context.ts";

/** Namespaces, with the labels the API server adds. */
export function createNamespaces(sim: Sim, names: Iterable<string>, createdMs: number): void {
  const created = rfc3339(createdMs);
  for (const name of names) {
    sim.store.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, uid: sim.rng.uid(), creationTimestamp: created, labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
}

/** Ready nodes with addresses 192.168.0.10 and up; returns each node's InternalIP. */
export function createNodes(sim: Sim, names: readonly string[], createdMs: number): Map<string, string> {
  const created = rfc3339(createdMs);
  const ips = new Map<string, string>();
  names.forEach((name, i) => {
    const ip = `192.168.0.${10 + i}`;
    ips.set(name, ip);
    sim.store.create("nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, uid: sim.rng.uid(), creationTimestamp: created, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
      spec: {},
      status: {
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }],
        addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
        nodeInfo: { kubeletVersion: "v1.32.0", containerRuntimeVersion: "containerd://2.0.0", osImage: "drainwatch sandbox" },
      },
    });
  });
  return ips;
}
