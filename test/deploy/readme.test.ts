// README "Running in a cluster" cannot rot: every command in its code blocks is recognised here
// and run or checked against the rendered manifests (an unrecognised command fails the test), the
// example overlay is rendered as a user would (beside a checkout), and every file it names exists.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseSettings, processEnv } from "../../lib/env.ts";
import { find, objectSchema, one, render, root, schemaErrors, type K8sObject } from "./render.ts";

const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const start = readme.indexOf("\n## Running in a cluster\n");
const end = readme.indexOf("\n## ", start + 1);
const section = start >= 0 ? readme.slice(start, end < 0 ? undefined : end) : "";

const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const commands = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));

const renders = new Map<string, K8sObject[]>();
function rendered(dir: string): K8sObject[] {
  if (!renders.has(dir)) renders.set(dir, render(dir));
  return renders.get(dir)!;
}
const overlays = (): K8sObject[][] => ["deploy/overlays/single", "deploy/overlays/ha"].map(rendered);

const temp: string[] = [];
afterAll(() => temp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** What a pod template reads from Secrets: `name/key` (envFrom: `name/*`). */
function secretRefs(objects: K8sObject[]): string[] {
  const text = JSON.stringify(objects.filter((o) => o.kind === "Deployment"));
  const refs = [...text.matchAll(/"secretKeyRef":\{"key":"([^"]+)","name":"([^"]+)"/g)].map((m) => `${m[2]}/${m[1]}`);
  const froms = [...text.matchAll(/"secretRef":\{"name":"([^"]+)"/g)].map((m) => `${m[1]}/*`);
  return [...refs, ...froms];
}

describe("README: Running in a cluster", () => {
  it("has the section, with the commands an installation needs", () => {
    expect(section.length).toBeGreaterThan(1000);
    for (const heading of ["### Install", "### Prometheus", "### Alertmanager", "### Several clusters", "### Upgrades", "### Sizing", "### Uninstall"]) {
      expect(section).toContain(`\n${heading}`);
    }
    expect(commands).toContain("kubectl apply -k deploy/overlays/single");
    expect(commands).toContain("kubectl apply -k deploy/overlays/ha");
    expect(commands.some((c) => c.startsWith("kubectl delete -k "))).toBe(true);
  });

  it("every command is one the manifests support: rendered, validated or dry-run", async () => {
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) {
      let m: RegExpExecArray | null;
      if ((m = /^docker build -t \S+\/drainwatch:(\S+) \.$/.exec(command))) {
        // The image test (test/deploy/image.test.ts) checks this Dockerfile; the tag is the version.
        expect(fs.existsSync(path.join(root, "Dockerfile"))).toBe(true);
        const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
        expect(m[1]).toBe(version);
        const image = one(rendered("deploy/overlays/single"), "Deployment", "drainwatch") as K8sObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
        expect(image.spec.template.spec.containers[0]!.image).toBe(`drainwatch:${version}`);
      } else if ((m = /^kubectl (?:kustomize|apply -k|delete -k) (\S+)$/.exec(command))) {
        const objects = rendered(m[1]!);
        expect(objects.length, command).toBeGreaterThan(10);
        expect((await Promise.all(objects.map((o) => schemaErrors(o)))).flat(), command).toEqual([]);
      } else if ((m = /^kubectl -n (\S+) create secret generic (\S+) --from-literal=([A-Z_]+)=(\S+)$/.exec(command))) {
        const [, ns, name, key, value] = m as unknown as [string, string, string, string, string];
        const out = execFileSync("kubectl", ["-n", ns, "create", "secret", "generic", name, `--from-literal=${key}=${value}`, "--dry-run=client", "-o", "yaml"], { encoding: "utf8", timeout: 30_000 });
        const secret = objectSchema.parse(parseYaml(out));
        expect(secret.metadata).toMatchObject({ name, namespace: "drainwatch" });
        // A Deployment of some overlay reads exactly this Secret and key, and the value is valid.
        expect(overlays().some((o) => secretRefs(o).some((r) => r === `${name}/${key}` || r === `${name}/*`)), command).toBe(true);
        expect(() => parseSettings({ [key]: value })).not.toThrow();
      } else if ((m = /^kubectl -n (\S+) rollout status deploy\/(\S+)$/.exec(command))) {
        for (const o of overlays()) expect(find(o, "Deployment", m[2]!).map((d) => d.metadata.namespace)).toEqual([m[1]]);
      } else if ((m = /^kubectl -n (\S+) port-forward svc\/(\S+) (\d+):(\d+)$/.exec(command))) {
        const svc = one(rendered("deploy/overlays/single"), "Service", m[2]!) as K8sObject & { spec: { ports: { port: number }[] } };
        expect(svc.metadata.namespace).toBe(m[1]);
        expect(svc.spec.ports.map((p) => p.port)).toContain(Number(m[4]));
      } else if ((m = /^kubectl -n (\S+) delete pvc -l ([^=\s]+)=(\S+)$/.exec(command))) {
        // PVCs of volumeClaimTemplates carry the StatefulSet's selector labels.
        const sts = one(rendered("deploy/overlays/single"), "StatefulSet") as K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } };
        expect(sts.metadata.namespace).toBe(m[1]);
        expect(sts.spec.selector.matchLabels[m[2]!]).toBe(m[3]);
      } else {
        throw new Error(`README command not checked by any test: ${command}`);
      }
    }
  }, 120_000);

  it("the example overlay renders beside a checkout, merges its settings, and passes config check", () => {
    const yamlBlocks = blocks.filter((b) => b.lang === "yaml");
    expect(yamlBlocks).toHaveLength(1);
    const example = yamlBlocks[0]!.text;
    const resource = /- (\.\.\/drainwatch\/(deploy\/overlays\/\w+))/.exec(example);
    expect(resource, "the example refers to an overlay of the checkout beside it").not.toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drainwatch-readme-"));
    temp.push(dir);
    fs.symlinkSync(root, path.join(dir, "drainwatch"));
    fs.mkdirSync(path.join(dir, "my-drainwatch"));
    fs.writeFileSync(path.join(dir, "my-drainwatch", "kustomization.yaml"), example);
    const text = execFileSync("kubectl", ["kustomize", path.join(dir, "my-drainwatch")], { encoding: "utf8", timeout: 60_000 });
    const objects = text.split(/^---$/m).map((d) => objectSchema.parse(parseYaml(d)));
    // The same objects as the overlay it builds on (the generated ConfigMap's hash differs).
    const names = (list: K8sObject[]): string[] => list.map((o) => `${o.kind}/${o.metadata.name.replace(/^(drainwatch-settings)-\w+$/, "$1")}`).sort();
    expect(names(objects)).toEqual(names(rendered(resource![2]!)));
    const cm = find(objects, "ConfigMap").find((o) => o.metadata.name.startsWith("drainwatch-settings")) as K8sObject & { data: Record<string, string> };
    const literals = [...example.matchAll(/- ([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(literals.length).toBeGreaterThan(0);
    for (const [k, v] of literals) expect(cm.data[k]).toBe(v);
    // The base's other settings are still there (merge, not replace), and the Deployment uses the merged map.
    expect(cm.data.HOST).toBe("0.0.0.0");
    const d = one(objects, "Deployment", "drainwatch") as K8sObject & { spec: { template: { spec: { containers: { image: string; envFrom: { configMapRef?: { name: string } }[] }[] } } } };
    const c = d.spec.template.spec.containers[0]!;
    expect(c.envFrom.find((f) => f.configMapRef)?.configMapRef?.name).toBe(cm.metadata.name);
    expect(c.image).toBe(/newName: (\S+)/.exec(example)![1] + ":" + /newTag: "(\S+)"/.exec(example)![1]);
    const main = path.join(root, "dist", "cli", "main.mjs");
    const check = spawnSync(process.execPath, [main, "config", "check"], {
      env: { NODE_ENV: "production", PATH: processEnv().PATH ?? "/usr/bin:/bin", ...cm.data, KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(`cluster name: ${cm.data.DRAINWATCH_CLUSTER}`);
  }, 60_000);

  it("names only files that exist", () => {
    const paths = [...section.matchAll(/`((?:deploy|alerts|docs)\/[\w./-]+)`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(3);
    for (const p of paths) expect(fs.existsSync(path.join(root, p)), p).toBe(true);
  });
});
