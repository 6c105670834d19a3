// Validation of one watch event before it reaches client-node's ListWatch: a malformed event
// would otherwise throw inside the library's async handler (an unhandled rejection) or poison its
// cache. Pure: no I/O.
import { z } from "zod";

const meta = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().min(1),
  resourceVersion: z.string().min(1),
});

const objectEvent = z.object({ metadata: meta });
// A BOOKMARK carries only the resourceVersion the watch has reached.
const bookmarkEvent = z.object({ metadata: z.object({ resourceVersion: z.string().min(1) }) });
// An ERROR carries a metav1.Status; `code` 410 means the resourceVersion expired.
const errorEvent = z.object({ code: z.number().optional(), message: z.string().optional() });

export type WatchPhase = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export type WatchEventCheck = { ok: true; phase: WatchPhase } | { ok: false; reason: string };

export function checkWatchEvent(phase: unknown, object: unknown): WatchEventCheck {
  const issue = (e: z.ZodError): string =>
    e.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "object"}: ${i.message}`).join("; ");
  switch (phase) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      const r = objectEvent.safeParse(object);
      return r.success ? { ok: true, phase } : { ok: false, reason: `${phase}: ${issue(r.error)}` };
    }
    case "BOOKMARK": {
      const r = bookmarkEvent.safeParse(object);
      return r.success ? { ok: true, phase } : { ok: false, reason: `BOOKMARK: ${issue(r.error)}` };
    }
    case "ERROR": {
      const r = errorEvent.safeParse(object);
      return r.success ? { ok: true, phase } : { ok: false, reason: `ERROR: ${issue(r.error)}` };
    }
    default:
      return { ok: false, reason: `unknown watch event type ${JSON.stringify(phase)}` };
  }
}
