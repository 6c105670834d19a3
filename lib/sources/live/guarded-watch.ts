// client-node's Watch with three guards the informer needs:
//   - every event is validated first: a malformed one is reported and skipped instead of throwing
//     inside ListWatch's async handler (an unhandled rejection that would end the process);
//   - every valid event (bookmarks included) is reported as activity, for the silence watchdog;
//   - forceReconnect() abandons the current request and reports it to ListWatch as a client
//     timeout, which ListWatch answers by re-watching from its last resourceVersion at once. (Its
//     stop()/start() would race: the aborted request's done callback can arrive after start()
//     and abort the new request.) A request still waiting for its response headers (client-node
//     hands out its AbortController only then: up to its 30 s request timeout through a network
//     partition) is reported done at once and aborted when it answers, so that stopping a watch
//     (leadership lost) never waits for an unreachable API server.
// It also asks for bookmarks, which client-node's informer does not: a quiet but healthy watch
// then still shows activity, and a relist after a disconnect starts from a recent version.
import { Watch, type KubeConfig } from "@kubernetes/client-node";
import { checkWatchEvent, type WatchPhase } from "./watch-event.ts";

export interface WatchHooks {
  onEvent(phase: WatchPhase, object: unknown): void;
  onInvalid(reason: string): void;
  /** An exception or rejection from inside client-node (its handlers are async). */
  onInternalError(err: unknown): void;
}

interface Request {
  controller: AbortController | null;
  forced: boolean;
  done: boolean;
  /** Reports the request done to the caller (once). */
  end: (err: unknown) => void;
}

type QueryParams = Record<string, string | number | boolean | undefined>;
type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

function timeoutError(): Error {
  return new DOMException("watch abandoned by the silence watchdog", "TimeoutError");
}

export class GuardedWatch extends Watch {
  private current: Request | null = null;

  constructor(
    kc: KubeConfig,
    private readonly hooks: WatchHooks,
  ) {
    super(kc);
  }

  override async watch(path: string, queryParams: QueryParams, callback: WatchCallback, done: (err: unknown) => void): Promise<AbortController> {
    const req: Request = { controller: null, forced: false, done: false, end: () => {} };
    this.current = req;

    const guardedDone = (err: unknown): void => {
      if (req.done) return; // already reported by forceReconnect while it was connecting
      req.done = true;
      if (this.current === req) this.current = null;
      this.settle(() => done(req.forced ? timeoutError() : err));
    };
    req.end = guardedDone;
    const guardedCallback: WatchCallback = (phase, obj, raw) => {
      if (req.forced) return; // abandoned: its last events would only race the reconnect
      const check = checkWatchEvent(phase, obj);
      if (!check.ok) {
        this.hooks.onInvalid(check.reason);
        return;
      }
      this.hooks.onEvent(check.phase, obj);
      this.settle(() => callback(phase, obj, raw));
    };

    const controller = await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, guardedCallback, guardedDone);
    req.controller = controller;
    if (req.forced) controller.abort();
    return controller;
  }

  /** Abandons the open watch request (if any); the informer reconnects from its resourceVersion. */
  forceReconnect(): boolean {
    const req = this.current;
    if (!req || req.done) return false;
    req.forced = true;
    if (req.controller) req.controller.abort();
    else req.end(timeoutError());
    return true;
  }

  /** Runs a client-node handler, catching both throws and rejections of its async handlers. */
  private settle(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => this.hooks.onInternalError(e));
    } catch (e) {
      this.hooks.onInternalError(e);
    }
  }
}
