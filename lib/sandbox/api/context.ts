// What every verb handler gets: the backend (store, clock, the simulator's pod verbs), the
// server's options, and the request resolved to a resource.
import type http from "node:http";
import type { ObjectStore } from "../store.ts";
import type { KObject } from "../types.ts";
import type { EvictionVerdict } from "../sim/controllers/disruption.ts";
import type { ResourceDef } from "./resources.ts";

export const DELETABLE_KINDS = ["StatefulSet", "DaemonSet", "Job", "CronJob"] as const;
export type DeletableKind = (typeof DELETABLE_KINDS)[number];

/** What the simulator offers the API layer for the verbs that start terminations. */
export interface ApiBackend {
  store: ObjectStore;
  now(): number;
  /** The deleted (or deleting) pod, or undefined when there is no such pod. */
  deletePod(namespace: string, name: string, gracePeriodSeconds: number | undefined): KObject | undefined;
  /** Deletes a workload object (background propagation); undefined when there is none. */
  deleteWorkload(kind: DeletableKind, namespace: string, name: string): KObject | undefined;
  /** The eviction API's verdict (PodDisruptionBudgets); undefined when there is no such pod. */
  evictPod(namespace: string, name: string, gracePeriodSeconds: number | undefined): EvictionVerdict | undefined;
}

export interface ServerOptions {
  port: number;
  /** Wall milliseconds between BOOKMARK events on watches that asked for them. */
  bookmarkIntervalMs: number;
  /** How a watch from a compacted resourceVersion fails: in-stream ERROR (like the API server) or HTTP 410. */
  expiredWatch: "stream" | "http";
  onRequest?: (method: string, url: string, accept: string) => void;
  /** Paths outside the Kubernetes API (metrics, ground truth): true when handled. */
  routes?: (r: ApiRequest) => boolean | Promise<boolean>;
}

export interface ApiContext {
  backend: ApiBackend;
  store: ObjectStore;
  opts: ServerOptions;
  /** Open watch responses, ended when the server closes. */
  open: Set<http.ServerResponse>;
}

/** A request for a resource: /api/v1/namespaces/NS/pods/NAME/SUB and the like. */
export interface Target {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

export interface ApiRequest {
  method: string;
  /** Path without trailing slashes. */
  path: string;
  q: URLSearchParams;
  accept: string;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

export interface ResourceRequest extends ApiRequest {
  target: Target;
}
