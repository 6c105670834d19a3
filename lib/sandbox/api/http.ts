// HTTP plumbing shared by the verb handlers: JSON responses, request bodies, query options.
import type http from "node:http";
import type { IncludeObject } from "./table.ts";

export function send(res: http.ServerResponse, code: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The JSON body, or undefined when empty (a SyntaxError for bad JSON becomes a 400). */
export async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  return JSON.parse(text) as unknown;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** kubectl asks for server-side printing with `Accept: application/json;as=Table;…`. */
export function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

/** DeleteOptions.gracePeriodSeconds from the body, else the query parameter. */
export function graceOf(body: unknown, q: URLSearchParams): number | undefined {
  if (isRecord(body) && typeof body.gracePeriodSeconds === "number") return body.gracePeriodSeconds;
  const g = q.get("gracePeriodSeconds");
  return g === null || g === "" ? undefined : Number(g);
}
