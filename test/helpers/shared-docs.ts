// The shared project documents (contract, design) live beside the repository as ../shared. In a
// git worktree that is beside the main checkout, found through git's common directory.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");

export function sharedDocsDir(): string {
  const candidates = [path.resolve(repoRoot, "../shared")];
  try {
    const common = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
      cwd: repoRoot,
      encoding: "utf8",
    }).trim();
    candidates.push(path.resolve(common, "..", "..", "shared"));
  } catch {
    // Not a git checkout: only ../shared applies.
  }
  const found = candidates.find((d) => fs.existsSync(path.join(d, "contract.md")));
  if (!found) throw new Error(`the shared docs (contract.md) are missing: looked in ${candidates.join(", ")}`);
  return found;
}

export function contractText(): string {
  return fs.readFileSync(path.join(sharedDocsDir(), "contract.md"), "utf8");
}
