// Discovery and health: /version, /healthz|livez|readyz, /api, /apis, and the group and
// group/version documents kubectl and client-node read before anything else.
import * as status from "./status.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./resources.ts";
import { send } from "./http.ts";
import type { ApiRequest } from "./context.ts";

/** The fixed GET paths; false when the path is not one of them. */
export function serveFixed(r: ApiRequest, port: number): boolean {
  const { res } = r;
  switch (r.path) {
    case "/version":
      send(res, 200, versionInfo());
      return true;
    case "/healthz":
    case "/livez":
    case "/readyz":
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return true;
    case "/api":
      send(res, 200, apiVersions(`127.0.0.1:${port}`));
      return true;
    case "/apis":
      send(res, 200, apiGroupList());
      return true;
  }
  return false;
}

/** /api/VERSION, /apis/GROUP and /apis/GROUP/VERSION. */
export function discovery(r: ApiRequest): void {
  const { method, path, res } = r;
  if (method !== "GET") return send(res, 405, status.methodNotAllowed(`${method} on discovery`));
  const segs = path.split("/").filter(Boolean);
  const doc = segs[0] === "api" ? apiResourceList(segs[1] ?? "") : segs.length === 2 ? apiGroup(segs[1]!) : apiResourceList(`${segs[1]}/${segs[2]}`);
  return doc ? send(res, 200, doc) : send(res, 404, status.pathNotFound(path));
}
