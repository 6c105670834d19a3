// Leader election on a coordination.k8s.io/v1 Lease, so that exactly one ingester writes.
//
// Expiry is judged as client-go judges it, without trusting clocks to agree: each replica keeps
// the Lease record as it last saw it and the LOCAL MONOTONIC time at which it last saw it CHANGE
// (resourceVersion, holder, renewTime, transitions). The lease is free for it when that record
// has not changed for longer than leaseDurationSeconds of its own clock; the holder's renewTime
// is never compared with the local clock. Written times use the wall clock, for people to read.
//
// Timeline (defaults): the leader renews every 4 s; if it has not renewed for 8 s (renew
// deadline, its own monotonic clock, counted from when its last successful renewal was SENT) it
// steps down at once, calling onStoppedLeading, whether or not its requests are still hanging.
// A follower sees each renewal within one retry period (2 s here, serve: min(2 s, lease ÷ 7.5),
// 1.6 s) of it, and takes over once the record has stayed unchanged for 12 s (lease duration)
// of its own clock, checked every retry. So a dead or partitioned leader is replaced within
// lease + retry of the last change the follower observed, i.e. within lease + 2 × retry of its
// last renewal (15.2 s at serve's defaults), plus request time. The follower cannot have seen
// that renewal before it was sent, so it takes over at least 12 s after it, while the old leader
// stopped by 8 s: 4 s of margin against clocks that RUN at different rates; clocks that are
// merely SET differently (any offset) do not matter. Writes use the Lease's resourceVersion
// (optimistic concurrency): a 409 means another replica won the race. Records are upserted
// idempotently, so even an overlap would duplicate work, never data.
import os from "node:os";
import { randomBytes } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { log as rootLog } from "../log.ts";
import { getMetrics, type Metrics } from "../metrics/registry.ts";
import { kubeRequest, statusMessage } from "../sources/live/request.ts";
import { claimLease, currentHolder, leaseSchema, newLease, observe, releaseLease, type LeaseObservation } from "./lease-record.ts";

export const LEASE_NAME = "drainwatch-ingester";

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** drainwatch's own namespace (default: POD_NAMESPACE, else "default"). */
  namespace?: string;
  name?: string;
  /** Unique per replica (default: hostname-pid-random). */
  identity?: string;
  leaseDurationMs?: number;
  renewIntervalMs?: number;
  /** A leader that has not renewed for this long steps down (default 8 s; < leaseDurationMs). */
  renewDeadlineMs?: number;
  /** Follower poll and failed-renew retry period (default 2 s). */
  retryIntervalMs?: number;
  onStartedLeading: () => void | Promise<void>;
  /** Called at once when leadership is lost or given up: stop writing. */
  onStoppedLeading: () => void | Promise<void>;
  metrics?: Metrics;
  log?: Logger;
  /**
   * Added to this replica's wall clock where it WRITES times (renewTime, acquireTime): tests run
   * replicas whose clocks disagree. Expiry never reads the wall clock, so it changes no decision.
   */
  clockOffsetMs?: number;
}

export interface LeaderElection {
  readonly identity: string;
  isLeader(): boolean;
  /** True once the first acquire attempt has an answer (leading, following, or the API failing). */
  decided(): boolean;
  /**
   * Stops campaigning. A leader calls onStoppedLeading first (and waits for it), then releases
   * the lease (unless `release: false`) so that a follower takes over at its next retry.
   */
  stop(opts?: { release?: boolean }): Promise<void>;
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const namespace = opts.namespace ?? "default";
  const name = opts.name ?? LEASE_NAME;
  const identity = opts.identity ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const durationMs = opts.leaseDurationMs ?? 12_000;
  const durationSeconds = Math.max(1, Math.round(durationMs / 1000));
  const renewMs = opts.renewIntervalMs ?? 4_000;
  const retryMs = opts.retryIntervalMs ?? 2_000;
  const deadlineMs = Math.min(opts.renewDeadlineMs ?? 8_000, durationSeconds * 1000 - retryMs);
  const metrics = opts.metrics ?? getMetrics();
  const log = (opts.log ?? rootLog).child({ component: "leader", lease: `${namespace}/${name}`, identity });
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${base}/${encodeURIComponent(name)}`;
  const requestTimeoutMs = Math.max(500, Math.min(retryMs, deadlineMs / 2));
  const offsetMs = opts.clockOffsetMs ?? 0;
  /** This replica's wall clock (what it writes into the Lease). */
  const wall = (): number => Date.now() + offsetMs;
  /** Monotonic ms: every duration this replica judges (expiry, its own renew deadline). */
  const mono = (): number => performance.now();
  let observed: LeaseObservation | null = null;

  let leading = false;
  let decided = false;
  let stopped = false;
  let deadlineTimer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  // Leadership callbacks run one after another: a stop waits for the start before it.
  let callbacks: Promise<void> = Promise.resolve();

  const runCallback = (what: string, fn: () => void | Promise<void>): Promise<void> => {
    callbacks = callbacks.then(async () => {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, `${what} failed`);
      }
    });
    return callbacks;
  };

  const stepDown = (reason: string): void => {
    if (!leading) return;
    leading = false;
    if (deadlineTimer) clearTimeout(deadlineTimer);
    deadlineTimer = null;
    metrics.leader.set(0);
    log.warn({ reason }, "stopped leading");
    void runCallback("onStoppedLeading", opts.onStoppedLeading);
  };

  const renewed = (sentAt: number): void => {
    // The deadline counts from when the successful request was SENT: no follower can have seen
    // the renewal earlier, so none takes over before sentAt + lease duration.
    if (deadlineTimer) clearTimeout(deadlineTimer);
    const left = sentAt + deadlineMs - mono();
    deadlineTimer = setTimeout(() => stepDown(`no successful renewal for ${deadlineMs} ms`), Math.max(0, left));
  };

  /** What we wrote and the server answered: seen to change now. */
  const wrote = (body: unknown): void => {
    const parsed = leaseSchema.safeParse(body);
    if (parsed.success) observed = observe(observed, parsed.data, mono(), durationSeconds);
  };

  /** One acquire-or-renew attempt; true when we hold the lease afterwards. */
  const attempt = async (): Promise<boolean> => {
    const got = await kubeRequest(opts.kubeConfig, { path, timeoutMs: requestTimeoutMs });
    if (got.status === 404) {
      const created = await kubeRequest(opts.kubeConfig, {
        method: "POST",
        path: base,
        body: newLease(namespace, name, identity, durationSeconds, wall()),
        timeoutMs: requestTimeoutMs,
      });
      if (created.status === 201 || created.status === 200) {
        wrote(created.body);
        return true;
      }
      if (created.status === 409) return false; // another replica created it first
      throw new Error(`creating the lease: HTTP ${created.status} ${statusMessage(created.body)}`);
    }
    if (got.status !== 200) throw new Error(`reading the lease: HTTP ${got.status} ${statusMessage(got.body)}`);
    const parsed = leaseSchema.safeParse(got.body);
    if (!parsed.success) throw new Error("reading the lease: not a Lease");
    observed = observe(observed, parsed.data, mono(), durationSeconds);
    const holder = currentHolder(observed, mono());
    if (holder !== null && holder !== identity) return false;
    const put = await kubeRequest(opts.kubeConfig, {
      method: "PUT",
      path,
      body: claimLease(parsed.data, identity, durationSeconds, wall()),
      timeoutMs: requestTimeoutMs,
    });
    if (put.status === 200) {
      wrote(put.body);
      return true;
    }
    if (put.status === 409) return false; // lost the race (resourceVersion changed)
    throw new Error(`writing the lease: HTTP ${put.status} ${statusMessage(put.body)}`);
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopped) {
      const sentAt = mono();
      let ok = false;
      try {
        ok = await attempt();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err), leading }, "lease request failed");
      }
      if (stopped) break;
      decided = true;
      if (ok) {
        renewed(sentAt);
        if (!leading) {
          leading = true;
          metrics.leader.set(1);
          log.info("started leading");
          void runCallback("onStartedLeading", opts.onStartedLeading);
        }
      } else if (leading) {
        // Not renewed: keep retrying until the deadline timer steps down; a valid foreign holder
        // (seen only if our lease expired anyway) means we lost it already.
        if (mono() - sentAt >= deadlineMs) stepDown("renewal failed past the deadline");
      }
      await sleep(leading ? (ok ? renewMs : retryMs) : retryMs);
    }
  })();

  return {
    identity,
    isLeader: () => leading,
    decided: () => decided,
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      wake?.();
      await loop;
      const wasLeading = leading;
      stepDown("shutting down");
      await callbacks;
      if (wasLeading && stopOpts.release !== false) {
        try {
          const got = await kubeRequest(opts.kubeConfig, { path, timeoutMs: requestTimeoutMs });
          const parsed = leaseSchema.safeParse(got.body);
          if (got.status === 200 && parsed.success && parsed.data.spec?.holderIdentity === identity) {
            await kubeRequest(opts.kubeConfig, { method: "PUT", path, body: releaseLease(parsed.data, wall()), timeoutMs: requestTimeoutMs });
            log.info("lease released");
          }
        } catch (err) {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, "releasing the lease failed; it expires on its own");
        }
      }
    },
  };
}
