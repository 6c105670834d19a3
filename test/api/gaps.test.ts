// GET /api/v1/gaps, the route handler called with a Request on a real Postgres primed as the
// process-wide store (as serve does): filters with the terminations list's rules (contract §4),
// 400s naming the parameter, JSON everywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as catchAll } from "../../app/api/v1/[...path]/route.ts";
import { GET as listGaps } from "../../app/api/v1/gaps/route.ts";
import { parseGapsQuery } from "../../lib/api/index.ts";
import { primeStore, recordGap, type CoverageGap, type Store } from "../../lib/store/index.ts";
import { migratedStore } from "../helpers/db.ts";

let store: Store;
let cleanup: () => Promise<void>;
const BASE = "http://drainwatch.test";
const req = (path: string) => new Request(`${BASE}${path}`);
const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000);

const gaps: CoverageGap[] = [
  { cluster: "prod", resource: "pods", from: ago(3600), to: ago(3586), reason: "history-expired" },
  { cluster: "prod", resource: "events", from: ago(600), to: ago(540), reason: "watch-expired" },
  { cluster: "staging", resource: "pods", from: ago(10 * 86400), to: ago(10 * 86400 - 2.5), reason: "no-checkpoint" },
];

beforeAll(async () => {
  ({ store, cleanup } = await migratedStore());
  for (const g of gaps) await recordGap(g, store);
  primeStore(store);
});
afterAll(async () => {
  primeStore(null, "test over");
  await cleanup?.();
});

interface Body {
  items: { cluster: string; resource: string; from: string; to: string; seconds: number; reason: string }[];
  truncated: boolean;
}

async function body(res: Response): Promise<unknown> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json();
}

async function ok(path: string): Promise<Body> {
  const res = await listGaps(req(path));
  expect(res.status, path).toBe(200);
  return (await body(res)) as Body;
}

async function expectError(res: Response, status: number, code: string, mentions: string): Promise<void> {
  expect(res.status).toBe(status);
  const b = (await body(res)) as { error: { code: string; message: string } };
  expect(b.error.code).toBe(code);
  expect(b.error.message).toContain(mentions);
}

describe("GET /api/v1/gaps", () => {
  it("every gap, newest first, with from/to in RFC 3339 and their length in seconds", async () => {
    const b = await ok("/api/v1/gaps");
    expect(b.truncated).toBe(false);
    expect(b.items).toEqual([
      { cluster: "prod", resource: "events", from: ago(600).toISOString(), to: ago(540).toISOString(), seconds: 60, reason: "watch-expired" },
      { cluster: "prod", resource: "pods", from: ago(3600).toISOString(), to: ago(3586).toISOString(), seconds: 14, reason: "history-expired" },
      { cluster: "staging", resource: "pods", from: ago(864000).toISOString(), to: ago(863997.5).toISOString(), seconds: 2.5, reason: "no-checkpoint" },
    ]);
    expect(b.items[0]!.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("filters by cluster and by a range (durations or RFC 3339, inclusive)", async () => {
    expect((await ok("/api/v1/gaps?cluster=staging")).items.map((g) => g.reason)).toEqual(["no-checkpoint"]);
    expect((await ok("/api/v1/gaps?since=1h")).items.map((g) => g.resource)).toEqual(["events", "pods"]);
    expect((await ok("/api/v1/gaps?since=15m&cluster=prod")).items.map((g) => g.resource)).toEqual(["events"]);
    // Exactly at a gap's end and start: inclusive.
    const end = encodeURIComponent(ago(3586).toISOString());
    expect((await ok(`/api/v1/gaps?since=${end}&until=${encodeURIComponent(ago(1000).toISOString())}`)).items.map((g) => g.reason)).toEqual(["history-expired"]);
    expect((await ok(`/api/v1/gaps?since=2h&until=${encodeURIComponent(ago(600).toISOString())}`)).items.map((g) => g.reason)).toEqual(["watch-expired", "history-expired"]);
    expect((await ok("/api/v1/gaps?since=1d&until=2h")).items).toEqual([]);
    // Empty values are unset; unknown parameters are ignored.
    expect((await ok("/api/v1/gaps?cluster=&since=&colour=blue")).items).toHaveLength(3);
  });

  it("400 naming the parameter: bad times, until before since, a repeated parameter", async () => {
    await expectError(await listGaps(req("/api/v1/gaps?since=yesterday")), 400, "bad_request", '"since"');
    await expectError(await listGaps(req("/api/v1/gaps?until=2026-02-30T00:00:00Z")), 400, "bad_request", '"until"');
    await expectError(await listGaps(req("/api/v1/gaps?since=1h&until=2h")), 400, "bad_request", '"until"');
    await expectError(await listGaps(req("/api/v1/gaps?cluster=a&cluster=b")), 400, "bad_request", '"cluster"');
  });

  it("a path below it is a JSON 404", async () => {
    await expectError(await catchAll(req("/api/v1/gaps/prod")), 404, "not_found", "/api/v1/gaps/prod");
  });

  it("the store unreachable is a JSON 503", async () => {
    primeStore(null, "the database is restarting");
    try {
      await expectError(await listGaps(req("/api/v1/gaps")), 503, "unavailable", "the database is restarting");
    } finally {
      primeStore(store);
    }
  });
});

describe("parseGapsQuery", () => {
  it("reads cluster, since and until the way the terminations list does", () => {
    const at = new Date("2026-12-01T16:00:00Z");
    expect(parseGapsQuery(new URLSearchParams("cluster=prod&since=90s&until=2026-12-01T15:59:50.5Z"), at)).toEqual({
      cluster: "prod",
      since: new Date("2026-12-01T15:58:30Z"),
      until: new Date("2026-12-01T15:59:50.500Z"),
    });
    expect(parseGapsQuery(new URLSearchParams(""), at)).toEqual({});
  });
});
