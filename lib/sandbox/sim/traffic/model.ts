// The clients of one workload, as a function of virtual time (pure: no clock, no store). Requests
// arrive evenly (rps per second, the last at each whole second) and go round robin to the
// endpoints the clients believe in: the EndpointSlice as it was `propagationDelay` ago (kube-proxy
// or mesh lag): ready ones, else serving-and-terminating ones (kube-proxy's fallback, reference
// §4.2), else none (503 UH). What the pod's app does decides the answer:
// - listener closed (at SIGTERM when the app closes it then, or once the container is gone):
//   the connection is refused → 503 UF at the client's proxy, counted on arrival;
// - accepted: in flight for requestSeconds, 200 on completion, unless the app abandons it at
//   SIGTERM (no in-flight drain) or the container stops first (SIGKILL, OOM kill, exit, force
//   delete, the proxy sidecar exiting) → 503 UC, counted then.
// Counts are emitted per (code, flags) with the virtual time they happen at; callers aggregate
// them per tick. Callers must call advance(t) up to every change they apply at t, in time order.
import type { ClientsConfig } from "../../scenario.ts";

export interface ClientEndpoint {
  uid: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export type Outcome = { code: "200"; flags: "-" } | { code: "503"; flags: "UF" | "UC" | "UH" };

export type Emit = (at: number, outcome: Outcome, count: number) => void;

const OK: Outcome = { code: "200", flags: "-" };
const REFUSED: Outcome = { code: "503", flags: "UF" };
const RESET: Outcome = { code: "503", flags: "UC" };
const NO_UPSTREAM: Outcome = { code: "503", flags: "UH" };

interface PodTraffic {
  listening: boolean;
  /** Accepted requests by completion time, ascending (arrivals are in time order). */
  inFlight: { completeAt: number; count: number }[];
}

export class WorkloadClients {
  private readonly views: { at: number; endpoints: readonly ClientEndpoint[] }[] = [{ at: -Infinity, endpoints: [] }];
  private readonly pods = new Map<string, PodTraffic>();
  private readonly periodMs: number;
  private readonly requestMs: number;
  private readonly delayMs: number;
  /** The next arrival: its second (virtual epoch ms of the whole second it ends) and index in it. */
  private second = Infinity;
  private index = 0;
  private roundRobin = 0;
  /** -Infinity until settled: no requests before the cluster is set up. */
  private advancedTo = -Infinity;

  constructor(
    private readonly config: ClientsConfig,
    private readonly emit: Emit,
  ) {
    this.periodMs = 1000 / config.rps;
    this.requestMs = config.requestSeconds * 1000;
    this.delayMs = config.propagationDelaySeconds * 1000;
  }

  /** The workload's EndpointSlice changed at `at`; clients route by it from at + propagation delay. */
  setEndpoints(at: number, endpoints: readonly ClientEndpoint[]): void {
    this.views.push({ at: at + this.delayMs, endpoints: endpoints.map((e) => ({ ...e })) });
  }

  /**
   * The cluster is set up at `at` ("up for a day"): every client already knows the slice as it is,
   * and requests start arriving in the next second.
   */
  settled(at: number): void {
    const newest = this.views[this.views.length - 1]!;
    this.views.length = 0;
    this.views.push({ at: -Infinity, endpoints: newest.endpoints });
    this.second = Math.floor(at / 1000) * 1000 + 1000;
    this.index = 0;
    this.advancedTo = at;
  }

  /** The pod's serving container got SIGTERM at `at`. */
  sigterm(uid: string, at: number, app: { closesListener: boolean; drainsInFlight: boolean }): void {
    this.advance(at);
    const pod = this.pod(uid);
    if (app.closesListener) pod.listening = false;
    if (!app.drainsInFlight) this.fail(pod, at);
  }

  /** The pod stopped serving at `at` (its app or proxy container is gone): in-flight requests fail. */
  stop(uid: string, at: number): void {
    this.advance(at);
    const pod = this.pod(uid);
    pod.listening = false;
    this.fail(pod, at);
  }

  /** Plays arrivals and completions up to and including `to`. */
  advance(to: number): void {
    if (to <= this.advancedTo || this.advancedTo === -Infinity) return;
    for (;;) {
      const t = this.second - 1000 + (this.index + 1) * this.periodMs;
      if (t > to) break;
      this.complete(t);
      this.arrive(t);
      if (++this.index >= this.config.rps) {
        this.index = 0;
        this.second += 1000;
      }
    }
    this.complete(to);
    this.advancedTo = to;
    this.forgetIdle(to);
  }

  private pod(uid: string): PodTraffic {
    let p = this.pods.get(uid);
    if (!p) this.pods.set(uid, (p = { listening: true, inFlight: [] }));
    return p;
  }

  private view(t: number): readonly ClientEndpoint[] {
    // The newest view in effect at t (views are pushed in time order).
    for (let i = this.views.length - 1; i >= 0; i--) if (this.views[i]!.at <= t) return this.views[i]!.endpoints;
    return [];
  }

  private arrive(t: number): void {
    const endpoints = this.view(t);
    let candidates = endpoints.filter((e) => e.ready);
    if (candidates.length === 0) candidates = endpoints.filter((e) => e.serving && e.terminating);
    if (candidates.length === 0) return this.emit(t, NO_UPSTREAM, 1);
    const target = candidates[this.roundRobin++ % candidates.length]!;
    const pod = this.pod(target.uid);
    if (!pod.listening) return this.emit(t, REFUSED, 1);
    const completeAt = t + this.requestMs;
    const last = pod.inFlight[pod.inFlight.length - 1];
    if (last && last.completeAt === completeAt) last.count++;
    else pod.inFlight.push({ completeAt, count: 1 });
  }

  /** Completes every in-flight request due at or before t (200, at its completion time). */
  private complete(t: number): void {
    for (const pod of this.pods.values()) {
      while (pod.inFlight.length > 0 && pod.inFlight[0]!.completeAt <= t) {
        const done = pod.inFlight.shift()!;
        this.emit(done.completeAt, OK, done.count);
      }
    }
  }

  private fail(pod: PodTraffic, at: number): void {
    const lost = pod.inFlight.reduce((n, r) => n + r.count, 0);
    pod.inFlight.length = 0;
    if (lost > 0) this.emit(at, RESET, lost);
  }

  /** Drops views superseded before `to`, and pods with nothing in flight that no view routes to. */
  private forgetIdle(to: number): void {
    let keep = 0;
    while (keep + 1 < this.views.length && this.views[keep + 1]!.at <= to) keep++;
    if (keep > 0) this.views.splice(0, keep);
    if (this.pods.size === 0) return;
    const routed = new Set<string>();
    for (const v of this.views) for (const e of v.endpoints) routed.add(e.uid);
    for (const [uid, p] of this.pods) if (p.inFlight.length === 0 && !routed.has(uid)) this.pods.delete(uid);
  }
}
