// Raw JSON requests to the Kubernetes API through a KubeConfig, using client-node's own transport
// (its undici fetch, auth plugins, TLS dispatcher). Raw, because client-node's typed APIs
// deserialize timestamps into Date objects and drop fields their models do not know; drainwatch
// records objects exactly as the API sent them.
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from "@kubernetes/client-node";

export interface KubeResponse {
  status: number;
  /** Parsed JSON body; null when the body is empty or not JSON. */
  body: unknown;
}

/** An HTTP error from the API, with the status code client-node's informer looks at (410). */
export class KubeHttpError extends Error {
  override readonly name = "KubeHttpError";
  constructor(
    readonly statusCode: number,
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${method} ${path}: HTTP ${statusCode}${detail ? `: ${detail}` : ""}`);
  }
}

export interface KubeRequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Path plus query, e.g. `/api/v1/pods?limit=500`. */
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

const transport = new IsomorphicFetchHttpLibrary();

export async function kubeRequest(kc: KubeConfig, opts: KubeRequestOptions): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const method = opts.method ?? "GET";
  const ctx = new RequestContext(cluster.server.replace(/\/+$/, "") + opts.path, HttpMethod[method]);
  ctx.setHeaderParam("Accept", "application/json");
  if (opts.body !== undefined) {
    ctx.setHeaderParam("Content-Type", "application/json");
    ctx.setBody(JSON.stringify(opts.body));
  }
  await kc.applySecurityAuthentication(ctx);
  ctx.setSignal(AbortSignal.timeout(opts.timeoutMs ?? 60_000));
  const res = await transport.send(ctx).toPromise();
  const text = await res.body.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = null;
    }
  }
  return { status: res.httpStatusCode, body };
}

/** The message of a metav1.Status body, for error texts. */
export function statusMessage(body: unknown): string {
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") return body.message;
  return "";
}
