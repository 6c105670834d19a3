// Small PromQL helpers for tests: the metric names an expression reads, and the metric names the
// contract (section 6) promises. A lexer-level scan, not a parser: syntax itself is checked by a
// real Prometheus or promtool.

const AGGREGATIONS = ["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile"];
// Aggregations are keywords too: `sum by (x) (…)` puts a keyword, not "(", after the name.
const KEYWORDS = new Set([...AGGREGATIONS, "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan"]);

/** Metric names read by `expr` (identifiers that are neither functions, keywords nor labels). */
export function metricNames(expr: string): Set<string> {
  const s = expr
    .replace(/#[^\n]*/g, " ") // comments
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ") // string literals
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, "$1 ") // label lists
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\boffset\s+-?[0-9][0-9a-z]*/gi, " ")
    .replace(/(?<![A-Za-z0-9_:])[0-9][0-9A-Za-z_.+-]*/g, " "); // numbers (1e3, 0x1f, 0.8)
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = s.slice(m.index + m[0].length).trimStart();
    if (after.startsWith("(")) continue; // a function or an aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return names;
}

/**
 * The series names section 6 of the contract promises: each backticked `drainwatch_*` name, with
 * `_bucket`, `_sum` and `_count` instead of the bare name for the ones marked "(histogram".
 */
export function contractMetricNames(contract: string): Set<string> {
  const start = contract.search(/^## 6\./m);
  if (start < 0) throw new Error("contract.md has no section 6");
  const rest = contract.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const names = new Set<string>();
  for (const m of section.matchAll(/`(drainwatch_[a-z0-9_]+)(?:\{[^}`]*\})?`(\s*\(histogram)?/g)) {
    const name = m[1]!;
    if (m[2]) for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Anchors of every heading in a Markdown document (duplicates get -1, -2… as on GitHub). */
export function markdownAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = githubSlug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
