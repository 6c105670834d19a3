// The API surface the sandbox serves: which resources exist in which group/version, and the
// discovery documents (`/api`, `/apis`, resource lists) that kubectl and client-node read first.

export interface ResourceDef {
  group: string; // "" for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs: string[];
  /** Key in the object store (events.k8s.io/v1 events are a view of core events). */
  storeKey: string;
  categories?: string[];
}

const READ = ["get", "list", "watch"];
/** Workload kinds the sandbox lets kubectl delete (background propagation). */
const READ_DELETE = ["delete", "get", "list", "watch"];
const RW = ["create", "delete", "get", "list", "patch", "update", "watch"];

export const RESOURCES: readonly ResourceDef[] = [
  { group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"], verbs: ["delete", "get", "list", "watch"], storeKey: "pods", categories: ["all"] },
  { group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"], verbs: READ, storeKey: "events" },
  { group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: ["ns"], verbs: READ, storeKey: "namespaces" },
  { group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false, shortNames: ["no"], verbs: ["get", "list", "patch", "watch"], storeKey: "nodes" },
  { group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: ["deploy"], verbs: READ, storeKey: "deployments", categories: ["all"] },
  { group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"], verbs: READ, storeKey: "replicasets", categories: ["all"] },
  { group: "apps", version: "v1", plural: "statefulsets", singular: "statefulset", kind: "StatefulSet", namespaced: true, shortNames: ["sts"], verbs: READ_DELETE, storeKey: "statefulsets", categories: ["all"] },
  { group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", kind: "DaemonSet", namespaced: true, shortNames: ["ds"], verbs: READ_DELETE, storeKey: "daemonsets", categories: ["all"] },
  { group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", namespaced: true, verbs: READ_DELETE, storeKey: "jobs", categories: ["all"] },
  { group: "batch", version: "v1", plural: "cronjobs", singular: "cronjob", kind: "CronJob", namespaced: true, shortNames: ["cj"], verbs: READ_DELETE, storeKey: "cronjobs", categories: ["all"] },
  { group: "policy", version: "v1", plural: "poddisruptionbudgets", singular: "poddisruptionbudget", kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"], verbs: READ, storeKey: "poddisruptionbudgets" },
  { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", singular: "endpointslice", kind: "EndpointSlice", namespaced: true, verbs: READ, storeKey: "endpointslices" },
  { group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"], verbs: READ, storeKey: "events" },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", kind: "Lease", namespaced: true, verbs: RW, storeKey: "leases" },
];

/** Subresources listed in discovery (kubectl drain looks for pods/eviction). */
const SUBRESOURCES = [
  { groupVersion: "v1", name: "pods/eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
];

export const GROUP_VERSIONS: readonly string[] = ["apps/v1", "batch/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1", "policy/v1"];

export function groupVersionOf(def: ResourceDef): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroupList(): object {
  const groups = GROUP_VERSIONS.map((gv) => {
    const [name, version] = gv.split("/") as [string, string];
    const v = { groupVersion: gv, version };
    return { name, versions: [v], preferredVersion: v };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(name: string): object | undefined {
  const gv = GROUP_VERSIONS.find((g) => g.startsWith(`${name}/`));
  if (!gv) return undefined;
  const v = { groupVersion: gv, version: gv.slice(name.length + 1) };
  return { kind: "APIGroup", apiVersion: "v1", name, versions: [v], preferredVersion: v };
}

export function apiResourceList(groupVersion: string): object | undefined {
  const defs = RESOURCES.filter((r) => groupVersionOf(r) === groupVersion);
  if (defs.length === 0) return undefined;
  const resources: object[] = defs.map((r) => ({
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
  }));
  for (const s of SUBRESOURCES) {
    if (s.groupVersion !== groupVersion) continue;
    resources.push({ name: s.name, singularName: "", namespaced: true, group: s.group, version: s.version, kind: s.kind, verbs: s.verbs });
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

export function versionInfo(): object {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-drainwatch-sandbox",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
