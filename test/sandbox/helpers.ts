// Raw HTTP list+watch against the sandbox, recording every watch event with the sandbox's
// virtual time (what the tracker's clock must follow) and its resourceVersion.
import type { Fact, WatchType } from "../../lib/tracker/fact.ts";
import type { Sandbox } from "../../lib/sandbox/index.ts";

export interface Seen {
  path: string;
  type: WatchType;
  object: { kind: string; metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };
  /** virtual epoch ms at receipt */
  at: number;
  rv: number;
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

/** Streams newline-delimited JSON watch events until aborted or the server ends the stream. */
export async function streamLines(url: string, onLine: (line: Record<string, unknown>) => void, signal: AbortSignal, headers?: Record<string, string>): Promise<number> {
  const res = await fetch(url, { signal, headers });
  if (!res.body) return res.status;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) onLine(JSON.parse(line) as Record<string, unknown>);
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
  return res.status;
}

export const WATCHED = [
  "/apis/apps/v1/deployments",
  "/apis/apps/v1/replicasets",
  "/apis/apps/v1/statefulsets",
  "/apis/apps/v1/daemonsets",
  "/apis/batch/v1/jobs",
  "/api/v1/pods",
  "/api/v1/events",
  "/apis/discovery.k8s.io/v1/endpointslices",
];

/** Lists, then watches from the list's resourceVersion, every path; all events land in `seen`. */
export async function recordTraffic(sb: Sandbox, paths = WATCHED): Promise<{ seen: Seen[]; stop: () => void }> {
  const seen: Seen[] = [];
  const ctrl = new AbortController();
  for (const path of paths) {
    const { body } = await getJson<{ metadata: { resourceVersion: string }; items: Seen["object"][] }>(sb.url + path);
    const at = sb.now();
    for (const object of body.items) seen.push({ path, type: "ADDED", object, at, rv: Number(object.metadata.resourceVersion) });
    void streamLines(
      `${sb.url}${path}?watch=true&resourceVersion=${body.metadata.resourceVersion}`,
      (line) => {
        const object = line.object as Seen["object"];
        seen.push({ path, type: line.type as WatchType, object, at: sb.now(), rv: Number(object.metadata.resourceVersion) });
      },
      ctrl.signal,
    );
  }
  return { seen, stop: () => ctrl.abort() };
}

/**
 * Facts for the tracker in the API server's global order (resourceVersion, as etcd's revision
 * orders them), stamped with virtual time that never goes back.
 */
/**
 * Waits (bounded) until the watch has delivered the end of every given pod: its DELETED event or
 * a terminal phase. The simulator knows a pod ended before its watch events reach us, and on a
 * busy machine that gap is not small.
 */
export async function waitForEnds(seen: readonly Seen[], uids: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ended = (uid: string) =>
    seen.some((s) => s.object.kind === "Pod" && s.object.metadata.uid === uid && (s.type === "DELETED" || isTerminal(s.object)));
  while (!uids.every(ended)) {
    if (Date.now() > deadline) throw new Error(`watch did not deliver the end of ${uids.filter((u) => !ended(u)).join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isTerminal(object: Seen["object"]): boolean {
  const phase = (object.status as { phase?: string } | undefined)?.phase;
  return phase === "Failed" || phase === "Succeeded";
}

export function factsInOrder(seen: readonly Seen[]): Fact[] {
  const sorted = [...seen].sort((a, b) => a.rv - b.rv);
  let last = -Infinity;
  return sorted.map((s) => {
    last = Math.max(last, s.at);
    return { at: last, type: s.type, object: s.object };
  });
}

export function podEvents(seen: readonly Seen[], podName: string): Seen[] {
  return seen.filter((s) => s.object.kind === "Pod" && s.object.metadata.name === podName);
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
