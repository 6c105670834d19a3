// Label and field selectors, the subset kubectl and informers send: equality (`=`, `==`, `!=`),
// set-less existence (`key`, `!key`), comma-separated. Field selectors know metadata.name and
// metadata.namespace (what `kubectl delete --wait` uses) plus a few well-known paths.
import type { KObject } from "./types.ts";

export type Matcher = (obj: KObject) => boolean;

interface Requirement {
  key: string;
  op: "=" | "!=" | "exists" | "!exists";
  value: string;
}

function parseRequirements(selector: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of selector.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const ne = part.indexOf("!=");
    if (ne > 0) {
      out.push({ key: part.slice(0, ne).trim(), op: "!=", value: part.slice(ne + 2).trim() });
      continue;
    }
    const eq = part.indexOf("=");
    if (eq > 0) {
      const value = part.slice(part[eq + 1] === "=" ? eq + 2 : eq + 1).trim();
      out.push({ key: part.slice(0, eq).trim(), op: "=", value });
      continue;
    }
    if (part.startsWith("!")) out.push({ key: part.slice(1).trim(), op: "!exists", value: "" });
    else out.push({ key: part, op: "exists", value: "" });
  }
  return out;
}

function test(req: Requirement, actual: string | undefined): boolean {
  switch (req.op) {
    case "=":
      return actual === req.value;
    case "!=":
      return actual !== req.value;
    case "exists":
      return actual !== undefined;
    case "!exists":
      return actual === undefined;
  }
}

export function labelMatcher(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs = parseRequirements(selector);
  return (obj) => reqs.every((r) => test(r, obj.metadata.labels?.[r.key]));
}

function fieldValue(obj: KObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const seg of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "string" || typeof cur === "number" || typeof cur === "boolean" ? String(cur) : undefined;
}

export function fieldMatcher(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs = parseRequirements(selector);
  return (obj) => reqs.every((r) => test(r, fieldValue(obj, r.key)));
}
