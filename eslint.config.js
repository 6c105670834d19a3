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
        message: "lib/tracker must not import I/O stages (store, sources, server, cli, pipeline, …).",
      },
      {
        // Relative imports from lib/tracker/** into sibling stages: ../store, ../../lib/sources/x…
        regex: `^(\\.\\./)+(${stageAlt})(\\.[cm]?[jt]sx?)?(/|$)`,
        message: "lib/tracker must not import I/O stages (store, sources, server, cli, pipeline, …).",
      },
    ],
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
);
