// Server-side printing: kubectl asks for `meta.k8s.io/v1` Table objects and prints their cells.
// Columns follow the API server's printers for the kinds drainwatch cares about; the rest get
// NAME and AGE.
import type { ResourceDef } from "./resources.ts";
import type { ContainerStatus, CoreEvent, EndpointSlice, KObject, Pod } from "../types.ts";
import { humanDuration, parseRfc3339 } from "../time.ts";

interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format?: string;
  description: string;
  priority: number;
}

type Cell = string | number;

export type IncludeObject = "None" | "Metadata" | "Object";

const col = (name: string, type: Column["type"] = "string", priority = 0, format?: string): Column => ({
  name,
  type,
  ...(format ? { format } : {}),
  description: name,
  priority,
});

const NAME = col("Name", "string", 0, "name");
const AGE = col("Age", "string");

function age(obj: KObject, now: number): string {
  const created = parseRfc3339(obj.metadata.creationTimestamp);
  return created === null ? "<unknown>" : humanDuration(now - created);
}

export function podStatusReason(pod: Pod): string {
  let reason: string = pod.status.reason ?? pod.status.phase;
  let running = false;
  for (const cs of [...pod.status.containerStatuses].reverse()) {
    const st = cs.state;
    if (st.waiting?.reason) reason = st.waiting.reason;
    else if (st.terminated) reason = st.terminated.reason || `ExitCode:${st.terminated.exitCode}`;
    else if (st.running && cs.ready) running = true;
  }
  if (reason === "Completed" && running) reason = "Running";
  if (pod.metadata.deletionTimestamp) reason = pod.status.reason === "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

function podCells(pod: Pod, now: number): Cell[] {
  const statuses: ContainerStatus[] = [...pod.status.containerStatuses, ...(pod.status.initContainerStatuses ?? [])];
  const total = pod.spec.containers.length + (pod.spec.initContainers?.filter((c) => c.restartPolicy === "Always").length ?? 0);
  const ready = statuses.filter((s) => s.ready).length;
  const restarts = statuses.reduce((n, s) => n + s.restartCount, 0);
  return [pod.metadata.name, `${ready}/${total}`, podStatusReason(pod), restarts, age(pod, now), pod.status.podIP ?? "<none>", pod.spec.nodeName];
}

function eventCells(e: CoreEvent, now: number): Cell[] {
  const last = parseRfc3339(e.lastTimestamp);
  const first = parseRfc3339(e.firstTimestamp);
  const obj = `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`;
  return [
    last === null ? "<unknown>" : humanDuration(now - last),
    e.type,
    e.reason,
    obj,
    e.message,
    e.involvedObject.fieldPath ?? "",
    `${e.source.component}${e.source.host ? `, ${e.source.host}` : ""}`,
    first === null ? "<unknown>" : humanDuration(now - first),
    e.count,
    e.metadata.name,
  ];
}

function sliceCells(s: EndpointSlice, now: number): Cell[] {
  const addrs = s.endpoints.flatMap((ep) => ep.addresses);
  const shown = addrs.slice(0, 3).join(",");
  const endpoints = addrs.length === 0 ? "<unset>" : addrs.length > 3 ? `${shown} + ${addrs.length - 3} more...` : shown;
  const ports = s.ports.length === 0 ? "<unset>" : s.ports.map((p) => p.port).join(",");
  return [s.metadata.name, s.addressType, ports, endpoints, age(s, now)];
}

interface Counts {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
}

function specReplicas(o: KObject): number {
  return (o.spec as { replicas?: number } | undefined)?.replicas ?? 0;
}

function statusOf(o: KObject): Counts {
  return (o.status as Counts | undefined) ?? {};
}

function containersAndImages(o: KObject): [string, string] {
  const cs = (o.spec as { template?: { spec?: { containers?: { name: string; image: string }[] } } } | undefined)?.template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(","), cs.map((c) => c.image).join(",")];
}

/** kubectl's Job columns: Status from the conditions (Running while active), succeeded/completions. */
function jobCells(o: KObject, now: number): Cell[] {
  const spec = (o.spec ?? {}) as { completions?: number };
  const st = (o.status ?? {}) as { active?: number; succeeded?: number; startTime?: string; completionTime?: string; conditions?: { type: string; status: string }[] };
  const has = (t: string) => st.conditions?.some((c) => c.type === t && c.status === "True") ?? false;
  const status = has("Complete") ? "Complete" : has("Failed") ? "Failed" : (st.active ?? 0) > 0 ? "Running" : "Pending";
  const start = parseRfc3339(st.startTime);
  const end = parseRfc3339(st.completionTime) ?? now;
  return [o.metadata.name, status, `${st.succeeded ?? 0}/${spec.completions ?? 1}`, start === null ? "" : humanDuration(end - start), age(o, now)];
}

interface Printer {
  columns: Column[];
  cells: (o: KObject, now: number) => Cell[];
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [NAME, col("Ready"), col("Status"), col("Restarts", "integer"), AGE, col("IP", "string", 1), col("Node", "string", 1)],
    cells: (o, now) => podCells(o as Pod, now),
  },
  Event: {
    columns: [
      col("Last Seen"),
      col("Type"),
      col("Reason"),
      col("Object"),
      col("Message"),
      col("Subobject", "string", 1),
      col("Source", "string", 1),
      col("First Seen", "string", 1),
      col("Count", "integer", 1),
      col("Name", "string", 1),
    ],
    cells: (o, now) => eventCells(o as CoreEvent, now),
  },
  EndpointSlice: {
    columns: [NAME, col("AddressType"), col("Ports"), col("Endpoints"), AGE],
    cells: (o, now) => sliceCells(o as EndpointSlice, now),
  },
  Deployment: {
    columns: [NAME, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"), AGE],
    cells: (o, now) => {
      const s = statusOf(o);
      return [o.metadata.name, `${s.readyReplicas ?? 0}/${specReplicas(o)}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, age(o, now)];
    },
  },
  ReplicaSet: {
    columns: [NAME, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), AGE],
    cells: (o, now) => {
      const s = statusOf(o);
      return [o.metadata.name, specReplicas(o), s.replicas ?? 0, s.readyReplicas ?? 0, age(o, now)];
    },
  },
  StatefulSet: {
    columns: [NAME, col("Ready"), AGE, col("Containers", "string", 1), col("Images", "string", 1)],
    cells: (o, now) => [o.metadata.name, `${statusOf(o).readyReplicas ?? 0}/${specReplicas(o)}`, age(o, now), ...containersAndImages(o)],
  },
  DaemonSet: {
    columns: [NAME, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), col("Up-to-date", "integer"), col("Available", "integer"), col("Node Selector"), AGE],
    cells: (o, now) => {
      const s = (o.status ?? {}) as Record<string, number | undefined>;
      const n = (k: string) => s[k] ?? 0;
      return [o.metadata.name, n("desiredNumberScheduled"), n("currentNumberScheduled"), n("numberReady"), n("updatedNumberScheduled"), n("numberAvailable"), "<none>", age(o, now)];
    },
  },
  Job: {
    columns: [NAME, col("Status"), col("Completions"), col("Duration"), AGE],
    cells: (o, now) => jobCells(o, now),
  },
  CronJob: {
    columns: [NAME, col("Schedule"), col("Timezone"), col("Suspend"), col("Active", "integer"), col("Last Schedule"), AGE],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as { schedule?: string; timeZone?: string; suspend?: boolean };
      const st = (o.status ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
      const last = parseRfc3339(st.lastScheduleTime);
      return [o.metadata.name, spec.schedule ?? "", spec.timeZone ?? "<none>", spec.suspend ? "True" : "False", st.active?.length ?? 0, last === null ? "<none>" : humanDuration(now - last), age(o, now)];
    },
  },
  PodDisruptionBudget: {
    columns: [NAME, col("Min Available"), col("Max Unavailable"), col("Allowed Disruptions", "integer"), AGE],
    cells: (o, now) => {
      const spec = (o.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
      const allowed = (o.status as { disruptionsAllowed?: number } | undefined)?.disruptionsAllowed ?? 0;
      return [o.metadata.name, String(spec.minAvailable ?? "N/A"), String(spec.maxUnavailable ?? "N/A"), allowed, age(o, now)];
    },
  },
  Node: {
    columns: [NAME, col("Status"), col("Roles"), AGE, col("Version")],
    cells: (o, now) => [o.metadata.name, (o.spec as { unschedulable?: boolean } | undefined)?.unschedulable ? "Ready,SchedulingDisabled" : "Ready", "<none>", age(o, now), "v1.32.0-sandbox"],
  },
  Namespace: {
    columns: [NAME, col("Status"), AGE],
    cells: (o, now) => [o.metadata.name, "Active", age(o, now)],
  },
  Lease: {
    columns: [NAME, col("Holder"), AGE],
    cells: (o, now) => [o.metadata.name, (o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "", age(o, now)],
  },
};

const GENERIC: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o, now)] };

function rowObject(o: KObject, include: IncludeObject): object | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function toTable(def: ResourceDef, objects: readonly KObject[], now: number, resourceVersion: string, include: IncludeObject, withHeaders = true): object {
  const printer = PRINTERS[def.kind] ?? GENERIC;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    // Watch events after the first carry no column definitions, like the API server's.
    columnDefinitions: withHeaders ? printer.columns : [],
    rows: objects.map((o) => {
      const obj = rowObject(o, include);
      return { cells: printer.cells(o, now), ...(obj ? { object: obj } : {}) };
    }),
  };
}
