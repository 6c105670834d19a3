// Leader election without clock trust, against the sandbox cluster's Lease API over real HTTP:
// two replicas whose wall clocks differ by two minutes (one 60 s ahead, one 60 s behind: what
// they write as renewTime) never lead at the same moment (both sampled every 50 ms), a killed
// leader is replaced within lease + 2 × retry of its last renewal and not before a lease duration,
// and a leader cut off from the API by a partition (a TCP proxy between it and the sandbox) steps
// down by its renew deadline, before the follower takes over within the same bound.
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLeaderElection, type LeaderElection } from "../../lib/leader/lease.ts";
import { leaseSchema } from "../../lib/leader/lease-record.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { kubeconfig, startSandbox, type Sandbox } from "../../lib/sandbox/index.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { kubeConfigOf, sleep, until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
// Scaled down 4x from the defaults: lease 3 s, renew 1 s, deadline 2 s, retry 0.5 s.
const T = { leaseDurationMs: 3000, renewIntervalMs: 1000, renewDeadlineMs: 2000, retryIntervalMs: 500 };
/** Takeover bound from the leader's last renewal: lease + 2 × retry, plus request time on a busy machine. */
const BOUND_MS = T.leaseDurationMs + 2 * T.retryIntervalMs + 400;
const SKEW_MS = 60_000;
const NS = "drainwatch";

let sb: Sandbox;
const electors: LeaderElection[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  sb = await startSandbox({ scenario: "name: leases\ntimeScale: 1\nnamespaces: [drainwatch]\n" });
});
afterAll(() => sb?.close());
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop({ release: false })));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

interface Replica {
  e: LeaderElection;
  started: number[];
  stopped: number[];
}

function replica(id: string, lease: string, clockOffsetMs: number, kc: KubeConfig = kubeConfigOf(sb)): Replica {
  const r: Replica = { e: null as unknown as LeaderElection, started: [], stopped: [] };
  r.e = startLeaderElection({
    ...T,
    kubeConfig: kc,
    namespace: NS,
    name: lease,
    identity: id,
    clockOffsetMs,
    metrics: createMetrics(),
    log: quiet,
    onStartedLeading: () => void r.started.push(Date.now()),
    onStoppedLeading: () => void r.stopped.push(Date.now()),
  });
  electors.push(r.e);
  return r;
}

/** Samples both replicas' isLeader every 50 ms; `overlaps` counts samples where both lead. */
function sampler(a: Replica, b: Replica): { samples: number; overlaps: number; stop(): void } {
  const s = {
    samples: 0,
    overlaps: 0,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    s.samples++;
    if (a.e.isLeader() && b.e.isLeader()) s.overlaps++;
  }, 50);
  return s;
}

async function readLease(name: string) {
  const res = await fetch(`${sb.url}/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${name}`);
  return leaseSchema.parse(await res.json());
}

/** Waits for the next renewal of `name` (a new resourceVersion) and returns when it was seen. */
async function nextRenewal(name: string): Promise<number> {
  const before = (await readLease(name)).metadata.resourceVersion;
  for (let i = 0; i < 200; i++) {
    await sleep(10);
    if ((await readLease(name)).metadata.resourceVersion !== before) return Date.now();
  }
  throw new Error("no renewal within 2 s");
}

describe("leader election with clocks two minutes apart (sandbox Lease API)", () => {
  for (const [order, leaderOffset] of [
    ["the leader's clock 60 s behind the follower's", -SKEW_MS],
    ["the leader's clock 60 s ahead of the follower's", +SKEW_MS],
  ] as const) {
    it(`${order}: no overlap while it renews, and a takeover within the bound after it is killed`, async () => {
      const lease = `skew${leaderOffset > 0 ? "ahead" : "behind"}`;
      const a = replica("a", lease, leaderOffset);
      await until(() => a.e.isLeader(), 3000, "a leads");
      const b = replica("b", lease, -leaderOffset);
      const s = sampler(a, b);
      try {
        // The skew is real: a writes renewTime by its own clock.
        const renew = Date.parse((await readLease(lease)).spec?.renewTime ?? "");
        expect(Math.abs(renew - (Date.now() + leaderOffset))).toBeLessThan(T.renewIntervalMs + 500);

        // Three lease durations of renewals: b never takes it (behind: the renewTime it reads is
        // two minutes old by its clock; ahead: two minutes in its future).
        await sleep(3 * T.leaseDurationMs);
        expect(a.e.isLeader()).toBe(true);
        expect(b.e.isLeader()).toBe(false);
        expect(b.started).toEqual([]);

        // Killed right after a renewal: stops renewing, no release (SIGKILL keeps the Lease).
        const renewed = await nextRenewal(lease);
        await a.e.stop({ release: false });
        await until(() => b.e.isLeader(), BOUND_MS + 2000, "b takes over");
        const takeover = b.started[0]!;
        // Not before a whole lease duration of b's clock since it saw the last renewal, and
        // within lease + 2 × retry of that renewal.
        expect(takeover - renewed).toBeGreaterThanOrEqual(T.leaseDurationMs - 50);
        expect(takeover - renewed).toBeLessThanOrEqual(BOUND_MS);
        expect((await readLease(lease)).spec?.holderIdentity).toBe("b");
        expect((await readLease(lease)).spec?.leaseTransitions).toBe(1);
      } finally {
        s.stop();
      }
      expect(s.samples).toBeGreaterThan(100);
      expect(s.overlaps).toBe(0);
    }, 30_000);
  }

  it("a partition: the leader's requests fail, it steps down by its renew deadline, then the follower takes over within the bound", async () => {
    const lease = "partition";
    // The leader reaches the sandbox only through a proxy the test can cut; its clock is behind
    // the follower's, the order in which judging by renewTime would let the follower in at once.
    const proxy = await startTcpProxy(sb.port);
    proxies.push(proxy);
    const kcA = new KubeConfig();
    kcA.loadFromString(kubeconfig(proxy.url));
    const a = replica("a", lease, -SKEW_MS, kcA);
    await until(() => a.e.isLeader(), 3000, "a leads");
    const b = replica("b", lease, +SKEW_MS);
    const s = sampler(a, b);
    try {
      await sleep(2 * T.leaseDurationMs);
      expect([a.e.isLeader(), b.e.isLeader()]).toEqual([true, false]);
      expect(proxy.connections()).toBeGreaterThan(0);

      const renewed = await nextRenewal(lease);
      proxy.cut();
      const cut = Date.now();
      await until(() => b.e.isLeader(), BOUND_MS + 2000, "b takes over");
      const takeover = b.started[0]!;
      // The old leader stopped on its own, by its renew deadline (counted from its last
      // successful renewal, at or before the cut), and before b started.
      expect(a.stopped).toHaveLength(1);
      expect(a.stopped[0]! - renewed).toBeLessThanOrEqual(T.renewDeadlineMs + 200);
      expect(a.stopped[0]!).toBeLessThan(takeover);
      expect(takeover - a.stopped[0]!).toBeGreaterThanOrEqual(T.leaseDurationMs - T.renewDeadlineMs - 200);
      expect(takeover - renewed).toBeLessThanOrEqual(BOUND_MS);
      expect(takeover - cut).toBeLessThanOrEqual(BOUND_MS);

      // Still cut off: a stays a follower (it cannot even read the Lease).
      await sleep(T.leaseDurationMs);
      expect(a.e.isLeader()).toBe(false);
      // Healed: a sees b renewing and follows; it does not fight for the Lease.
      proxy.heal();
      await sleep(2 * T.leaseDurationMs);
      expect([a.e.isLeader(), b.e.isLeader()]).toEqual([false, true]);
      expect(a.started).toHaveLength(1);
      expect((await readLease(lease)).spec?.holderIdentity).toBe("b");
    } finally {
      s.stop();
    }
    expect(s.overlaps).toBe(0);
  }, 40_000);
});
