// Linting a snippet as if it lived at a path of this repository, with the project's ESLint config:
// what the import-rule tests assert on.
import path from "node:path";
import { ESLint } from "eslint";
import { expect } from "vitest";

export const root = path.resolve(import.meta.dirname, "..", "..");
let eslint: ESLint | null = null;

/** The project's ESLint (one instance per test file). */
export function linter(): ESLint {
  eslint ??= new ESLint({ cwd: root });
  return eslint;
}

/** The messages of the given rules for `code` linted as `filePath` (a parse error fails the test). */
export async function ruleMessages(code: string, filePath: string, rules: ReadonlySet<string>): Promise<string[]> {
  const [result] = await linter().lintText(code, { filePath: path.join(root, filePath) });
  expect(result).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, JSON.stringify(fatal)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId !== null && rules.has(m.ruleId)).map((m) => m.message);
}
