#!/usr/bin/env node
// drainwatch CLI entry. Runs the compiled bundle (scripts/build-cli.sh → dist/cli/main.mjs)
// when it is newer than every source file, otherwise the TypeScript sources through tsx's loader.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.CHECKPOINT_DISABLE ??= "1";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = `${root}dist/cli/main.mjs`;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Newest modification time of the files the bundle is built from. */
function newestSource(dir) {
  let newest = -1;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : mtime(p));
  }
  return newest;
}

const built = mtime(bundle);
if (built > 0 && process.env.DRAINWATCH_FROM_SOURCE !== "1" && built >= Math.max(newestSource(`${root}lib`), mtime(`${root}package-lock.json`))) {
  await import(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: `${root}tsconfig.json` });
  await import("../lib/cli/main.ts");
}
