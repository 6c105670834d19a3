// JSON shapes of the Kubernetes objects the sandbox stores and serves. Only the fields the
// simulator writes are typed; everything is plain JSON so it can be cloned and streamed as is.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** Any stored object. Kind-specific fields stay untyped here and are typed per kind below. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface PreStopHandler {
  exec?: { command: string[] };
  httpGet?: { path: string; port: number };
  sleep?: { seconds: number };
}

export interface ContainerSpec {
  name: string;
  image: string;
  restartPolicy?: "Always";
  ports?: { containerPort: number; name?: string }[];
  readinessProbe?: { httpGet: { path: string; port: number }; periodSeconds: number };
  lifecycle?: { preStop: PreStopHandler };
}

export interface ContainerState {
  running?: { startedAt: string };
  waiting?: { reason: string };
  terminated?: {
    exitCode: number;
    reason: string;
    message?: string;
    startedAt: string | null;
    finishedAt: string | null;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
  containerID?: string;
}

export interface PodCondition {
  type: string;
  status: "True" | "False";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PodSpec {
  nodeName: string;
  terminationGracePeriodSeconds: number;
  restartPolicy: "Always" | "Never" | "OnFailure";
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  affinity?: {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } };
  };
}

export interface PodStatus {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  reason?: string;
  message?: string;
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  conditions: PodCondition[];
  containerStatuses: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

export interface Pod extends KObject {
  kind: "Pod";
  spec: PodSpec;
  status: PodStatus;
}

export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Omit<PodSpec, "nodeName">;
}

export interface ReplicaSet extends KObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
  status: { replicas: number; readyReplicas: number; availableReplicas: number; observedGeneration: number };
}

export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName: string;
  targetRef: { kind: "Pod"; name: string; namespace: string; uid: string };
}

export interface EndpointSlice extends KObject {
  kind: "EndpointSlice";
  addressType: "IPv4";
  endpoints: Endpoint[];
  ports: { name: string; port: number; protocol: "TCP" }[];
}

export interface CoreEvent extends KObject {
  kind: "Event";
  involvedObject: { kind: string; namespace?: string; name: string; uid: string; apiVersion: string; fieldPath?: string };
  reason: string;
  message: string;
  type: "Normal" | "Warning";
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  eventTime: null;
  reportingComponent: string;
  reportingInstance: string;
}

export type WatchType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchType;
  object: KObject;
}
