// The sandbox API server: node:http on 127.0.0.1 speaking the Kubernetes API subset that
// client-node informers and kubectl use (discovery, get/list/watch, pod delete and eviction,
// Lease CRUD with optimistic concurrency, server-side Table printing).
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ExpiredError, type ObjectStore, type StoredEvent } from "./store.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, findResource, groupVersionOf, versionInfo, type ResourceDef } from "./resources.ts";
import { fieldMatcher, labelMatcher, type Matcher } from "./selectors.ts";
import * as status from "./status.ts";
import { toTable, type IncludeObject } from "./table.ts";
import { toEventsV1 } from "./views.ts";
import { rfc3339 } from "./time.ts";
import type { CoreEvent, KObject } from "./types.ts";

export interface ApiResult {
  code: number;
  body: object;
}

/** What the simulator offers the API layer for the verbs that start terminations. */
export interface ApiBackend {
  store: ObjectStore;
  now(): number;
  deletePod(namespace: string, name: string, gracePeriodSeconds: number | undefined): ApiResult;
  evictPod(namespace: string, name: string, gracePeriodSeconds: number | undefined): ApiResult;
}

export interface ServerOptions {
  port: number;
  /** Wall milliseconds between BOOKMARK events on watches that asked for them. */
  bookmarkIntervalMs: number;
  /** How a watch from a compacted resourceVersion fails: in-stream ERROR (like the API server) or HTTP 410. */
  expiredWatch: "stream" | "http";
  onRequest?: (method: string, url: string, accept: string) => void;
}

export interface ApiServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

interface Target {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

function parseTarget(pathname: string): Target | null | "discovery" {
  const segs = pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api") {
    if (segs.length <= 2) return "discovery";
    group = "";
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === "apis") {
    if (segs.length <= 3) return "discovery";
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return null;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const def = findResource(group, version, rest[0]!);
  if (!def) return null;
  return { def, namespace, name: rest[1], sub: rest[2] };
}

function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

function send(res: http.ServerResponse, code: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  return JSON.parse(text) as unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(target, k);
    else if (isRecord(v) && isRecord(target[k])) mergePatch(target[k] as Record<string, unknown>, v);
    else target[k] = v;
  }
}

export async function startApiServer(backend: ApiBackend, opts: ServerOptions): Promise<ApiServer> {
  const { store } = backend;
  const open = new Set<http.ServerResponse>();

  /** The object as this API path shows it: kind/apiVersion set, events converted per group. */
  const view = (def: ResourceDef, o: KObject): KObject => {
    if (def.group === "events.k8s.io") return toEventsV1(o as CoreEvent);
    return { ...o, apiVersion: groupVersionOf(def), kind: def.kind };
  };

  const matcherFor = (t: Target, q: URLSearchParams): Matcher => {
    const labels = labelMatcher(q.get("labelSelector"));
    const fields = fieldMatcher(q.get("fieldSelector"));
    return (o) => (t.namespace === undefined || o.metadata.namespace === t.namespace) && labels(o) && fields(o);
  };

  // Paginated lists (limit/continue), as the API server serves them: every page belongs to the
  // snapshot taken for the first one (kept here for a minute), so the first page's
  // resourceVersion is right for the whole list. Informers list 500 at a time; at 10k pods an
  // unpaginated list would be one 20 MB response, which no real API server sends them.
  const pages = new Map<string, { items: KObject[]; rv: string; expires: number }>();
  let pageSeq = 0;
  const PAGE_TTL_MS = 60_000;

  const list = (t: Target, q: URLSearchParams, accept: string, res: http.ServerResponse): void => {
    const limit = Number(q.get("limit") ?? "0");
    const cont = q.get("continue");
    const now = Date.now();
    for (const [k, p] of pages) if (p.expires < now) pages.delete(k);
    let items: KObject[];
    let rv: string;
    if (cont) {
      const snapshot = pages.get(cont);
      if (!snapshot) return send(res, 410, status.expired("The provided continue parameter is too old or invalid"));
      pages.delete(cont);
      ({ items, rv } = snapshot);
    } else {
      const match = matcherFor(t, q);
      items = store.list(t.def.storeKey, t.namespace).filter(match).map((o) => view(t.def, o));
      rv = String(store.resourceVersion);
      if (wantsTable(accept)) return send(res, 200, toTable(t.def, items, backend.now(), rv, includeObject(q)));
    }
    const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: rv };
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      const token = Buffer.from(`${rv}:${++pageSeq}`).toString("base64url");
      pages.set(token, { items: items.slice(limit), rv, expires: now + PAGE_TTL_MS });
      items = items.slice(0, limit);
      metadata.continue = token;
      metadata.remainingItemCount = pages.get(token)!.items.length;
    }
    send(res, 200, { kind: `${t.def.kind}List`, apiVersion: groupVersionOf(t.def), metadata, items });
  };

  const watch = (t: Target, q: URLSearchParams, accept: string, req: http.IncomingMessage, res: http.ServerResponse): void => {
    const match = matcherFor(t, q);
    const table = wantsTable(accept);
    const include = includeObject(q);
    const rvParam = q.get("resourceVersion");
    const bookmarks = q.get("allowWatchBookmarks") === "true" && !table;
    const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
    let headers = true;

    const encode = (type: string, o: KObject): string => {
      const v = view(t.def, o);
      const object = table ? toTable(t.def, [v], backend.now(), v.metadata.resourceVersion ?? "", include, headers) : v;
      headers = false;
      return `${JSON.stringify({ type, object })}\n`;
    };

    let unsubscribe: (() => void) | null = null;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      unsubscribe?.();
      unsubscribe = null;
      for (const tm of timers) clearTimeout(tm);
      open.delete(res);
      if (!res.writableEnded) res.end();
    };

    const listener = (e: StoredEvent) => {
      if (res.writableEnded || !match(e.object)) return;
      res.write(encode(e.type, e.object));
    };

    let since: number;
    const initial: KObject[] = [];
    if (rvParam === null || rvParam === "" || rvParam === "0") {
      // No version: the current state as ADDED events, then changes (API server semantics).
      since = store.resourceVersion;
      initial.push(...store.list(t.def.storeKey, t.namespace).filter(match));
    } else {
      since = Number(rvParam);
      if (!Number.isFinite(since)) return send(res, 400, status.badRequest(`invalid resourceVersion ${rvParam}`));
    }

    try {
      // Subscribe before writing the head so that a 410 can still be an HTTP status.
      const pending: StoredEvent[] = [];
      let live = false;
      unsubscribe = store.watch(t.def.storeKey, since, (e) => (live ? listener(e) : pending.push(e)));
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache" });
      // Clients (client-node's Watch) wait for the headers before they consider the watch open.
      res.flushHeaders();
      open.add(res);
      for (const o of initial) res.write(encode("ADDED", o));
      for (const e of pending) listener(e);
      live = true;
    } catch (e) {
      if (!(e instanceof ExpiredError)) throw e;
      const body = status.expired(e.message);
      if (opts.expiredWatch === "http") return send(res, 410, body);
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
      res.end(`${JSON.stringify({ type: "ERROR", object: body })}\n`);
      return;
    }

    if (bookmarks) {
      const tick = () => {
        if (res.writableEnded) return;
        const object = { kind: t.def.kind, apiVersion: groupVersionOf(t.def), metadata: { resourceVersion: String(store.resourceVersion) } };
        res.write(`${JSON.stringify({ type: "BOOKMARK", object })}\n`);
        timers.push(setTimeout(tick, opts.bookmarkIntervalMs));
      };
      timers.push(setTimeout(tick, opts.bookmarkIntervalMs));
    }
    if (timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
    req.on("close", finish);
    res.on("close", finish);
  };

  const leases = async (t: Target, method: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const { plural, group, storeKey } = t.def;
    if (method === "POST" && t.name === undefined) {
      const body = await readBody(req);
      if (!isRecord(body) || !isRecord(body.metadata) || typeof body.metadata.name !== "string") {
        return send(res, 400, status.badRequest("metadata.name is required"));
      }
      const name = body.metadata.name;
      const namespace = t.namespace ?? (typeof body.metadata.namespace === "string" ? body.metadata.namespace : "default");
      if (store.get(storeKey, namespace, name)) return send(res, 409, status.alreadyExists(plural, group, name));
      const obj = { ...body, apiVersion: "coordination.k8s.io/v1", kind: "Lease" } as KObject;
      obj.metadata = { ...obj.metadata, name, namespace, uid: randomUUID(), creationTimestamp: rfc3339(backend.now()) };
      delete obj.metadata.resourceVersion;
      return send(res, 201, view(t.def, store.create(storeKey, obj)));
    }
    if (t.name === undefined) return send(res, 405, status.methodNotAllowed(`${method} is not supported on the collection`));
    const current = store.get(storeKey, t.namespace, t.name);
    if (!current) return send(res, 404, status.notFound(plural, group, t.name));
    if (method === "DELETE") {
      return send(res, 200, view(t.def, store.remove(storeKey, t.namespace, t.name)!));
    }
    const body = await readBody(req);
    if (!isRecord(body)) return send(res, 400, status.badRequest("a JSON object body is required"));
    let next: KObject;
    if (method === "PUT") {
      const rv = isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
      if (rv !== undefined && rv !== "" && rv !== current.metadata.resourceVersion) return send(res, 409, status.conflict(plural, group, t.name));
      next = { ...body, apiVersion: current.apiVersion, kind: current.kind } as KObject;
      next.metadata = { ...(next.metadata ?? {}), name: t.name, namespace: t.namespace, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp };
    } else if (method === "PATCH") {
      const rv = isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) return send(res, 409, status.conflict(plural, group, t.name));
      next = structuredClone(current);
      mergePatch(next as Record<string, unknown>, body);
      next.metadata = { ...next.metadata, name: t.name, namespace: t.namespace, uid: current.metadata.uid };
    } else {
      return send(res, 405, status.methodNotAllowed(`${method} is not supported`));
    }
    return send(res, 200, view(t.def, store.update(storeKey, next)));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://sandbox");
    const accept = req.headers.accept ?? "";
    const q = url.searchParams;
    opts.onRequest?.(method, req.url ?? "/", accept);
    const path = url.pathname.replace(/\/+$/, "") || "/";

    if (method === "GET") {
      switch (path) {
        case "/version":
          return send(res, 200, versionInfo());
        case "/healthz":
        case "/livez":
        case "/readyz":
          res.writeHead(200, { "Content-Type": "text/plain" });
          return void res.end("ok");
        case "/api":
          return send(res, 200, apiVersions(`127.0.0.1:${server.port}`));
        case "/apis":
          return send(res, 200, apiGroupList());
      }
    }

    const target = parseTarget(path);
    if (target === "discovery") {
      if (method !== "GET") return send(res, 405, status.methodNotAllowed(`${method} on discovery`));
      const segs = path.split("/").filter(Boolean);
      const doc = segs[0] === "api" ? apiResourceList(segs[1] ?? "") : segs.length === 2 ? apiGroup(segs[1]!) : apiResourceList(`${segs[1]}/${segs[2]}`);
      return doc ? send(res, 200, doc) : send(res, 404, status.pathNotFound(path));
    }
    if (target === null) return send(res, 404, status.pathNotFound(path));
    const t = target;
    const { def } = t;

    if (def.kind === "Lease" && method !== "GET") return leases(t, method, req, res);

    if (method === "GET") {
      if (t.sub !== undefined) return send(res, 404, status.pathNotFound(path));
      if (t.name === undefined) {
        const w = q.get("watch");
        if (w === "true" || w === "1") return watch(t, q, accept, req, res);
        return list(t, q, accept, res);
      }
      const o = store.get(def.storeKey, def.namespaced ? t.namespace : undefined, t.name);
      if (!o) return send(res, 404, status.notFound(def.plural, def.group, t.name));
      const v = view(def, o);
      if (wantsTable(accept)) return send(res, 200, toTable(def, [v], backend.now(), v.metadata.resourceVersion ?? "", includeObject(q)));
      return send(res, 200, v);
    }

    if (def.kind === "Pod" && t.name !== undefined && t.namespace !== undefined) {
      if (method === "DELETE" && t.sub === undefined) {
        const body = await readBody(req);
        const grace = graceOf(body, q);
        const wantUid = isRecord(body) && isRecord(body.preconditions) ? body.preconditions.uid : undefined;
        const current = store.peek("pods", t.namespace, t.name);
        if (typeof wantUid === "string" && current && current.metadata.uid !== wantUid) {
          return send(res, 409, status.preconditionFailed(`Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${current.metadata.uid}`));
        }
        const r = backend.deletePod(t.namespace, t.name, grace);
        return send(res, r.code, r.body);
      }
      if (method === "POST" && t.sub === "eviction") {
        const body = await readBody(req);
        const grace = isRecord(body) ? graceOf(body.deleteOptions, new URLSearchParams()) : undefined;
        const r = backend.evictPod(t.namespace, t.name, grace);
        return send(res, r.code, r.body);
      }
    }
    return send(res, 405, status.methodNotAllowed(`${method} is not supported on ${path}`));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, e instanceof SyntaxError ? 400 : 500, status.badRequest(String(e)));
      else res.end();
    });
  }) as http.Server & { port: number };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  server.port = (server.address() as AddressInfo).port;

  return {
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.end();
        open.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function graceOf(body: unknown, q: URLSearchParams): number | undefined {
  if (isRecord(body) && typeof body.gracePeriodSeconds === "number") return body.gracePeriodSeconds;
  const g = q.get("gracePeriodSeconds");
  return g === null || g === "" ? undefined : Number(g);
}
