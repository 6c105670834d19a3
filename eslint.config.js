// ESLint flat config: typescript-eslint recommended + strict, and the one architectural rule
// that must never slip: the tracker is pure (no I/O), so it is tested table-driven from captures.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Node builtins by every name they can be imported as: fs, fs/promises, node:fs, node:test… */
const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => (m.startsWith("node:") ? [m] : [m, `node:${m}`])))];

/** Stages the tracker must not reach into (imports go sources → tracker → store → readers). */
const ioStages = ["store", "sources", "server", "cli", "ingest", "leader", "readers", "traffic", "metrics", "sandbox", "log"];
const stageAlt = ioStages.join("|");

const trackerImportRule = [
  "error",
  {
    paths: [
      ...nodeBuiltins.map((name) => ({ name, message: "lib/tracker is pure: no Node builtins (no I/O)." })),
      { name: "@kubernetes/client-node", allowTypeImports: true, message: "lib/tracker may use client-node types only (`import type`)." },
    ],
    patterns: [
      { group: ["node:*"], message: "lib/tracker is pure: no Node builtins (no I/O)." },
      {
        group: ["pg", "pg/*", "pg-*", "@prisma/*", "prisma", "@electric-sql/*", "pglite-prisma-adapter", "pino", "pino/*", "next", "next/*", "prom-client", "undici", "ws"],
        message: "lib/tracker is pure: no database, network, logging or web framework imports.",
      },
      {
        regex: `(^|/)lib/(${stageAlt})(\\.[cm]?[jt]sx?)?(/|$)`,
        message: "lib/tracker must not import I/O stages (store, sources, ingest, server, cli, …).",
      },
      {
        // Relative imports from lib/tracker/** into sibling stages: ../store, ../../lib/sources/x…
        regex: `^(\\.\\./)+(${stageAlt})(\\.[cm]?[jt]sx?)?(/|$)`,
        message: "lib/tracker must not import I/O stages (store, sources, ingest, server, cli, …).",
      },
    ],
  },
];

// ---- lib/sandbox: one public entry, few importers ---------------------------------------------
// Only lib/server, lib/cli, bench and test may import the sandbox, and only through
// lib/sandbox/index.ts; test/sandbox (the sandbox's own unit tests) may reach its internals.
// Uses core no-restricted-imports and no-restricted-syntax (for dynamic import()), not the
// @typescript-eslint rule the tracker block sets, so neither block overrides the other.
// The relative forms (../sandbox/…) are what lib/server and lib/cli write.
const sandboxDeep = String.raw`(^|/)lib/sandbox/(?!index(\.ts)?$)|^(\.\./)+sandbox/(?!index(\.ts)?$)`;
const sandboxAny = String.raw`(^|/)lib/sandbox(/|\.ts$|$)|^(\.\./)+sandbox(/|\.ts$|$)`;
const sandboxDeepMessage = "Import the sandbox through lib/sandbox/index.ts only.";
const sandboxAnyMessage = "Only lib/server, lib/cli, bench and test may import lib/sandbox.";
// Import boundaries outside the tracker. ESLint applies the LAST matching block's options for a rule,
// so each file group below gets one composed no-restricted-imports (and no-restricted-syntax, for
// dynamic import()) with every boundary that applies to it:
//   env      only lib/env.ts (and bin/) read the environment            test/lint/settings-env.test.ts
//   sandbox  only lib/server, lib/cli, bench and test import lib/sandbox, and only through its
//            index (its own unit tests excepted)                           test/lint/sandbox-imports.test.ts
//   app      pages and route handlers read through lib/store/queries.ts  test/lint/app-imports.test.ts
const envMessage = "Read settings from lib/env.ts, not process.env.";
const envPaths = ["node:process", "process"].map((name) => ({ name, importNames: ["env"], message: envMessage }));
const appPatterns = [
  { regex: String.raw`(^|/)lib/store/(index|client|open|migrate|write|schema-engine|db)(\.ts)?$`, message: "app/ reads through lib/store/queries.ts only." },
  { regex: String.raw`(^|/)lib/(sources|ingest|sandbox|server|cli|leader|env)(\.ts)?(/|$)`, message: "app/ never reaches ingest, the cluster or the server: read through lib/store/queries.ts." },
  { group: ["pg", "@prisma/*", "@electric-sql/*", "@kubernetes/client-node"], message: "app/ reads through lib/store/queries.ts only." },
];
const sandboxDeepPattern = { regex: sandboxDeep, message: sandboxDeepMessage };
const sandboxAnyPattern = { regex: sandboxAny, message: sandboxAnyMessage };
const dynamicImport = (p) => ({ selector: `ImportExpression[source.value=/${p.regex.replaceAll("/", "\\/")}/]`, message: p.message });

/** One composed rule set: `env` adds the process.env import ban; patterns are import patterns. */
function boundaries({ env, sandbox = [], app = false }) {
  const patterns = [...sandbox, ...(app ? appPatterns : [])];
  const rules = { "no-restricted-imports": ["error", { paths: env ? envPaths : [], patterns }] };
  if (sandbox.length > 0) rules["no-restricted-syntax"] = ["error", ...sandbox.map(dynamicImport)];
  return rules;
}

const allFiles = ["**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}"];
const importBoundaryBlocks = [
  { files: allFiles, rules: boundaries({ env: true, sandbox: [sandboxDeepPattern, sandboxAnyPattern] }) },
  { files: ["lib/server/**", "lib/cli/**", "bench/**", "test/**"], rules: boundaries({ env: true, sandbox: [sandboxDeepPattern] }) },
  { files: ["lib/sandbox/**", "test/sandbox/**"], rules: boundaries({ env: true }) },
  { files: ["lib/env.ts", "bin/**"], rules: boundaries({ env: false, sandbox: [sandboxDeepPattern, sandboxAnyPattern] }) },
  { files: ["app/**"], rules: boundaries({ env: true, sandbox: [sandboxDeepPattern, sandboxAnyPattern], app: true }) },
  {
    // process.env itself (the import bans above cover `import { env } from "node:process"`).
    files: allFiles,
    ignores: ["lib/env.ts", "bin/**"],
    rules: { "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read settings from lib/env.ts (parseSettings/processEnv), not process.env." }] },
  },
];

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".drainwatch/",
      "lib/store/generated/",
      "next-env.d.ts",
      "coverage/",
      "bench/out/",
      "dist/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  tseslint.configs.strict,
  {
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        fetch: "readonly",
        Response: "readonly",
        Request: "readonly",
        AbortController: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      // With noUncheckedIndexedAccess, `arr[i]!` after a bounds check is the honest idiom.
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // TypeScript checks undefined names better than no-undef (which knows no TS or DOM globals).
    files: ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"],
    rules: { "no-undef": "off" },
  },
  {
    files: ["lib/tracker/**"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": trackerImportRule,
    },
  },
  ...importBoundaryBlocks,
);
