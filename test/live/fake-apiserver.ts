// A minimal Kubernetes API server for live-ingest tests: list, watch from a resourceVersion (with
// history replay, bookmarks on request), Lease CRUD with optimistic concurrency, and scripted
// faults (HTTP errors, in-stream 410, silent watches, dropped connections, blocked clients).
// Binds 127.0.0.1 only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface HistoryEntry {
  rv: number;
  resource: string;
  namespace: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Obj;
}

interface Watcher {
  resource: string;
  namespace: string | null;
  res: http.ServerResponse;
  silent: boolean;
}

interface Fault {
  status: number;
  times: number;
}

export interface RequestLog {
  method: string;
  path: string;
  query: Record<string, string>;
  token: string | null;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class FakeApiServer {
  readonly requests: RequestLog[] = [];
  private server: http.Server;
  private port = 0;
  private rv = 100;
  private floor = 0;
  private readonly objects = new Map<string, Map<string, Obj>>(); // resource → ns/name → obj
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly faults = new Map<string, Fault>(); // `${verb}:${resource}` → fault
  private readonly silentBudget = new Map<string, number>();
  private readonly blocked = new Set<string>();
  private readonly leases = new Map<string, Obj>();
  bookmarkIntervalMs = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A KubeConfig for this server; distinct tokens let a test block one client. */
  kubeConfig(token = "test-token"): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.url, skipTLSVerify: true }],
      users: [{ name: "u", token }],
      contexts: [{ name: "ctx", cluster: "fake", user: "u" }],
      currentContext: "ctx",
    });
    return kc;
  }

  kubeconfigYaml(token = "test-token"): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake",
      "  cluster:",
      `    server: ${this.url}`,
      "contexts:",
      "- name: ctx",
      "  context: {cluster: fake, user: u}",
      "current-context: ctx",
      "users:",
      "- name: u",
      `  user: {token: ${token}}`,
      "",
    ].join("\n");
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- scripting ------------------------------------------------------------------------

  get resourceVersion(): number {
    return this.rv;
  }

  /** Creates or updates an object (must carry apiVersion, kind, metadata.name/uid). */
  apply(resource: string, object: Record<string, unknown>, opts: { silent?: boolean } = {}): Obj {
    const obj = clone(object) as Obj;
    const ns = typeof obj.metadata.namespace === "string" ? obj.metadata.namespace : "";
    const key = `${ns}/${String(obj.metadata.name)}`;
    const map = this.objects.get(resource) ?? new Map<string, Obj>();
    this.objects.set(resource, map);
    const type = map.has(key) ? "MODIFIED" : "ADDED";
    obj.metadata.resourceVersion = String(++this.rv);
    map.set(key, obj);
    if (!opts.silent) this.publish({ rv: this.rv, resource, namespace: ns, type, object: obj });
    return obj;
  }

  /** Deletes an object; `final` replaces its last state (e.g. with terminated statuses). */
  remove(resource: string, namespace: string, name: string, opts: { silent?: boolean } = {}): void {
    const map = this.objects.get(resource);
    const key = `${namespace}/${name}`;
    const obj = map?.get(key);
    if (!map || !obj) throw new Error(`no ${resource} ${key}`);
    map.delete(key);
    const last = clone(obj);
    last.metadata.resourceVersion = String(++this.rv);
    if (!opts.silent) this.publish({ rv: this.rv, resource, namespace, type: "DELETED", object: last });
  }

  /** The next `times` list or watch requests for `resource` answer HTTP `status`. */
  fail(verb: "list" | "watch", resource: string, status: number, times = 1): void {
    this.faults.set(`${verb}:${resource}`, { status, times });
  }

  /** The next `count` watch requests for `resource` connect but never send anything. */
  silence(resource: string, count = 1): void {
    this.silentBudget.set(resource, count);
  }

  /** Ends every open watch (of `resource`, or all) without an event, as a dropped connection. */
  dropWatches(resource?: string): void {
    for (const w of [...this.watchers]) {
      if (resource && w.resource !== resource) continue;
      this.watchers.delete(w);
      w.res.destroy();
    }
  }

  /**
   * Forgets history (etcd compaction): watches from an older resourceVersion get an in-stream
   * ERROR 410. With `notifyOpen`, open watches get that ERROR now and are closed.
   */
  compact(opts: { notifyOpen?: boolean; resource?: string } = {}): void {
    this.floor = this.rv;
    if (!opts.notifyOpen) return;
    for (const w of [...this.watchers]) {
      if (opts.resource && w.resource !== opts.resource) continue;
      this.watchers.delete(w);
      w.res.end(JSON.stringify(gone()) + "\n");
    }
  }

  /** Writes a raw line to every open, non-silent watch of `resource`. */
  sendRaw(resource: string, line: string): void {
    for (const w of this.watchers) if (w.resource === resource && !w.silent) w.res.write(line + "\n");
  }

  /** Requests with this bearer token get HTTP 503 (a partitioned client). */
  block(token: string): void {
    this.blocked.add(token);
  }

  unblock(token: string): void {
    this.blocked.delete(token);
  }

  watchRequests(resource: string): RequestLog[] {
    return this.requests.filter((r) => r.query.watch === "true" && r.path.endsWith(`/${resource}`));
  }

  listRequests(resource: string): RequestLog[] {
    return this.requests.filter((r) => r.method === "GET" && r.query.watch !== "true" && r.path.endsWith(`/${resource}`));
  }

  openWatches(resource: string): number {
    return [...this.watchers].filter((w) => w.resource === resource).length;
  }

  lease(namespace: string, name: string): Obj | undefined {
    const l = this.leases.get(`${namespace}/${name}`);
    return l ? clone(l) : undefined;
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private publish(e: HistoryEntry): void {
    this.history.push(e);
    for (const w of this.watchers) {
      if (w.silent || w.resource !== e.resource || (w.namespace !== null && w.namespace !== e.namespace)) continue;
      w.res.write(JSON.stringify({ type: e.type, object: e.object }) + "\n");
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const u = new URL(req.url ?? "/", "http://x");
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : null;
    this.requests.push({ method: req.method ?? "GET", path: u.pathname, query: Object.fromEntries(u.searchParams), token });
    if (token && this.blocked.has(token)) return json(res, 503, status(503, "blocked by test"));

    const lease = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(u.pathname);
    if (lease) return this.handleLease(req, res, decodeURIComponent(lease[1]!), lease[2] ? decodeURIComponent(lease[2]) : null);

    const m = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(u.pathname);
    if (!m || req.method !== "GET") return json(res, 404, status(404, "not found"));
    const namespace = m[1] ? decodeURIComponent(m[1]) : null;
    const resource = m[2]!;
    const watch = u.searchParams.get("watch") === "true";

    const fault = this.faults.get(`${watch ? "watch" : "list"}:${resource}`);
    if (fault && fault.times > 0) {
      fault.times--;
      return json(res, fault.status, status(fault.status, "injected fault"));
    }
    if (!watch) return this.handleList(res, resource, namespace);
    return this.handleWatch(req, res, resource, namespace, u.searchParams);
  }

  private handleList(res: http.ServerResponse, resource: string, namespace: string | null): void {
    const items = [...(this.objects.get(resource)?.values() ?? [])]
      .filter((o) => namespace === null || o.metadata.namespace === namespace)
      .map((o) => {
        // Real list items carry no apiVersion/kind.
        const { apiVersion: _a, kind: _k, ...rest } = clone(o);
        return rest;
      });
    json(res, 200, { kind: "List", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) }, items });
  }

  private handleWatch(req: http.IncomingMessage, res: http.ServerResponse, resource: string, namespace: string | null, q: URLSearchParams): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const from = Number(q.get("resourceVersion") ?? "0");
    if (from < this.floor) {
      res.end(JSON.stringify(gone()) + "\n");
      return;
    }
    const budget = this.silentBudget.get(resource) ?? 0;
    const silent = budget > 0;
    if (silent) this.silentBudget.set(resource, budget - 1);
    const w: Watcher = { resource, namespace, res, silent };
    if (!silent) {
      for (const e of this.history) {
        if (e.rv > from && e.resource === resource && (namespace === null || e.namespace === namespace)) {
          res.write(JSON.stringify({ type: e.type, object: e.object }) + "\n");
        }
      }
    }
    this.watchers.add(w);
    let timer: NodeJS.Timeout | null = null;
    if (!silent && this.bookmarkIntervalMs > 0 && q.get("allowWatchBookmarks") === "true") {
      timer = setInterval(() => {
        res.write(JSON.stringify({ type: "BOOKMARK", object: { kind: "Bookmark", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) } } }) + "\n");
      }, this.bookmarkIntervalMs);
    }
    const cleanup = (): void => {
      if (timer) clearInterval(timer);
      this.watchers.delete(w);
    };
    req.on("close", cleanup);
    res.on("close", cleanup);
  }

  private handleLease(req: http.IncomingMessage, res: http.ServerResponse, namespace: string, name: string | null): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Obj) : null;
      const key = (n: string): string => `${namespace}/${n}`;
      if (req.method === "GET" && name) {
        const l = this.leases.get(key(name));
        return l ? json(res, 200, l) : json(res, 404, status(404, `leases "${name}" not found`));
      }
      if (req.method === "POST" && !name && body) {
        const n = String(body.metadata.name);
        if (this.leases.has(key(n))) return json(res, 409, status(409, `leases "${n}" already exists`));
        const l = { ...body, metadata: { ...body.metadata, namespace, uid: `lease-${n}`, resourceVersion: String(++this.rv) } } as Obj;
        this.leases.set(key(n), l);
        return json(res, 201, l);
      }
      if (req.method === "PUT" && name && body) {
        const cur = this.leases.get(key(name));
        if (!cur) return json(res, 404, status(404, `leases "${name}" not found`));
        if (body.metadata.resourceVersion !== cur.metadata.resourceVersion) {
          return json(res, 409, status(409, "the object has been modified; please apply your changes to the latest version"));
        }
        const l = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.rv) } } as Obj;
        this.leases.set(key(name), l);
        return json(res, 200, l);
      }
      json(res, 405, status(405, "method not allowed"));
    });
  }
}

function status(code: number, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, message };
}

function gone(): Record<string, unknown> {
  return { type: "ERROR", object: status(410, "too old resource version") };
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  return new FakeApiServer().listen();
}
