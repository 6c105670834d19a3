// WATCH: ADDED for the current state when no resourceVersion is given, else the retained
// history after it (410 Expired when compacted: in-stream ERROR or HTTP status, per option),
// then live events; optional BOOKMARKs, timeoutSeconds, and Table rows for kubectl -w.
import { ExpiredError, type StoredEvent } from "../store.ts";
import type { KObject } from "../types.ts";
import type { ApiContext, ResourceRequest } from "./context.ts";
import { includeObject, send, wantsTable } from "./http.ts";
import { groupVersionOf } from "./resources.ts";
import * as status from "./status.ts";
import { toTable } from "./table.ts";
import { selects } from "./target.ts";
import { view } from "./views.ts";

export function watch(ctx: ApiContext, r: ResourceRequest): void {
  const { store, opts } = ctx;
  const { target: t, q, req, res } = r;
  const match = selects(t, q);
  const table = wantsTable(r.accept);
  const include = includeObject(q);
  const rvParam = q.get("resourceVersion");
  const bookmarks = q.get("allowWatchBookmarks") === "true" && !table;
  const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
  let headers = true;

  const encode = (type: string, o: KObject): string => {
    const v = view(t.def, o);
    const object = table ? toTable(t.def, [v], ctx.backend.now(), v.metadata.resourceVersion ?? "", include, headers) : v;
    headers = false;
    return `${JSON.stringify({ type, object })}\n`;
  };

  let unsubscribe: (() => void) | null = null;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    unsubscribe?.();
    unsubscribe = null;
    for (const tm of timers) clearTimeout(tm);
    ctx.open.delete(res);
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
    ctx.open.add(res);
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
}
