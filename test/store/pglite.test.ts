// The embedded store (no DATABASE_URL): PGlite persisted in <dataDir>/pglite.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  countTerminations,
  findQuarantinedRecords,
  findTerminations,
  getTermination,
  migrate,
  openStore,
  recordTerminations,
} from "../../lib/store/index";
import { cleanRecord, sigkillRecord, unknownRecord } from "./fixtures";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "dw-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("PGlite store", () => {
  const records = [sigkillRecord(), cleanRecord(), unknownRecord()];

  it("migrates, writes and reads back exactly", { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir });
    try {
      expect(store.kind).toBe("pglite");
      expect(existsSync(path.join(dataDir, "pglite"))).toBe(true);
      expect(await store.ping()).toBe(true);
      const { applied } = await migrate(store);
      expect(applied.length).toBeGreaterThan(0);
      expect(await migrate(store)).toEqual({ applied: [] });

      expect((await recordTerminations(store, records)).written).toBe(3);
      expect((await recordTerminations(store, records)).written).toBe(0);
      for (const r of records) expect(await getTermination(r.podUid, undefined, store)).toStrictEqual(r);
      const page = await findTerminations({ limit: 2 }, store);
      expect(page.items.map((r) => r.podUid)).toEqual([cleanRecord().podUid, sigkillRecord().podUid]);
      const rest = await findTerminations({ limit: 2, cursor: page.nextCursor! }, store);
      expect(rest.items.map((r) => r.podUid)).toEqual([unknownRecord().podUid]);
      expect(rest.nextCursor).toBeNull();
    } finally {
      await store.close();
    }
    expect(await store.ping()).toBe(false);
  });

  it("keeps the data across reopen", { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir });
    try {
      expect(await migrate(store)).toEqual({ applied: [] });
      expect(await countTerminations({}, store)).toBe(3);
      for (const r of records) expect(await getTermination(r.podUid, undefined, store)).toStrictEqual(r);
      const updated = cleanRecord({ outcome: "sigterm", notes: ["late-update"] });
      expect((await recordTerminations(store, [updated])).written).toBe(1);
      expect(await getTermination(updated.podUid, undefined, store)).toStrictEqual(updated);
    } finally {
      await store.close();
    }
  });

  it("isolates a record it cannot hold and writes the rest, with the wide values (embedded, like npm start)", { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir });
    try {
      const name = Array.from({ length: 6001 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7919 + ((i * i) % 101)) % 36]).join("");
      const wide = cleanRecord({ podUid: "pg-wide", workload: { kind: "Deployment", name }, gracePeriodSeconds: 3_000_000_000 });
      const after = cleanRecord({ podUid: "pg-after", pod: "after-0" });
      const bad = cleanRecord({ podUid: "pg-bad", pod: "bad-\udc00" });
      const result = await recordTerminations(store, [wide, bad, after]);
      expect(result.quarantined.map((q) => [q.record.podUid, q.sqlState, q.entered])).toEqual([["pg-bad", "22P02", true]]);
      expect(await getTermination("pg-wide", undefined, store)).toStrictEqual(wide);
      expect(await getTermination("pg-after", undefined, store)).toStrictEqual(after);
      expect((await findQuarantinedRecords({}, store)).items.map((q) => q.podUid)).toEqual(["pg-bad"]);
    } finally {
      await store.close();
    }
  });
});
