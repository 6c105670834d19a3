// What the live source watches, and the pure helpers that turn list items into the objects the
// watch would have sent (list items lack apiVersion/kind; the tracker dispatches on `kind`).

export interface WatchedResource {
  /** Plural resource name, also the metrics label: "pods", "endpointslices", … */
  resource: string;
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
}

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { resource: "pods", group: "", version: "v1", kind: "Pod" },
  { resource: "events", group: "", version: "v1", kind: "Event" },
  { resource: "endpointslices", group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" },
  { resource: "replicasets", group: "apps", version: "v1", kind: "ReplicaSet" },
  { resource: "deployments", group: "apps", version: "v1", kind: "Deployment" },
  { resource: "statefulsets", group: "apps", version: "v1", kind: "StatefulSet" },
  { resource: "daemonsets", group: "apps", version: "v1", kind: "DaemonSet" },
  { resource: "jobs", group: "batch", version: "v1", kind: "Job" },
];

export function apiVersionOf(r: WatchedResource): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** The collection path: all namespaces when `namespace` is null. */
export function collectionPath(r: WatchedResource, namespace: string | null): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return namespace === null ? `${base}/${r.resource}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The object with apiVersion and kind set (list items lack them). Returns the same object when it
 * already has both, else a shallow copy with the type fields first, as the API orders them.
 */
export function withTypeMeta<T>(obj: T, apiVersion: string, kind: string): T {
  if (!isRecord(obj)) return obj;
  if (typeof obj.apiVersion === "string" && typeof obj.kind === "string") return obj;
  return { apiVersion, kind, ...obj } as T;
}
