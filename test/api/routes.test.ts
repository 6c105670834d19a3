// The /api/v1 route handlers, called directly with a Request (no server), on a real Postgres
// primed as the process-wide store, as serve does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as catchAll } from "../../app/api/v1/[...path]/route.ts";
import { GET as getTermination } from "../../app/api/v1/terminations/[podUid]/route.ts";
import { GET as listTerminations } from "../../app/api/v1/terminations/route.ts";
import { GET as getWorkload } from "../../app/api/v1/workloads/[cluster]/[namespace]/[kind]/[name]/route.ts";
import { GET as listWorkloads } from "../../app/api/v1/workloads/route.ts";
import { CSV_COLUMNS } from "../../lib/api/index.ts";
import { primeStore, recordTerminations, type Store } from "../../lib/store/index.ts";
import { terminationRecordSchema, type TerminationRecord } from "../../lib/tracker/record.ts";
import { migratedStore } from "../helpers/db.ts";
import { cleanRecord, sigkillRecord, unknownRecord } from "../store/fixtures.ts";

let store: Store;
let cleanup: () => Promise<void>;

const BASE = "http://drainwatch.test";
const req = (path: string, headers: Record<string, string> = {}) => new Request(`${BASE}${path}`, { headers });
const params = <T>(p: T) => ({ params: Promise.resolve(p) });
const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000).toISOString();

const hostile = sigkillRecord({
  podUid: "uid-hostile",
  pod: 'evil,"pod"\r\n<script>alert(1)</script>',
  node: "node, with comma",
  revision: null,
  deleteRequestedAt: ago(60),
});
const recent = [
  sigkillRecord({ podUid: "uid-k1", pod: "checkout-1", deleteRequestedAt: ago(120) }),
  cleanRecord({ podUid: "uid-c1", deleteRequestedAt: ago(3600) }),
  hostile,
];
const old = cleanRecord({ podUid: "uid-old", pod: "ledger-old", deleteRequestedAt: ago(10 * 86400) });
const twin = [
  cleanRecord({ podUid: "uid-twin", cluster: "a", deleteRequestedAt: ago(30) }),
  cleanRecord({ podUid: "uid-twin", cluster: "b", deleteRequestedAt: ago(30) }),
];
// Enough for the CSV stream to read several pages of the store (500 per page).
const bulk = Array.from({ length: 1203 }, (_, i) =>
  cleanRecord({ podUid: `uid-bulk-${i}`, pod: `bulk-${String(i).padStart(5, "0")}`, namespace: "bulk", workload: { kind: "Deployment", name: "bulk" }, deleteRequestedAt: ago(7200 + i) }),
);
const all: TerminationRecord[] = [...recent, old, ...twin, unknownRecord(), ...bulk];

beforeAll(async () => {
  ({ store, cleanup } = await migratedStore());
  await recordTerminations(store, all);
  primeStore(store);
});
afterAll(async () => {
  primeStore(null, "test over");
  await cleanup?.();
});

async function json(res: Response): Promise<unknown> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json();
}

async function expectError(res: Response, status: number, code: string, mentions: string): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await json(res)) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toContain(mentions);
}

describe("GET /api/v1/terminations", () => {
  it("a page of records, newest first, and nextCursor through every matching record exactly once", async () => {
    const res = await listTerminations(req("/api/v1/terminations?namespace=shop"));
    expect(res.status).toBe(200);
    const page = (await json(res)) as { items: unknown[]; nextCursor: string | null };
    const items = page.items.map((i) => terminationRecordSchema.parse(i));
    expect(items.map((r) => r.podUid)).toEqual(["uid-hostile", "uid-k1"]);
    expect(items[0]).toStrictEqual(hostile);
    expect(page.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 100; i++) {
      const r = await listTerminations(req(`/api/v1/terminations?namespace=bulk&limit=400${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`));
      const p = (await r.json()) as { items: { podUid: string }[]; nextCursor: string | null };
      seen.push(...p.items.map((x) => x.podUid));
      if (p.nextCursor === null) break;
      cursor = p.nextCursor;
    }
    expect(seen).toHaveLength(bulk.length);
    expect(new Set(seen).size).toBe(bulk.length);
    expect(seen[0]).toBe("uid-bulk-0");
  });

  it("filters: cluster, kind, workload, outcome and cause lists, since/until", async () => {
    const uids = async (qs: string) => ((await (await listTerminations(req(`/api/v1/terminations?${qs}&limit=1000`))).json()) as { items: { podUid: string; cluster: string }[] }).items.map((r) => `${r.cluster}/${r.podUid}`);
    expect(await uids("cluster=b")).toEqual(["b/uid-twin"]);
    expect(await uids("kind=Pod")).toEqual(["default/c0ffee00-3333-4e4e-afaf-000000000003"]);
    expect(await uids("kind=Deployment&workload=checkout")).toEqual(["default/uid-hostile", "default/uid-k1"]);
    expect(await uids("outcome=sigkill,unknown")).toEqual(["default/uid-hostile", "default/uid-k1", "default/c0ffee00-3333-4e4e-afaf-000000000003"]);
    // The twins tie on time, pod and podUid (their order between them is insertion order).
    const sorted = async (qs: string) => { const u = await uids(qs); return [...u.slice(0, 2).sort(), ...u.slice(2)]; };
    expect(await sorted("cause=scale-down&namespace=payments")).toEqual(["a/uid-twin", "b/uid-twin", "default/uid-c1", "default/uid-old"]);
    expect(await sorted("since=2h&namespace=payments")).toEqual(["a/uid-twin", "b/uid-twin", "default/uid-c1"]);
    expect(await uids(`until=${encodeURIComponent(old.deleteRequestedAt!)}`)).toEqual(["default/uid-old"]); // inclusive
  });

  it("every bad parameter is a 400 naming it", async () => {
    for (const [qs, param] of [
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["outcome=exploded", "outcome"],
      ["cause=boredom", "cause"],
      ["since=tomorrow", "since"],
      ["since=1h&until=2h", "until"],
      ["cursor=not-a-cursor", "cursor"],
      ["namespace=a&namespace=b", "namespace"],
      ["format=xml", "format"],
    ] as const) {
      await expectError(await listTerminations(req(`/api/v1/terminations?${qs}`)), 400, "bad_request", `"${param}"`);
    }
  });

  it("CSV: streamed, header in section 3 order, RFC 4180 quoting, null empty, limit and cursor ignored", async () => {
    for (const r of [req("/api/v1/terminations?format=csv&limit=1&cursor=ignored"), req("/api/v1/terminations?limit=1", { accept: "text/csv" })]) {
      const res = await listTerminations(r);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.body).toBeInstanceOf(ReadableStream);
      const text = await res.text();
      const rows = parseCsv(text);
      expect(rows[0]).toEqual([
        "podUid", "cluster", "namespace", "pod", "node", "workload", "revision", "cause", "outcome", "gracePeriodSeconds",
        "deleteRequestedAt", "deadlineAt", "endpointsUnreadyAt", "killingAt", "exitedAt", "deletedAt", "drainSeconds",
        "endpointLagSeconds", "sidecarExitedFirst",
      ]);
      expect(rows).toHaveLength(1 + all.length);
      expect(text.endsWith("\r\n")).toBe(true);
      const h = rows.find((row) => row[0] === "uid-hostile")!;
      expect(h[3]).toBe(hostile.pod); // commas, quotes, CR LF and <script> survive as data
      expect(h[4]).toBe("node, with comma");
      expect(h[5]).toBe("Deployment/checkout");
      expect(h[6]).toBe(""); // null revision
      expect(h[16]).toBe("32");
      expect(h[18]).toBe("true");
      expect(text).toContain(`"evil,""pod""\r\n<script>alert(1)</script>"`);
    }
    const filtered = parseCsv(await (await listTerminations(req("/api/v1/terminations?format=csv&namespace=shop"))).text());
    expect(filtered.map((r) => r[0])).toEqual(["podUid", "uid-hostile", "uid-k1"]);
    await expectError(await listTerminations(req("/api/v1/terminations?format=csv&since=never")), 400, "bad_request", '"since"');
  });
});

describe("GET /api/v1/terminations/{podUid}", () => {
  it("the record; 404; 400 naming cluster when the uid is in several clusters", async () => {
    const res = await getTermination(req("/api/v1/terminations/uid-k1"), params({ podUid: "uid-k1" }));
    expect(res.status).toBe(200);
    expect(await json(res)).toStrictEqual(JSON.parse(JSON.stringify(recent[0])));
    await expectError(await getTermination(req("/api/v1/terminations/nope"), params({ podUid: "nope" })), 404, "not_found", "nope");
    await expectError(await getTermination(req("/api/v1/terminations/uid-twin"), params({ podUid: "uid-twin" })), 400, "bad_request", '"cluster"');
    const b = await getTermination(req("/api/v1/terminations/uid-twin?cluster=b"), params({ podUid: "uid-twin" }));
    expect(((await json(b)) as { cluster: string }).cluster).toBe("b");
    await expectError(await getTermination(req("/api/v1/terminations/uid-k1?cluster=b"), params({ podUid: "uid-k1" })), 404, "not_found", "uid-k1");
  });
});

describe("GET /api/v1/workloads", () => {
  it("summaries over the last 7 days by default; given only until, the 7 days before it", async () => {
    const body = (await json(await listWorkloads(req("/api/v1/workloads?namespace=payments")))) as { items: { cluster: string; terminations: number }[] };
    // uid-old (10 days ago) is outside the default range; equal counts: newest last termination first, then by key.
    expect(body.items.map((i) => [i.cluster, i.terminations])).toEqual([["a", 1], ["b", 1], ["default", 1]]);
    const before = (await json(await listWorkloads(req(`/api/v1/workloads?namespace=payments&until=${encodeURIComponent(ago(9 * 86400))}`)))) as { items: { terminations: number; lastTerminationAt: string }[] };
    expect(before.items).toMatchObject([{ terminations: 1, lastTerminationAt: old.deleteRequestedAt }]);
    await expectError(await listWorkloads(req("/api/v1/workloads?since=3d&until=4d")), 400, "bad_request", '"until"');
  });

  it("one workload: summary, revisions, recommendations; 404 when it has no terminations", async () => {
    const res = await getWorkload(req("/api/v1/workloads/default/shop/Deployment/checkout"), params({ cluster: "default", namespace: "shop", kind: "Deployment", name: "checkout" }));
    const w = (await json(res)) as { terminations: number; revisions: { revision: string | null }[]; recommendations: { id: string; severity: string; change: { snippet: string } }[] };
    expect(res.status).toBe(200);
    expect(w.terminations).toBe(2);
    expect(w.revisions.map((r) => r.revision)).toEqual([null, "12"]);
    expect(w.recommendations[0]).toMatchObject({ severity: "critical" });
    await expectError(
      await getWorkload(req("/api/v1/workloads/default/shop/Deployment/nope"), params({ cluster: "default", namespace: "shop", kind: "Deployment", name: "nope" })),
      404, "not_found", "nope",
    );
    await expectError(
      await getWorkload(req("/api/v1/workloads/default/shop/Deployment/checkout?since=1s"), params({ cluster: "default", namespace: "shop", kind: "Deployment", name: "checkout" })),
      404, "not_found", "checkout",
    );
  });
});

describe("errors", () => {
  it("an unknown path under /api/v1 is a JSON 404", async () => {
    await expectError(await catchAll(req("/api/v1/nope/x")), 404, "not_found", "/api/v1/nope/x");
  });

  it("the store unavailable is a JSON 503", async () => {
    primeStore(null, "the database is starting");
    try {
      await expectError(await listTerminations(req("/api/v1/terminations")), 503, "unavailable", "starting");
      await expectError(await listTerminations(req("/api/v1/terminations?format=csv")), 503, "unavailable", "starting");
    } finally {
      primeStore(store);
    }
  });
});

/** A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes), independent of lib/api. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const ch = text[i];
        if (ch === undefined) throw new Error("unterminated quote");
        if (ch === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          field += ch;
          i++;
        }
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") field += text[i++];
    }
    row.push(field);
    if (text[i] === ",") i++;
    else if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  if (row.length) rows.push(row);
  expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  return rows;
}
