// Settings (lib/env.ts): one schema, parsed once by the CLI entry. Every command exits 2 naming
// a bad setting and what is allowed; an empty value means the default; serve --help lists every
// setting with its default, generated from the schema.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSettings, processEnv, SETTINGS, SettingsError } from "../../lib/env.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(ROOT, "bin/drainwatch.mjs");

function cli(args: string[], env: Record<string, string | undefined>): { code: number | null; stdout: string; stderr: string } {
  const merged = Object.fromEntries(
    Object.entries({ ...processEnv(), NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1", ...env }).filter(([, v]) => v !== undefined),
  ) as NodeJS.ProcessEnv;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: merged, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("parseSettings", () => {
  it("gives a working product with nothing set", () => {
    const s = parseSettings({});
    expect(s.server).toMatchObject({ HOST: "127.0.0.1", PORT: 3000, LOG_LEVEL: "info", DRAINWATCH_SHUTDOWN_DELAY_SECONDS: 2 });
    expect(s.store.DATABASE_URL).toBeUndefined();
    expect(s.ingest).toMatchObject({ DRAINWATCH_CLUSTER: "default", DRAINWATCH_SETTLE_SECONDS: 5, DRAINWATCH_NAMESPACES: [], DRAINWATCH_WATCH_SILENCE_SECONDS: 300 });
    expect(s.leader).toMatchObject({ POD_NAMESPACE: "default", DRAINWATCH_LEASE_DURATION_SECONDS: 12 });
    expect(path.isAbsolute(s.dataDir)).toBe(true);
  });

  it("treats an empty value as unset (the default), never 0", () => {
    const s = parseSettings({ PORT: "", DRAINWATCH_SETTLE_SECONDS: "", DATABASE_URL: "", LOG_LEVEL: "" });
    expect(s.server.PORT).toBe(3000);
    expect(s.ingest.DRAINWATCH_SETTLE_SECONDS).toBe(5);
    expect(s.store.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: "abc" }, /PORT="abc": must be a whole number from 0 to 65535/],
    [{ PORT: "70000" }, /PORT="70000"/],
    [{ LOG_LEVEL: "verbose" }, /LOG_LEVEL="verbose": .*"info"/],
    [{ DATABASE_URL: "mysql://db/x" }, /DATABASE_URL="mysql:\/\/db\/x": must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ DATABASE_URL: "not a url" }, /DATABASE_URL/],
    [{ DRAINWATCH_SETTLE_SECONDS: "-1" }, /DRAINWATCH_SETTLE_SECONDS="-1": must be a number of seconds from 0 to 3600/],
    [{ DRAINWATCH_CLUSTER: "Prod EU" }, /DRAINWATCH_CLUSTER="Prod EU": must be a DNS-1123 name/],
    [{ DRAINWATCH_NAMESPACES: "shop,Bad_NS" }, /DRAINWATCH_NAMESPACES/],
    [{ PROMETHEUS_URL: "ftp://x" }, /PROMETHEUS_URL="ftp:\/\/x": must be an http/],
    [{ DRAINWATCH_LEASE_DURATION_SECONDS: "1" }, /DRAINWATCH_LEASE_DURATION_SECONDS="1": must be a whole number of seconds from 2 to 600/],
  ])("refuses %j naming it and what is allowed", (env, message) => {
    expect(() => parseSettings(env)).toThrow(SettingsError);
    expect(() => parseSettings(env)).toThrow(message);
  });

  it("accepts postgres:// and postgresql:// URLs and comma lists", () => {
    expect(parseSettings({ DATABASE_URL: "postgres://u:p@db:5432/x" }).store.DATABASE_URL).toBe("postgres://u:p@db:5432/x");
    expect(parseSettings({ DRAINWATCH_NAMESPACES: " shop, pay ,shop" }).ingest.DRAINWATCH_NAMESPACES).toEqual(["shop", "pay"]);
  });
});

describe("the CLI and its settings", () => {
  it("serve --help lists every setting of the schema with its default", () => {
    const r = cli(["serve", "--help"], {});
    expect(r.code).toBe(0);
    const names = Object.values(SETTINGS).flatMap((section) => Object.keys(section.shape));
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/PORT\s+\(3000\)/);
    expect(r.stdout).toMatch(/DRAINWATCH_SETTLE_SECONDS\s+\(5\)/);
  });

  it.each([
    [["serve"], { LOG_LEVEL: "verbose" }, /invalid setting LOG_LEVEL="verbose"/],
    [["serve"], { PORT: "http" }, /invalid setting PORT="http"/],
    [["replay", "--no-store", "/dev/null"], { DATABASE_URL: "mysql://x/y" }, /invalid setting DATABASE_URL/],
    [["migrate"], { DRAINWATCH_SETTLE_SECONDS: "soon" }, /invalid setting DRAINWATCH_SETTLE_SECONDS/],
    [["config", "check"], { DRAINWATCH_CLUSTER: "UPPER" }, /invalid setting DRAINWATCH_CLUSTER/],
    [["serve", "--bogus"], {}, /Unknown option '--bogus'/],
    [["sandbox", "--port", "abc"], {}, /sandbox --port: must be a port number from 0 to 65535/],
    [["sandbox", "--time-scale", "0"], {}, /sandbox --time-scale: must be a number > 0/],
    [["serve"], { DRAINWATCH_AUTH_PROXY_HEADER: "X-Forwarded-User" }, /DRAINWATCH_AUTH_PROXY_FROM/],
    [["serve"], { DRAINWATCH_AUTH_PROXY_FROM: "10.0.0.0/33" }, /DRAINWATCH_AUTH_PROXY_FROM="10.0.0.0\/33": must be a comma-separated list of IP addresses or CIDRs/],
  ])("%j with %j exits 2 naming it", (args, env, message) => {
    const r = cli(args, env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it("config check validates without starting anything and never prints a password", () => {
    const r = cli(["config", "check"], { DATABASE_URL: "postgresql://dw:s3cret@db.example:5432/dw", DRAINWATCH_CLUSTER: "prod-eu" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("settings ok");
    expect(r.stdout).toContain("cluster name: prod-eu");
    expect(r.stdout).not.toContain("s3cret");
  });
});
