// Pure Lease logic for leader election: when a Lease may be taken, and the bodies to write.
// Written times are epoch ms of the writer's wall clock (MicroTime, 6 fractional digits, as the API
// expects); expiry is judged on the reader's monotonic clock (LeaseObservation), never from them.
import { z } from "zod";

export const leaseSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional(), resourceVersion: z.string().optional() }).loose(),
  spec: z
    .object({
      holderIdentity: z.string().nullable().optional(),
      leaseDurationSeconds: z.number().nullable().optional(),
      acquireTime: z.string().nullable().optional(),
      renewTime: z.string().nullable().optional(),
      leaseTransitions: z.number().nullable().optional(),
    })
    .loose()
    .optional(),
});

export type Lease = z.infer<typeof leaseSchema>;

export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

/**
 * The Lease as this replica last saw it, and the LOCAL MONOTONIC time (ms) at which it was last
 * seen to change. A holder that is alive keeps changing the record (renewTime, resourceVersion);
 * a record unchanged for a whole lease duration of our own clock means the holder stopped. The
 * holder's renewTime is never compared with our clock: the two clocks need not agree.
 */
export interface LeaseObservation {
  /** What identifies one version of the record (resourceVersion, holder, renewTime, transitions). */
  key: string;
  holder: string;
  /** The holder's promise, seconds; ours when the record has none. */
  durationSeconds: number;
  /** performance.now() when `key` was first seen. */
  at: number;
}

function recordKey(lease: Lease): string {
  const s = lease.spec;
  return JSON.stringify([lease.metadata.resourceVersion ?? "", s?.holderIdentity ?? "", s?.renewTime ?? "", s?.acquireTime ?? "", s?.leaseTransitions ?? 0]);
}

/** The observation after reading `lease` at monotonic time `now`: unchanged record, unchanged time. */
export function observe(prev: LeaseObservation | null, lease: Lease, now: number, fallbackDurationSeconds: number): LeaseObservation {
  const key = recordKey(lease);
  if (prev !== null && prev.key === key) return prev;
  return { key, holder: lease.spec?.holderIdentity ?? "", durationSeconds: lease.spec?.leaseDurationSeconds ?? fallbackDurationSeconds, at: now };
}

/**
 * Who holds the lease by our own clock, or null when it is free: no holder, or the record has
 * not changed for longer than its lease duration since we saw it change (`now` monotonic ms).
 */
export function currentHolder(o: LeaseObservation, now: number): string | null {
  if (o.holder === "") return null;
  if (now - o.at > o.durationSeconds * 1000) return null;
  return o.holder;
}

export function newLease(namespace: string, name: string, identity: string, durationSeconds: number, now: number): Record<string, unknown> {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace },
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    },
  };
}

/** The lease taken over (or renewed, when we already hold it) by `identity`. */
export function claimLease(lease: Lease, identity: string, durationSeconds: number, now: number): Record<string, unknown> {
  const spec = lease.spec ?? {};
  const renewing = spec.holderIdentity === identity;
  return {
    ...lease,
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    spec: {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: renewing ? (spec.acquireTime ?? microTime(now)) : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (renewing ? 0 : 1),
    },
  };
}

/** Given up on shutdown: no holder, so a follower takes it at its next retry. */
export function releaseLease(lease: Lease, now: number): Record<string, unknown> {
  return {
    ...lease,
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(now) },
  };
}
