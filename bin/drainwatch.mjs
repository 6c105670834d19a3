#!/usr/bin/env node
// drainwatch CLI entry: runs the TypeScript sources through tsx's ESM loader, whatever the cwd.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.CHECKPOINT_DISABLE ??= "1";
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../lib/cli/main.ts");
