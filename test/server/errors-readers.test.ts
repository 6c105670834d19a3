// lib/errors (one code → status table, nothing internal leaks, database errors classified by the
// driver's fields) and the process-wide data layer (lib/store/db.ts, lib/remember.ts).
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, databaseMessage, ERROR_STATUS, errorResponse, isDatabaseUnreachable, isDataError, load, route, sqlState, toErrorBody } from "../../lib/errors.ts";
import { remember } from "../../lib/remember.ts";
import { setSourceInfo, sourceInfo } from "../../lib/source-info.ts";
import { countTerminations, findTerminations, getStore, openStore, primeStore, storeUnavailableReason, type Store } from "../../lib/store/index.ts";
import { migratedStore, serverUrl } from "../helpers/db.ts";

describe("lib/errors", () => {
  it("maps every code to its HTTP status through one table", () => {
    expect(ERROR_STATUS).toEqual({ bad_request: 400, not_found: 404, unavailable: 503, internal: 500 });
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const err = new AppError(code as keyof typeof ERROR_STATUS, `m-${code}`);
      expect(toErrorBody(err)).toEqual({ status, body: { error: { code, message: `m-${code}` } } });
    }
  });

  it("never leaks an unknown error's message or details", () => {
    const secret = "connect ECONNREFUSED 10.0.0.7:5432 password=hunter2";
    expect(toErrorBody(new Error(secret))).toEqual({
      status: 500,
      body: { error: { code: "internal", message: "internal error" } },
    });
    expect(JSON.stringify(toErrorBody("a string").body)).not.toContain("a string");
    const withDetails = toErrorBody(new AppError("unavailable", "db down", { url: secret }));
    expect(JSON.stringify(withDetails)).not.toContain("hunter2");
  });

  it("turns a zod error into a 400 naming the parameter", () => {
    const parsed = z.object({ limit: z.coerce.number().int().min(1) }).safeParse({ limit: "zero" });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const { status, body } = toErrorBody(parsed.error);
    expect(status).toBe(400);
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain('"limit"');
  });

  it("builds a JSON Response, and route() wraps a handler's errors into it", async () => {
    const res = errorResponse(new AppError("not_found", 'no termination with podUid "x"'));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "not_found", message: 'no termination with podUid "x"' } });
    const handler = route(async (n: number) => {
      if (n < 0) throw new AppError("bad_request", 'invalid query parameter "n"');
      return Response.json({ n });
    });
    expect(await (await handler(1)).json()).toEqual({ n: 1 });
    expect((await handler(-1)).status).toBe(400);
  });
});

describe("database errors, by SQLSTATE and the adapter's kind (real Postgres)", () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it("reads the SQLSTATE of a rejected statement and tells it from an unreachable server", async () => {
    store = await openStore({ databaseUrl: serverUrl() });
    const unique = await store.prisma
      .$executeRawUnsafe("CREATE TEMP TABLE dw_probe (a int PRIMARY KEY); INSERT INTO dw_probe VALUES (1), (1)")
      .catch((e: unknown) => e);
    expect(sqlState(unique)).toBe("23505");
    expect(isDatabaseUnreachable(unique)).toBe(false);
    expect(toErrorBody(unique).status).toBe(500);
    const div = await store.prisma.$queryRawUnsafe("SELECT 1/0").catch((e: unknown) => e);
    expect(sqlState(div)).toBe("22012");

    const dead = await openStore({ databaseUrl: "postgresql://nobody@127.0.0.1:1/none" });
    const down = await dead.prisma.$queryRawUnsafe("SELECT 1").catch((e: unknown) => e);
    await dead.close();
    expect(isDatabaseUnreachable(down)).toBe(true);
    expect(toErrorBody(down)).toEqual({ status: 503, body: { error: { code: "unavailable", message: "the database is not answering" } } });
  });

  it("tells data the database rejects (the writer quarantines it) from everything else, by SQLSTATE", async () => {
    store = await openStore({ databaseUrl: serverUrl() });
    const fail = (sqlText: string) => store!.prisma.$executeRawUnsafe(sqlText).catch((e: unknown) => e);
    const outOfRange = await fail("SELECT 3000000000::int4");
    const tooBig = await fail("CREATE TEMP TABLE dw_big (s text); CREATE INDEX ON dw_big (s); INSERT INTO dw_big SELECT string_agg(md5(g::text), '') FROM generate_series(1, 300) g");
    const check = await fail("CREATE TEMP TABLE dw_chk (a int CHECK (a > 0)); INSERT INTO dw_chk VALUES (-1)");
    const unique = await fail("CREATE TEMP TABLE dw_uq (a int PRIMARY KEY); INSERT INTO dw_uq VALUES (1), (1)");
    const syntax = await fail("SELEC 1");
    const raised = await fail("DO $$ BEGIN RAISE EXCEPTION 'no'; END $$");
    expect([outOfRange, tooBig, check, unique, syntax, raised].map(sqlState)).toEqual(["22003", "54000", "23514", "23505", "42601", "P0001"]);
    expect([outOfRange, tooBig, check].map(isDataError)).toEqual([true, true, true]);
    // A concurrent writer's duplicate is worth a retry, not quarantine; the rest are not about the data.
    expect([unique, syntax, raised].map(isDataError)).toEqual([false, false, false]);
    expect(databaseMessage(outOfRange)).toBe("integer out of range");
    const dead = await openStore({ databaseUrl: "postgresql://nobody@127.0.0.1:1/none" });
    const down = await dead.prisma.$queryRawUnsafe("SELECT 1").catch((e: unknown) => e);
    await dead.close();
    expect(isDataError(down)).toBe(false);
    expect(isDataError(new Error("value too long"))).toBe(false);
  });
});

describe("the process-wide store (pages and route handlers call queries directly)", () => {
  afterEach(() => primeStore(null));

  it("remember() keeps one instance per key on globalThis (Next's bundled copies share it)", () => {
    const a = remember("test-remember", () => ({ n: 1 }));
    const b = remember("test-remember", () => ({ n: 2 }));
    expect(b).toBe(a);
    expect(Object.getOwnPropertySymbols(globalThis).map(String)).toContain("Symbol(drainwatch.test-remember)");
  });

  it("answers unavailable, with serve's reason, while serve has no open store", async () => {
    primeStore(null, "cannot open the database: connection refused");
    expect(storeUnavailableReason()).toBe("cannot open the database: connection refused");
    await expect(findTerminations()).rejects.toMatchObject({ code: "unavailable", message: "cannot open the database: connection refused" });
    const loaded = await load(countTerminations());
    expect(loaded).toEqual({ ok: false, error: { code: "unavailable", message: "cannot open the database: connection refused" } });
  });

  it("queries the store serve primed, without being handed it", async () => {
    const { store, cleanup } = await migratedStore();
    try {
      primeStore(store);
      expect(await getStore()).toBe(store);
      expect(storeUnavailableReason()).toBeNull();
      const n = await countTerminations();
      expect(n).toBe(await countTerminations({}, store));
      expect(await load(findTerminations({ limit: 1 }))).toMatchObject({ ok: true });
    } finally {
      primeStore(null);
      await cleanup();
    }
  });

  it("says where terminations come from (set by serve before the store opens)", () => {
    setSourceInfo({ kind: "sandbox", scenario: "demo", url: "http://127.0.0.1:1" });
    expect(sourceInfo()).toEqual({ kind: "sandbox", scenario: "demo", url: "http://127.0.0.1:1" });
    setSourceInfo({ kind: "none" });
    expect(sourceInfo()).toEqual({ kind: "none" });
  });
});
