// LIST, paginated (limit/continue) as the API server serves it: every page belongs to the
// snapshot taken for the first one (kept for a minute), so the first page's resourceVersion is
// right for the whole list. Informers list 500 at a time; at 10k pods an unpaginated list would
// be one 20 MB response, which no real API server sends them.
import type { KObject } from "../types.ts";
import type { ApiContext, ResourceRequest } from "./context.ts";
import { includeObject, send, wantsTable } from "./http.ts";
import { groupVersionOf } from "./resources.ts";
import * as status from "./status.ts";
import { toTable } from "./table.ts";
import { selects } from "./target.ts";
import { view } from "./views.ts";

const PAGE_TTL_MS = 60_000;

export type ListHandler = (ctx: ApiContext, r: ResourceRequest) => void;

/** A list handler with its own continue-token snapshots (one per server). */
export function lister(): ListHandler {
  const pages = new Map<string, { items: KObject[]; rv: string; expires: number }>();
  let pageSeq = 0;

  return (ctx, r) => {
    const { target: t, q, res } = r;
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
      const match = selects(t, q);
      items = ctx.store.list(t.def.storeKey, t.namespace).filter(match).map((o) => view(t.def, o));
      rv = String(ctx.store.resourceVersion);
      if (wantsTable(r.accept)) return send(res, 200, toTable(t.def, items, ctx.backend.now(), rv, includeObject(q)));
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
}
