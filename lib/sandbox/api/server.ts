// The sandbox API server: node:http on 127.0.0.1 speaking the Kubernetes API subset that
// client-node informers and kubectl use. This file routes; each verb has its own handler
// (get, list, watch, create, update, patch, delete, evict) and discovery its own.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DELETABLE_KINDS, type ApiBackend, type ApiContext, type ApiRequest, type DeletableKind, type ResourceRequest, type ServerOptions } from "./context.ts";
import { createLease } from "./create.ts";
import { deleteLease, deletePod, deleteWorkload } from "./delete.ts";
import { discovery, serveFixed } from "./discovery.ts";
import { evictPod } from "./evict.ts";
import { get } from "./get.ts";
import { isRecord, readBody, send } from "./http.ts";
import { lister } from "./list.ts";
import { patchObject } from "./patch.ts";
import * as status from "./status.ts";
import { parseTarget } from "./target.ts";
import { updateLease } from "./update.ts";
import { watch } from "./watch.ts";

export type { ApiBackend, ServerOptions } from "./context.ts";

export interface ApiServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

type Named = ResourceRequest & { target: { name: string } };
type NamespacedNamed = Named & { target: { namespace: string } };

function isNamed(r: ResourceRequest): r is Named {
  return r.target.name !== undefined;
}

function isNamespacedNamed(r: ResourceRequest): r is NamespacedNamed {
  return r.target.name !== undefined && r.target.namespace !== undefined;
}

export async function startApiServer(backend: ApiBackend, opts: ServerOptions): Promise<ApiServer> {
  const ctx: ApiContext = { backend, store: backend.store, opts, open: new Set() };
  const list = lister();

  const read = (r: ResourceRequest): void => {
    if (r.target.sub !== undefined) return send(r.res, 404, status.pathNotFound(r.path));
    if (isNamed(r)) return get(ctx, r);
    const w = r.q.get("watch");
    return w === "true" || w === "1" ? watch(ctx, r) : list(ctx, r);
  };

  /** Lease writes: create on the collection; update, patch, delete on an existing Lease. */
  const writeLease = async (r: ResourceRequest): Promise<void> => {
    const { method, target: t, res } = r;
    if (method === "POST" && t.name === undefined) return createLease(ctx, r);
    if (!isNamed(r)) return send(res, 405, status.methodNotAllowed(`${method} is not supported on the collection`));
    const current = ctx.store.get(t.def.storeKey, t.namespace, r.target.name);
    if (!current) return send(res, 404, status.notFound(t.def.plural, t.def.group, r.target.name));
    if (method === "DELETE") return deleteLease(ctx, r);
    const body = await readBody(r.req);
    if (!isRecord(body)) return send(res, 400, status.badRequest("a JSON object body is required"));
    if (method === "PUT") return updateLease(ctx, r, current, body);
    if (method === "PATCH") return patchObject(ctx, r, current, body);
    return send(res, 405, status.methodNotAllowed(`${method} is not supported`));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://sandbox");
    const accept = req.headers.accept ?? "";
    opts.onRequest?.(method, req.url ?? "/", accept);
    const r: ApiRequest = { method, path: url.pathname.replace(/\/+$/, "") || "/", q: url.searchParams, accept, req, res };

    if (opts.routes && (await opts.routes(r))) return;
    if (method === "GET" && serveFixed(r, server.port)) return;
    const target = parseTarget(r.path);
    if (target === "discovery") return discovery(r);
    if (target === null) return send(res, 404, status.pathNotFound(r.path));
    const rr: ResourceRequest = { ...r, target };

    if (target.def.kind === "Lease" && method !== "GET") return writeLease(rr);
    if (method === "GET") return read(rr);
    if (target.def.kind === "Node" && method === "PATCH" && isNamed(rr)) {
      // Cordon and uncordon: the scheduler (pod factory) reads spec.unschedulable.
      const current = ctx.store.get("nodes", undefined, rr.target.name);
      if (!current) return send(res, 404, status.notFound("nodes", "", rr.target.name));
      const body = await readBody(req);
      if (!isRecord(body)) return send(res, 400, status.badRequest("a JSON object body is required"));
      return patchObject(ctx, rr, current, body);
    }
    const kind = target.def.kind as DeletableKind;
    if (DELETABLE_KINDS.includes(kind) && method === "DELETE" && target.sub === undefined && isNamespacedNamed(rr)) return deleteWorkload(ctx, rr, kind);
    if (target.def.kind === "Pod" && isNamespacedNamed(rr)) {
      if (method === "DELETE" && target.sub === undefined) return deletePod(ctx, rr);
      if (method === "POST" && target.sub === "eviction") return evictPod(ctx, rr);
    }
    return send(res, 405, status.methodNotAllowed(`${method} is not supported on ${r.path}`));
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
        for (const res of ctx.open) res.end();
        ctx.open.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
