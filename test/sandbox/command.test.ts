// `drainwatch sandbox` as a process: prints the URL, serves the API, exits 0 on SIGTERM.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runSandboxCommand, SandboxUsageError } from "../../lib/sandbox/command.ts";
import { getJson, until } from "./helpers.ts";
import { processEnv } from "../../lib/env.ts";

const COMMAND = fileURLToPath(new URL("../../lib/sandbox/command.ts", import.meta.url));

describe("runSandboxCommand", () => {
  it("serves the demo until SIGTERM, then exits 0", async () => {
    const script = `import { runSandboxCommand } from ${JSON.stringify(COMMAND)};\nprocess.exitCode = await runSandboxCommand(["--scenario", "demo", "--time-scale", "0.05"]);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...processEnv(), LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until(() => /http:\/\/127\.0\.0\.1:\d+\n/.test(out), 15_000, "the URL on stdout");
      const url = out.trim().split("\n")[0]!;
      // stderr is a separate pipe: the hint may arrive after the URL.
      await until(() => err.includes(`kubectl --server=${url} get pods -A -w`), 5_000, "the kubectl hint on stderr");
      const { status, body } = await getJson<{ items: unknown[] }>(`${url}/api/v1/pods`);
      expect(status).toBe(200);
      expect(body.items.length).toBeGreaterThan(5);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("--watch-history N keeps N events per resource: a watch from an older resourceVersion gets 410 Expired", async () => {
    const script = `import { runSandboxCommand } from ${JSON.stringify(COMMAND)};\nprocess.exitCode = await runSandboxCommand(["--scenario", "demo", "--time-scale", "0.05", "--watch-history", "3"]);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...processEnv(), LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const firstLine = async (url: string): Promise<{ type: string; object: { code?: number } }> => {
      const ctrl = new AbortController();
      const res = await fetch(url, { signal: ctrl.signal });
      const reader = res.body!.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      ctrl.abort();
      return JSON.parse(text.split("\n")[0]!) as { type: string; object: { code?: number } };
    };
    try {
      await until(() => /http:\/\/127\.0\.0\.1:\d+\n/.test(out), 15_000, "the URL on stdout");
      const url = out.trim().split("\n")[0]!;
      const list = async (): Promise<number> => Number((await getJson<{ metadata: { resourceVersion: string } }>(`${url}/api/v1/pods`)).body.metadata.resourceVersion);
      const old = await list();
      const end = Date.now() + 20_000;
      let now = old;
      while (now < old + 10 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        now = await list();
      }
      expect(now, "the demo made more than the history keeps").toBeGreaterThanOrEqual(old + 10);
      const expired = await firstLine(`${url}/api/v1/pods?watch=true&resourceVersion=${old}`);
      expect(expired.type).toBe("ERROR");
      expect(expired.object.code).toBe(410);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 40_000);

  it("--watch-history must be a whole number of events >= 1", async () => {
    await expect(runSandboxCommand(["--watch-history", "0"])).rejects.toBeInstanceOf(SandboxUsageError);
    await expect(runSandboxCommand(["--watch-history", "many"])).rejects.toThrow(/--watch-history/);
  });
});
