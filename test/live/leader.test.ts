// Leader election with two electors against the fake API server's Lease endpoints.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startLeaderElection, type LeaderElection } from "../../lib/leader/lease.ts";
import { currentHolder, leaseSchema, observe } from "../../lib/leader/lease-record.ts";
import { createMetrics } from "../../lib/metrics/registry.ts";
import { startFakeApiServer, type FakeApiServer } from "./fake-apiserver.ts";
import { until } from "./fixtures.ts";

const quiet = pino({ level: "silent" });
// Scaled down 5x: lease 3 s, renew 1 s, deadline 2 s, retry 0.4 s.
const TIMING = { leaseDurationMs: 3000, renewIntervalMs: 1000, renewDeadlineMs: 2000, retryIntervalMs: 400 };

let api: FakeApiServer;
const electors: LeaderElection[] = [];

interface Log {
  started: number[];
  stopped: number[];
}

function elector(id: string, log: Log, timing: Partial<typeof TIMING> = TIMING): LeaderElection {
  const e = startLeaderElection({
    ...timing,
    kubeConfig: api.kubeConfig(`token-${id}`),
    namespace: "drainwatch",
    identity: id,
    metrics: createMetrics(),
    log: quiet,
    onStartedLeading: () => void log.started.push(Date.now()),
    onStoppedLeading: () => void log.stopped.push(Date.now()),
  });
  electors.push(e);
  return e;
}

beforeEach(async () => {
  api = await startFakeApiServer();
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop({ release: false })));
  await api.close();
});

describe("leader election", () => {
  it("exactly one of two electors leads, and keeps leading while it renews", async () => {
    const la: Log = { started: [], stopped: [] };
    const lb: Log = { started: [], stopped: [] };
    const a = elector("a", la);
    const b = elector("b", lb);
    await until(() => a.isLeader() || b.isLeader(), 3000, "a leader");
    for (let i = 0; i < 10; i++) {
      expect(Number(a.isLeader()) + Number(b.isLeader())).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(la.started.length + lb.started.length).toBe(1);
    expect(la.stopped.length + lb.stopped.length).toBe(0);
    const lease = leaseSchema.parse(api.lease("drainwatch", "drainwatch-ingester"));
    expect(lease.spec?.holderIdentity).toBe(a.isLeader() ? "a" : "b");
    expect(lease.spec?.leaseDurationSeconds).toBe(3);
    expect(lease.spec?.renewTime).toMatch(/\.\d{6}Z$/);
  });

  it("a partitioned leader stops at once; the follower takes over within the lease duration, after it stopped", async () => {
    const la: Log = { started: [], stopped: [] };
    const lb: Log = { started: [], stopped: [] };
    const a = elector("a", la);
    await until(() => a.isLeader(), 3000, "a leads");
    const b = elector("b", lb);
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader()).toBe(false);

    const cut = Date.now();
    api.block("token-a"); // a can no longer renew
    await until(() => b.isLeader(), TIMING.leaseDurationMs + 2000, "b takes over");
    const takeover = lb.started[0]!;
    expect(la.stopped).toHaveLength(1);
    expect(a.isLeader()).toBe(false);
    // The old leader stopped before the new one started, and no later than the renew deadline.
    expect(la.stopped[0]!).toBeLessThan(takeover);
    expect(la.stopped[0]! - cut).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 100);
    expect(takeover - cut).toBeLessThanOrEqual(TIMING.leaseDurationMs + 2 * TIMING.retryIntervalMs + 500);

    // a comes back: it follows, it does not fight b.
    api.unblock("token-a");
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(true);
  });

  it("a leader that stops releases the lease; the follower takes over at its next retry", async () => {
    const la: Log = { started: [], stopped: [] };
    const lb: Log = { started: [], stopped: [] };
    const a = elector("a", la);
    await until(() => a.isLeader(), 3000, "a leads");
    const b = elector("b", lb);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await a.stop();
    expect(la.stopped).toHaveLength(1);
    await until(() => b.isLeader(), 2000, "b takes over");
    expect(Date.now() - t0).toBeLessThan(TIMING.leaseDurationMs);
  });

  it("judges expiry by when the record was last seen to change on the local clock, never by renewTime", () => {
    const at = (rv: string, renewTime: string, holder = "a") =>
      leaseSchema.parse({ metadata: { name: "x", resourceVersion: rv }, spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime } });
    // A renewTime an hour in the past (a writer whose clock is behind) is not expired: it just changed.
    let o = observe(null, at("1", "2020-01-01T00:00:00.000000Z"), 1_000, 12);
    expect(currentHolder(o, 1_000 + 15_000)).toBe("a");
    expect(currentHolder(o, 1_000 + 15_001)).toBeNull();
    // Reading the same record again does not restart the count; any change does.
    expect(observe(o, at("1", "2020-01-01T00:00:00.000000Z"), 9_000, 12)).toBe(o);
    o = observe(o, at("2", "2020-01-01T00:00:04.000000Z"), 9_000, 12);
    expect(currentHolder(o, 1_000 + 15_001)).toBe("a");
    expect(currentHolder(o, 9_000 + 15_001)).toBeNull();
    // A renewTime far in the future (a writer whose clock is ahead) expires on the same schedule.
    o = observe(null, at("3", "2099-01-01T00:00:00.000000Z"), 0, 12);
    expect(currentHolder(o, 15_001)).toBeNull();
    // No holder: free at once. No duration in the record: ours.
    expect(currentHolder(observe(null, at("4", "2026-01-01T00:00:00.000000Z", ""), 0, 12), 0)).toBeNull();
    const bare = observe(null, leaseSchema.parse({ metadata: { name: "x", resourceVersion: "5" }, spec: { holderIdentity: "b" } }), 0, 12);
    expect([currentHolder(bare, 12_000), currentHolder(bare, 12_001)]).toEqual(["b", null]);
  });

  it("with the default timings, a leader that dies is replaced within lease + 2 × retry (16 s) of its last renewal", async () => {
    const la: Log = { started: [], stopped: [] };
    const lb: Log = { started: [], stopped: [] };
    const a = elector("a", la, {});
    await until(() => a.isLeader(), 5000, "a leads");
    const b = elector("b", lb, {});
    // Die right after a renewal: the worst case for the follower.
    const renewed = () => leaseSchema.parse(api.lease("drainwatch", "drainwatch-ingester")).spec?.renewTime;
    const before = renewed();
    await until(() => renewed() !== before, 6000, "a renews");
    const died = Date.now();
    api.block("token-a");
    await until(() => b.isLeader(), 18_000, "b takes over");
    expect(lb.started[0]! - died).toBeLessThan(16_500);
    expect(la.stopped[0]!).toBeLessThan(lb.started[0]!);
  }, 25_000);
});
