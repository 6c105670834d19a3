// The image (Dockerfile) without a Docker engine: its properties are read from the Dockerfile, and
// the very files its final stage copies are assembled from this built checkout into a directory of
// their own, exactly as the COPY lines say (production node_modules from `npm ci --omit=dev
// --ignore-scripts` on the lockfile, as the deps stage does), then run the way the ENTRYPOINT runs
// them: as the image's numeric user, in its WORKDIR, with its ENV and nothing else, writing only
// to the two emptyDirs the manifests mount (/tmp and .next/cache).
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processEnv } from "../../lib/env.ts";
import { freshDatabase } from "../helpers/db.ts";
import { freePort } from "../helpers/free-port.ts";
import { execForm, last, parseCopy, readDockerfile, stageEnv, type Stage } from "./dockerfile.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const stages = readDockerfile(path.join(root, "Dockerfile"));
const final = stages[stages.length - 1]!;
const workdir = last(final, "WORKDIR")?.args ?? "/";
const entrypoint = execForm(last(final, "ENTRYPOINT"));
const cmd = execForm(last(final, "CMD"));

function stageNamed(name: string): Stage {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile: no stage named ${name}`);
  return s;
}

const runs = (s: Stage): string[] => s.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);

describe("Dockerfile", () => {
  it("runs drainwatch as PID 1 in exec form with a heap cap, as a numeric non-root user", () => {
    expect(entrypoint, "ENTRYPOINT must be exec form (a JSON array): a shell would take SIGTERM").not.toBeNull();
    expect(entrypoint![0]).toBe("node");
    expect(entrypoint!.some((a) => /^--max-old-space-size=\d+$/.test(a))).toBe(true);
    expect(entrypoint!.at(-1)).toBe(path.posix.join(workdir, "dist/cli/main.mjs"));
    for (const wrapper of ["sh", "/bin/sh", "bash", "-c", "tini", "dumb-init", "npm", "npx"]) expect(entrypoint).not.toContain(wrapper);
    expect(cmd).toEqual(["serve"]);
    const user = last(final, "USER")?.args ?? "";
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    expect(m, `USER must be numeric (runAsNonRoot can only check a number), got ${JSON.stringify(user)}`).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2] ?? m![1])).toBeGreaterThan(0);
  });

  it("copies no sources and no dev dependencies into the final stage, and runs nothing there", () => {
    expect(runs(final), "the final stage runs no commands (no npm, no shell)").toEqual([]);
    const copies = final.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map((i) => {
      expect(i.keyword, "ADD fetches and unpacks; use COPY").toBe("COPY");
      return parseCopy(i);
    });
    for (const c of copies) {
      expect(c.from, `COPY ${c.sources.join(" ")} must come from a build stage, not the build context`).not.toBeNull();
      for (const src of c.sources) {
        const rel = path.posix.relative(workdir, src);
        expect(rel === "" || rel === "." ? "." : rel.split("/")[0], `${src} is the whole tree or sources`).not.toMatch(/^(\.|app|lib|test|bench|scripts|alerts|docs)$/);
        expect(src).not.toMatch(/\.tsx?$/);
      }
    }
    // node_modules comes from a stage that installs production dependencies only.
    const nodeModules = copies.filter((c) => c.sources.some((s) => s.endsWith("/node_modules")));
    expect(nodeModules).toHaveLength(1);
    const deps = stageNamed(nodeModules[0]!.from!);
    expect(runs(deps)).toEqual([expect.stringMatching(/^npm ci --omit=dev --ignore-scripts\b/)]);
    expect(deps.instructions.filter((i) => i.keyword === "COPY").map((i) => parseCopy(i).sources)).toEqual([["package.json", "package-lock.json"]]);
    // Every other file comes from the build stage after `npm run build`.
    const build = stageNamed("build");
    expect(runs(build).some((r) => r.startsWith("npm run build"))).toBe(true);
    for (const c of copies.filter((x) => x !== nodeModules[0])) expect(c.from).toBe("build");
  });

  it("keeps host builds and local data out of the build context (.dockerignore)", () => {
    const ignored = fs.readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const p of ["node_modules", ".next", "dist", ".git", ".drainwatch", "lib/store/generated"]) expect(ignored).toContain(p);
  });
});

/** `npm ci --omit=dev --ignore-scripts` on this lockfile, cached per lockfile content. */
function productionNodeModules(): string {
  const hash = createHash("sha256")
    .update(fs.readFileSync(path.join(root, "package.json")))
    .update(fs.readFileSync(path.join(root, "package-lock.json")))
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `drainwatch-image-deps-${hash}`);
  if (fs.existsSync(path.join(dir, "node_modules", ".package-lock.json"))) return path.join(dir, "node_modules");
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(root, f), path.join(partial, f));
  const deps = stageNamed("deps");
  const [command, ...args] = runs(deps)[0]!.split(/\s+/);
  execFileSync(command!, [...args, "--prefer-offline"], { cwd: partial, stdio: "pipe", timeout: 600_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return path.join(dir, "node_modules");
}

describe("the image's files, run as its ENTRYPOINT runs them", () => {
  let app = "";
  let writable = "";
  let db: { url: string; drop(): Promise<void> } | null = null;
  const [uid, gid] = (last(final, "USER")?.args ?? "0:0").split(":").map(Number) as [number, number | undefined];

  beforeAll(async () => {
    for (const built of [".next/BUILD_ID", "dist/cli/main.mjs", "lib/store/generated/prisma/client.ts"]) {
      if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: the image test needs a built checkout (npm run build)`);
    }
    app = fs.mkdtempSync(path.join(os.tmpdir(), "drainwatch-image-"));
    fs.chmodSync(app, 0o755);
    const removedByBuild = runs(stageNamed("build")).flatMap((r) => [...r.matchAll(/rm -rf (\S+)/g)].map((m) => m[1]!));
    for (const ins of final.instructions.filter((i) => i.keyword === "COPY")) {
      const c = parseCopy(ins);
      const dest = path.join(app, path.posix.relative(workdir, path.posix.resolve(workdir, c.dest)));
      for (const src of c.sources) {
        if (c.from === "build") {
          const rel = path.posix.relative(workdir, src);
          fs.cpSync(path.join(root, rel), dest, {
            recursive: true,
            // What the build stage deletes after building (.next/cache) is not in the image.
            filter: (p) => !removedByBuild.some((r) => p === path.join(root, r) || p.startsWith(path.join(root, r) + path.sep)),
          });
        } else {
          execFileSync("cp", ["-al", productionNodeModules(), dest]);
        }
      }
    }
    // The emptyDirs of the manifests, writable by the image's user; everything else is root's.
    writable = fs.mkdtempSync(path.join(os.tmpdir(), "drainwatch-image-tmp-"));
    fs.mkdirSync(path.join(app, ".next", "cache"), { recursive: true });
    if (process.getuid?.() === 0) {
      fs.chownSync(writable, uid, gid ?? uid);
      fs.chownSync(path.join(app, ".next", "cache"), uid, gid ?? uid);
    }
    db = await freshDatabase("dw_image");
  }, 900_000);

  afterAll(async () => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
    if (writable) fs.rmSync(writable, { recursive: true, force: true });
    await db?.drop();
  });

  it("holds only what the final stage copies, without dev-only packages", () => {
    expect(fs.readdirSync(app).sort()).toEqual(expect.arrayContaining([".next", "dist", "node_modules", "package.json", "prisma"]));
    for (const source of ["app", "lib", "test", "bench", "scripts", "tsconfig.json"]) expect(fs.existsSync(path.join(app, source)), source).toBe(false);
    expect(fs.existsSync(path.join(app, ".next", "BUILD_ID"))).toBe(true);
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([p, e]) => p.startsWith("node_modules/") && e.dev === true).map(([p]) => p);
    expect(devOnly.length).toBeGreaterThan(10);
    const present = devOnly.filter((p) => fs.existsSync(path.join(app, p)));
    expect(present, "dev-only packages in the image").toEqual([]);
    for (const name of ["vitest", "eslint", "playwright-core", "typescript-eslint"]) expect(fs.existsSync(path.join(app, "node_modules", name)), name).toBe(false);
  });

  it("starts as the image's user with the image's environment, serves /healthz, /readyz and /, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const [program, ...args] = entrypoint!;
    const argv = [...args.map((a) => (a.startsWith(`${workdir}/`) ? path.join(app, path.posix.relative(workdir, a)) : a)), ...cmd!, "--sandbox"];
    const imageEnv = stageEnv(final);
    expect(imageEnv.NODE_ENV).toBe("production");
    const env: NodeJS.ProcessEnv = {
      ...imageEnv,
      NODE_ENV: "production",
      PATH: processEnv().PATH ?? "/usr/bin:/bin",
      HOME: writable,
      TMPDIR: writable,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: db!.url,
      DRAINWATCH_SHUTDOWN_DELAY_SECONDS: "0.2",
    };
    expect(program).toBe("node");
    const asRoot = process.getuid?.() === 0;
    const ids = asRoot ? { uid, gid: gid ?? uid } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const child = spawn(process.execPath, argv, { cwd: app, env, stdio: ["ignore", "pipe", "pipe"], ...ids });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const status = async (p: string): Promise<number> => (await fetch(base + p, { signal: AbortSignal.timeout(5_000) })).status;
    try {
      const deadline = Date.now() + 90_000;
      while ((await status("/readyz").catch(() => 0)) !== 200) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`not ready within 90 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await status("/healthz")).toBe(200);
      const page = await fetch(`${base}/`, { signal: AbortSignal.timeout(10_000) });
      const html = await page.text();
      expect(page.status, out).toBe(200);
      expect(html).toContain("drainwatch");
      expect(html).toContain("Sandbox");
      expect(out).toContain("store open and migrated");
      child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 20_000))]);
      expect(code, out).toBe(0);
      expect(out).not.toMatch(/EACCES|EROFS|permission denied/i);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 180_000);
});
