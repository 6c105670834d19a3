// lib/errors (one code → status table, nothing internal leaks) and the lib/readers slot.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, ERROR_STATUS, errorResponse, toErrorBody } from "../../lib/errors.ts";
import {
  listTerminations,
  readTermination,
  readerStore,
  setReaderStore,
  setSourceInfo,
  sourceInfo,
  storeInfo,
  type ReaderBackend,
} from "../../lib/readers/index.ts";

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

  it("builds a JSON Response", async () => {
    const res = errorResponse(new AppError("not_found", "no termination with podUid \"x\""));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "not_found", message: 'no termination with podUid "x"' } });
  });
});

describe("lib/readers", () => {
  afterEach(() => setReaderStore(null));

  it("is unavailable until serve() provides the store", async () => {
    setReaderStore(null);
    expect(() => readerStore()).toThrowError(AppError);
    await expect(listTerminations()).rejects.toMatchObject({ code: "unavailable" });
  });

  it("reads through the provided backend via a process-wide slot", async () => {
    const queries: unknown[] = [];
    const backend: ReaderBackend = {
      kind: "pglite",
      cluster: "default",
      ping: async () => true,
      findTerminations: async (q) => {
        queries.push(q);
        return { items: [], nextCursor: null };
      },
      getTermination: async () => null,
      countTerminations: async () => 0,
    };
    setReaderStore(backend);
    // The slot lives on globalThis (Next bundles its own copy of lib/readers).
    expect(Object.getOwnPropertySymbols(globalThis).map(String)).toContain("Symbol(drainwatch.readers.backend)");
    expect(await listTerminations({ namespace: "shop" })).toEqual({ items: [], nextCursor: null });
    expect(queries).toEqual([{ limit: 100, namespace: "shop" }]);
    await expect(readTermination("nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("storeInfo() says where terminations come from (sandbox or a real cluster)", async () => {
    setSourceInfo(null);
    const base: ReaderBackend = {
      kind: "postgres",
      cluster: "prod",
      ping: async () => true,
      findTerminations: async () => ({ items: [], nextCursor: null }),
      getTermination: async () => null,
      countTerminations: async () => 7,
    };
    setReaderStore(base);
    expect(await storeInfo()).toEqual({ kind: "postgres", cluster: "prod", source: { kind: "none" }, count: 7 });
    // Known before the store opens (the page's banner does not wait for the database)…
    setReaderStore(null);
    setSourceInfo({ kind: "sandbox", scenario: "demo", url: "http://127.0.0.1:1" });
    expect(sourceInfo()).toEqual({ kind: "sandbox", scenario: "demo", url: "http://127.0.0.1:1" });
    // …and reported with the store once it is there.
    setSourceInfo({ kind: "kubernetes", from: "in-cluster", server: "https://10.0.0.1:443" });
    setReaderStore(base);
    expect((await storeInfo()).source).toEqual({ kind: "kubernetes", from: "in-cluster", server: "https://10.0.0.1:443" });
    setSourceInfo(null);
  });
});
