// Pure Lease logic for leader election: when a Lease may be taken, and the bodies to write.
// Times are epoch ms; MicroTime fields are written with 6 fractional digits as the API expects.
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

/** Who holds the lease now, or null when it is free (no holder, or expired at `now`). */
export function currentHolder(lease: Lease, now: number): string | null {
  const holder = lease.spec?.holderIdentity ?? "";
  if (holder === "") return null;
  const renew = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
  const duration = lease.spec?.leaseDurationSeconds ?? 0;
  // Expired when renewTime + duration < now. An unreadable renewTime counts as expired: a lease
  // nobody can judge must not block election forever.
  if (!Number.isFinite(renew) || renew + duration * 1000 < now) return null;
  return holder;
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
