// Rendering deploy/ with the real kubectl (`kubectl kustomize`, offline) and checking the objects
// against the Kubernetes schemas: kubernetes-models (the OpenAPI schemas: required fields, types,
// enums) plus unknown-field detection from @kubernetes/client-node's models (the OpenAPI schemas
// allow any extra field, so a misspelt `readinesProbe` would otherwise pass, and be ignored by
// the API server).
import { execFileSync } from "node:child_process";
import path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

export const root = path.resolve(import.meta.dirname, "..", "..");
export const OVERLAYS = ["single", "ha"] as const;

export const objectSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).loose(),
  })
  .loose();
export type K8sObject = z.infer<typeof objectSchema>;

/** `kubectl kustomize DIR` (DIR relative to the repository root), parsed. */
export function render(dir: string): K8sObject[] {
  const text = execFileSync("kubectl", ["kustomize", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return parseAllDocuments(text).map((d) => objectSchema.parse(d.toJSON()));
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0]!;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** The kubernetes-models module per apiVersion the manifests use (prometheus-operator's CRDs too). */
const MODELS: Record<string, () => Promise<Record<string, unknown>>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "rbac.authorization.k8s.io/v1": () => import("kubernetes-models/rbac.authorization.k8s.io/v1"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
};

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const load = MODELS[apiVersion];
  if (!load) throw new Error(`no schema module for apiVersion ${apiVersion} (add it to MODELS)`);
  const cls = (await load())[kind];
  if (typeof cls !== "function") throw new Error(`no schema for ${apiVersion} ${kind}`);
  return cls as ModelClass;
}

/** Schema errors of one object (empty when it is valid). */
export async function schemaErrors(o: K8sObject): Promise<string[]> {
  const Cls = await modelClass(o.apiVersion, o.kind);
  const errors: string[] = [];
  try {
    new Cls(o).validate();
  } catch (err) {
    errors.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
  }
  const modelName = `V1${o.kind}`;
  if (o.apiVersion !== "monitoring.coreos.com/v1") {
    if (!(modelName in k8s)) throw new Error(`@kubernetes/client-node has no model ${modelName}`);
    unknownFields(o, modelName, `${o.kind}/${o.metadata.name}`, errors);
  }
  return errors;
}

interface Attribute {
  baseName: string;
  type: string;
}

function attributes(type: string): Attribute[] | null {
  const cls = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>)[type];
  return cls?.getAttributeTypeMap ? cls.getAttributeTypeMap() : null;
}

function unknownFields(value: unknown, type: string, at: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, `${at}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${at}.${k}`, out);
    return;
  }
  const attrs = attributes(type);
  if (!attrs || typeof value !== "object") return; // a primitive, IntOrString, Quantity, or free-form object
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const attr = attrs.find((a) => a.baseName === key);
    if (!attr) out.push(`${at}: unknown field ${JSON.stringify(key)} (${type})`);
    else unknownFields(v, attr.type, `${at}.${key}`, out);
  }
}
