// GET /api/v1/quarantine, called directly with a Request on a real Postgres primed as the
// process-wide store: the records the database rejected, with the same filters, paging and error
// rules as /api/v1/terminations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listQuarantine } from "../../app/api/v1/quarantine/route.ts";
import { primeStore, recordTerminations, type QuarantinedRecord, type Store } from "../../lib/store/index.ts";
import { migratedStore, sql } from "../helpers/db.ts";
import { cleanRecord } from "../store/fixtures.ts";

let store: Store;
let url: string;
let cleanup: () => Promise<void>;

const req = (path: string) => new Request(`http://drainwatch.test${path}`);
/** Postgres cannot hold a lone surrogate: each of these is quarantined (22P02). */
const bad = (i: number, over: Parameters<typeof cleanRecord>[0] = {}) => cleanRecord({ podUid: `q-${i}`, pod: `pod-${i}-\udc00`, ...over });

type Item = QuarantinedRecord;

beforeAll(async () => {
  ({ store, url, cleanup } = await migratedStore());
  const records = [
    ...Array.from({ length: 5 }, (_, i) => bad(i)),
    bad(10, { cluster: "east", namespace: "shop" }),
    bad(11, { cluster: "east", namespace: "payments" }),
    cleanRecord({ podUid: "fine" }),
  ];
  expect((await recordTerminations(store, records)).quarantined).toHaveLength(7);
  // Spread the rejection times: q-0 an hour ago … q-4 now-ish, the east ones two days ago.
  await sql(url, `UPDATE quarantined_records SET last_seen_at = now() - (substring(pod_uid from 3)::int * interval '1 minute'),
    first_seen_at = now() - interval '3 days' WHERE cluster = 'default'`);
  await sql(url, `UPDATE quarantined_records SET last_seen_at = now() - interval '2 days', first_seen_at = now() - interval '3 days' WHERE cluster = 'east'`);
  primeStore(store);
});
afterAll(async () => {
  primeStore(null, "test over");
  await cleanup?.();
});

async function page(path: string): Promise<{ items: Item[]; nextCursor: string | null }> {
  const res = await listQuarantine(req(path));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as { items: Item[]; nextCursor: string | null };
}

async function expectError(path: string, status: number, code: string, mentions: string): Promise<void> {
  const res = await listQuarantine(req(path));
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toContain(mentions);
}

describe("GET /api/v1/quarantine", () => {
  it("lists every rejected record, newest rejection first, with its error and the record as sent", async () => {
    const { items, nextCursor } = await page("/api/v1/quarantine");
    // The east ones share their time: then by key (md5), descending.
    expect(items.map((i) => i.podUid).slice(0, 5)).toEqual(["q-0", "q-1", "q-2", "q-3", "q-4"]);
    expect(items.map((i) => i.podUid).slice(5).sort()).toEqual(["q-10", "q-11"]);
    expect(nextCursor).toBeNull();
    const first = items[0]!;
    expect(first).toMatchObject({ cluster: "default", namespace: "payments", pod: "pod-0-\ufffd", workload: { kind: "StatefulSet", name: "ledger" }, sqlState: "22P02", attempts: 1 });
    expect(first.error).toBe("invalid input syntax for type json");
    expect(first.record).toStrictEqual(bad(0));
    expect(Date.parse(first.firstSeenAt)).toBeLessThan(Date.parse(first.lastSeenAt));
  });

  it("filters by cluster, namespace and time range (when last rejected)", async () => {
    expect((await page("/api/v1/quarantine?cluster=east")).items.map((i) => i.podUid).sort()).toEqual(["q-10", "q-11"]);
    expect((await page("/api/v1/quarantine?cluster=east&namespace=shop")).items.map((i) => i.podUid)).toEqual(["q-10"]);
    expect((await page("/api/v1/quarantine?since=150s")).items.map((i) => i.podUid)).toEqual(["q-0", "q-1", "q-2"]);
    expect((await page("/api/v1/quarantine?since=3d&until=1d")).items.map((i) => i.podUid).sort()).toEqual(["q-10", "q-11"]);
    expect((await page("/api/v1/quarantine?cluster=nope")).items).toEqual([]);
    // Empty means unset (as HTML forms send it).
    expect((await page("/api/v1/quarantine?cluster=&namespace=")).items).toHaveLength(7);
  });

  it("pages with limit and nextCursor, every record exactly once", async () => {
    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 10; i++) {
      const p = await page(`/api/v1/quarantine?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(p.items.length).toBeLessThanOrEqual(2);
      seen.push(...p.items.map((x) => x.podUid));
      if (p.nextCursor === null) break;
      cursor = p.nextCursor;
    }
    expect(seen).toEqual((await page("/api/v1/quarantine")).items.map((i) => i.podUid));
  });

  it("a bad parameter is a 400 naming it; the store unavailable is a JSON 503", async () => {
    await expectError("/api/v1/quarantine?limit=0", 400, "bad_request", '"limit"');
    await expectError("/api/v1/quarantine?limit=abc", 400, "bad_request", '"limit"');
    await expectError("/api/v1/quarantine?since=yesterday", 400, "bad_request", '"since"');
    await expectError("/api/v1/quarantine?since=1h&until=2h", 400, "bad_request", '"until"');
    await expectError("/api/v1/quarantine?cursor=garbage", 400, "bad_request", '"cursor"');
    await expectError("/api/v1/quarantine?cluster=a&cluster=b", 400, "bad_request", '"cluster"');
    primeStore(null, "the database is starting");
    try {
      await expectError("/api/v1/quarantine", 503, "unavailable", "starting");
    } finally {
      primeStore(store);
    }
  });
});
