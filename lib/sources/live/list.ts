// The list half of the list/watch loop: a paginated LIST of raw JSON items with apiVersion/kind
// filled in (so a relist-synthesized delete carries a complete object, like a watch event would).
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import { kubeRequest, KubeHttpError, statusMessage } from "./request.ts";
import { apiVersionOf, collectionPath, withTypeMeta, type WatchedResource } from "./resources.ts";

const listSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().optional(), continue: z.string().optional() }).optional(),
  items: z.array(z.custom<KubernetesObject>((v) => typeof v === "object" && v !== null && !Array.isArray(v))).nullable().optional(),
});

export interface ListOptions {
  pageSize?: number;
  timeoutMs?: number;
}

/** One page of a paginated LIST: raw items (type meta filled in) and the list's snapshot version. */
export interface ListPage {
  items: KubernetesObject[];
  /** The snapshot the whole paginated list belongs to (the first page's version). */
  resourceVersion: string;
  last: boolean;
}

/** A LIST page by page (limit/continue), so that a caller can hand each page on before the next. */
export async function* listPages(
  kc: KubeConfig,
  resource: WatchedResource,
  namespace: string | null,
  opts: ListOptions = {},
): AsyncGenerator<ListPage> {
  const base = collectionPath(resource, namespace);
  const apiVersion = apiVersionOf(resource);
  let resourceVersion = "";
  let cont: string | undefined;
  let first = true;
  do {
    const q = new URLSearchParams({ limit: String(opts.pageSize ?? 500) });
    if (cont) q.set("continue", cont);
    const path = `${base}?${q.toString()}`;
    const res = await kubeRequest(kc, { path, timeoutMs: opts.timeoutMs });
    if (res.status !== 200) throw new KubeHttpError(res.status, "GET", path, statusMessage(res.body));
    const parsed = listSchema.safeParse(res.body);
    if (!parsed.success) throw new Error(`GET ${path}: not a list: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    if (first) resourceVersion = parsed.data.metadata?.resourceVersion ?? "";
    first = false;
    cont = parsed.data.metadata?.continue || undefined;
    yield { items: (parsed.data.items ?? []).map((item) => withTypeMeta(item, apiVersion, resource.kind)), resourceVersion, last: cont === undefined };
  } while (cont);
}
