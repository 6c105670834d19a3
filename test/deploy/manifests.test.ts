// deploy/: each overlay renders with the real kubectl, every object validates against the
// Kubernetes schemas, RBAC grants exactly what the ingester uses, the PrometheusRule is alerts/'s,
// the pods meet the restricted Pod Security Standard, the grace period fits drainwatch's own
// drain, and `drainwatch config check` accepts each overlay's rendered environment.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseSettings, processEnv, SETTINGS } from "../../lib/env.ts";
import { LEASE_NAME } from "../../lib/leader/lease.ts";
import { WATCHED_RESOURCES } from "../../lib/sources/live/resources.ts";
import { last, readDockerfile, stageEnv } from "./dockerfile.ts";
import { find, one, OVERLAYS, render, root, schemaErrors, type K8sObject } from "./render.ts";

// ---- the parts of objects the assertions read (zod: a renamed field fails loudly) ----------------
const envVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .object({
      secretKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
      configMapKeyRef: z.object({ name: z.string(), key: z.string() }).optional(),
      fieldRef: z.object({ fieldPath: z.string() }).optional(),
    })
    .optional(),
});
const probe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }).optional() }).loose();
const securityContext = z
  .object({
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().optional(),
    runAsGroup: z.number().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    privileged: z.boolean().optional(),
    capabilities: z.object({ drop: z.array(z.string()).optional(), add: z.array(z.string()).optional() }).optional(),
    seccompProfile: z.object({ type: z.string() }).optional(),
  })
  .loose();
const container = z
  .object({
    name: z.string(),
    image: z.string(),
    args: z.array(z.string()).optional(),
    ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() }).loose()).optional(),
    env: z.array(envVar).default([]),
    envFrom: z
      .array(z.object({ configMapRef: z.object({ name: z.string() }).optional(), secretRef: z.object({ name: z.string(), optional: z.boolean().optional() }).optional() }))
      .default([]),
    readinessProbe: probe.optional(),
    livenessProbe: probe.optional(),
    lifecycle: z.object({ preStop: z.object({ sleep: z.object({ seconds: z.number() }).optional() }).loose().optional() }).optional(),
    resources: z.object({ requests: z.record(z.string(), z.string()), limits: z.record(z.string(), z.string()) }).optional(),
    securityContext: securityContext.optional(),
    volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() }).loose()).default([]),
  })
  .loose();
const podTemplate = z.object({
  metadata: z.object({ labels: z.record(z.string(), z.string()) }).loose(),
  spec: z
    .object({
      serviceAccountName: z.string().optional(),
      automountServiceAccountToken: z.boolean().optional(),
      terminationGracePeriodSeconds: z.number().optional(),
      securityContext: securityContext.optional(),
      hostNetwork: z.boolean().optional(),
      hostPID: z.boolean().optional(),
      hostIPC: z.boolean().optional(),
      containers: z.array(container),
      initContainers: z.array(container).optional(),
      volumes: z.array(z.object({ name: z.string(), emptyDir: z.object({}).loose().optional(), hostPath: z.unknown().optional() }).loose()).default([]),
    })
    .loose(),
});
const workload = z.object({ spec: z.object({ replicas: z.number().optional(), selector: z.object({ matchLabels: z.record(z.string(), z.string()) }), template: podTemplate }).loose() });
const policyRule = z.object({
  apiGroups: z.array(z.string()).default([]),
  resources: z.array(z.string()).default([]),
  verbs: z.array(z.string()),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});
const role = z.object({ rules: z.array(policyRule) });
const binding = z.object({
  roleRef: z.object({ kind: z.string(), name: z.string() }),
  subjects: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() })),
});
const configMap = z.object({ data: z.record(z.string(), z.string()).default({}) });
const secret = z.object({ data: z.record(z.string(), z.string()).optional(), stringData: z.record(z.string(), z.string()).optional() });
const labelSelector = z.object({ matchLabels: z.record(z.string(), z.string()) });

const NS = "drainwatch";
/** Peak RSS of `serve` at 10,000 watched pods with the image's heap cap (README "Sizing"). */
const MEASURED_RSS_MIB = 341;

function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`memory quantity ${quantity}: the test reads Mi or Gi`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}
const rendered: Record<string, K8sObject[]> = {};

function drainwatchDeployment(objects: K8sObject[]) {
  return workload.parse(one(objects, "Deployment", "drainwatch"));
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * The environment Kubernetes would give drainwatch's container: the image's ENV, then envFrom in
 * order (a missing optional Secret contributes nothing), then `env` with $(VAR) expanded from the
 * variables before it; Secret values from rendered Secrets, else `stubs`; what the kubelet adds.
 */
function containerEnvironment(objects: K8sObject[], stubs: Record<string, string>): Record<string, string> {
  const stages = readDockerfile(path.join(root, "Dockerfile"));
  const env: Record<string, string> = { ...stageEnv(stages[stages.length - 1]!) };
  const c = drainwatchDeployment(objects).spec.template.spec.containers[0]!;
  const secretValue = (name: string, key: string): string | undefined => {
    const s = find(objects, "Secret", name)[0];
    if (!s) return undefined;
    const parsed = secret.parse(s);
    const b64 = parsed.data?.[key];
    return b64 !== undefined ? Buffer.from(b64, "base64").toString("utf8") : parsed.stringData?.[key];
  };
  for (const from of c.envFrom) {
    if (from.configMapRef) Object.assign(env, configMap.parse(one(objects, "ConfigMap", from.configMapRef.name)).data);
    if (from.secretRef && find(objects, "Secret", from.secretRef.name).length > 0) throw new Error("secretRef with a rendered Secret: not expected");
    if (from.secretRef && !from.secretRef.optional) throw new Error(`envFrom Secret ${from.secretRef.name} is not optional and not rendered`);
  }
  for (const v of c.env) {
    if (v.value !== undefined) env[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
    else if (v.valueFrom?.secretKeyRef) {
      const { name, key } = v.valueFrom.secretKeyRef;
      const value = secretValue(name, key) ?? stubs[`${name}/${key}`];
      if (value === undefined) throw new Error(`no value for Secret ${name} key ${key}`);
      env[v.name] = value;
    } else if (v.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[v.name] = NS;
    else throw new Error(`env ${v.name}: source not understood by the test`);
  }
  return { ...env, KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
}

const STUBS = { "drainwatch-database/DATABASE_URL": "postgresql://drainwatch:stub-password@postgres.example.internal:5432/drainwatch" };

beforeAll(() => {
  for (const o of OVERLAYS) rendered[o] = render(`deploy/overlays/${o}`);
});

describe.each(OVERLAYS)("overlay %s", (overlay) => {
  const objects = () => rendered[overlay]!;

  it("renders the objects an installation needs, all in drainwatch's namespace", () => {
    const kinds = new Set(objects().map((o) => o.kind));
    for (const kind of ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service", "ServiceMonitor", "PrometheusRule", "NetworkPolicy", "PodDisruptionBudget"]) {
      expect(kinds, kind).toContain(kind);
    }
    for (const o of objects()) {
      if (["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NS);
    }
    expect(one(objects(), "Namespace").metadata.name).toBe(NS);
  });

  it("validates every object against the Kubernetes schemas, with no unknown field", async () => {
    const errors = (await Promise.all(objects().map((o) => schemaErrors(o)))).flat();
    expect(errors).toEqual([]);
  });

  it("grants get/list/watch on exactly what the ingester watches, Leases in its namespace, and nothing on Secrets", () => {
    const clusterRoles = find(objects(), "ClusterRole");
    const roles = find(objects(), "Role");
    expect(clusterRoles).toHaveLength(1);
    expect(roles).toHaveLength(1);
    const granted = new Set<string>();
    for (const r of role.parse(clusterRoles[0]).rules) {
      expect(r.nonResourceURLs).toBeUndefined();
      expect(r.resourceNames).toBeUndefined();
      for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) granted.add(`${g}/${res}:${v}`);
    }
    const wanted = new Set<string>();
    const watched = [...WATCHED_RESOURCES.map((w) => ({ group: w.group, resource: w.resource })), { group: "events.k8s.io", resource: "events" }];
    for (const w of watched) for (const v of ["get", "list", "watch"]) wanted.add(`${w.group}/${w.resource}:${v}`);
    expect([...granted].sort()).toEqual([...wanted].sort());

    const leaseRules = role.parse(roles[0]).rules;
    const leaseGrants = leaseRules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))));
    expect(leaseGrants.sort()).toEqual(["coordination.k8s.io/leases:create", "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:update"]);
    for (const r of leaseRules.filter((x) => x.verbs.some((v) => v !== "create"))) expect(r.resourceNames).toEqual([LEASE_NAME]);

    for (const r of [...clusterRoles, ...roles].flatMap((x) => role.parse(x).rules)) {
      expect(r.resources).not.toContain("secrets");
      expect([...r.resources, ...r.verbs, ...r.apiGroups]).not.toContain("*");
    }
    // Bound to drainwatch's ServiceAccount only, and nothing else is bound.
    for (const [kind, target] of [["ClusterRoleBinding", clusterRoles[0]!], ["RoleBinding", roles[0]!]] as const) {
      const b = binding.parse(one(objects(), kind));
      expect(b.roleRef).toMatchObject({ kind: target.kind, name: target.metadata.name });
      expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "drainwatch", namespace: NS }]);
    }
    expect(drainwatchDeployment(objects()).spec.template.spec.serviceAccountName).toBe("drainwatch");
  });

  it("includes the PrometheusRule generated from alerts/, with exactly the rules of alerts/rules.yml", () => {
    const rule = one(objects(), "PrometheusRule") as K8sObject & { spec: { groups: unknown } };
    const source = parseYaml(fs.readFileSync(path.join(root, "alerts", "rules.yml"), "utf8")) as { groups: unknown };
    expect(rule.spec.groups).toEqual(source.groups);
    expect(rule.metadata.name).toBe("drainwatch");
  });

  it("probes /readyz and /healthz, stops gracefully within a grace period that fits its drain, and takes its namespace from the downward API", () => {
    const d = drainwatchDeployment(objects());
    const c = d.spec.template.spec.containers[0]!;
    const env = containerEnvironment(objects(), STUBS);
    const settings = parseSettings(env);
    const port = c.ports?.find((p) => p.name === "http")?.containerPort;
    expect(port).toBe(settings.server.PORT);
    expect(settings.server.HOST).toBe("0.0.0.0");
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.args).toEqual(["serve"]);
    // SIGTERM comes after preStop; serve then needs delay + timeout + flush (+ 5 s slack in its own
    // stop budget, lib/server/serve.ts) before it exits. SIGKILL must never come first.
    const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStop).toBeGreaterThan(0);
    const { DRAINWATCH_SHUTDOWN_DELAY_SECONDS: delay, DRAINWATCH_SHUTDOWN_TIMEOUT_SECONDS: timeout, DRAINWATCH_SHUTDOWN_FLUSH_SECONDS: flush } = settings.server;
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + delay + timeout + flush + 5);
    expect(c.env.find((e) => e.name === "POD_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.namespace");
    expect(env.DRAINWATCH_CLUSTER).toBeDefined();
    expect(settings.ingest.DRAINWATCH_CLUSTER).toBe("default");
  });

  it("runs every pod under the restricted Pod Security Standard, drainwatch with a read-only root and the image's user", () => {
    const templates = [...find(objects(), "Deployment"), ...find(objects(), "StatefulSet")].map((o) => ({ name: `${o.kind}/${o.metadata.name}`, t: workload.parse(o).spec.template }));
    for (const { name, t } of templates) {
      const pod = t.spec;
      expect(pod.securityContext?.runAsNonRoot, name).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type, name).toBe("RuntimeDefault");
      expect([pod.hostNetwork, pod.hostPID, pod.hostIPC].filter(Boolean), name).toEqual([]);
      expect(pod.volumes.filter((v) => v.hostPath !== undefined), name).toEqual([]);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext?.allowPrivilegeEscalation, `${name} ${c.name}`).toBe(false);
        expect(c.securityContext?.capabilities?.drop, `${name} ${c.name}`).toEqual(["ALL"]);
        expect(c.securityContext?.capabilities?.add ?? [], `${name} ${c.name}`).toEqual([]);
        expect(c.securityContext?.privileged ?? false).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, `${name} ${c.name}`).toBe(true);
        expect(c.image, `${name} ${c.name}: a pinned tag`).toMatch(/:[^:/]+$/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.resources?.requests.memory, `${name} ${c.name}`).toBeDefined();
        expect(c.resources?.limits.memory, `${name} ${c.name}`).toBeDefined();
      }
    }
    const stages = readDockerfile(path.join(root, "Dockerfile"));
    const final = stages[stages.length - 1]!;
    const [uid, gid] = last(final, "USER")!.args.split(":").map(Number);
    const d = drainwatchDeployment(objects()).spec.template.spec;
    expect(d.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid });
    // The only writable paths are emptyDirs: the OS temp dir and Next's cache in the image's WORKDIR.
    const workdir = last(final, "WORKDIR")!.args;
    const c = d.containers[0]!;
    const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m.name]));
    expect(Object.keys(mounts).sort()).toEqual(["/tmp", `${workdir}/.next/cache`].sort());
    for (const name of Object.values(mounts)) expect(d.volumes.find((v) => v.name === name)?.emptyDir, name).toBeDefined();
    expect(c.image).toMatch(/^drainwatch:/);
    // Sized from the measured RSS (README "Sizing": at most 341 MiB at 10,000 pods), with room.
    expect(mebibytes(c.resources!.requests.memory!)).toBeGreaterThanOrEqual(MEASURED_RSS_MIB);
    expect(mebibytes(c.resources!.limits.memory!)).toBeGreaterThanOrEqual(MEASURED_RSS_MIB * 1.4);
  });

  it("wires the Service, ServiceMonitor, NetworkPolicy and PodDisruptionBudget to drainwatch's pods", () => {
    const d = drainwatchDeployment(objects());
    const podLabels = d.spec.template.metadata.labels;
    expect(matches(d.spec.selector.matchLabels, podLabels)).toBe(true);
    const svc = one(objects(), "Service", "drainwatch") as K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } };
    expect(matches(svc.spec.selector, podLabels)).toBe(true);
    expect(svc.spec.ports.map((p) => [p.name, p.targetPort])).toEqual([["http", "http"]]);
    const sm = z
      .object({ spec: z.object({ selector: labelSelector, endpoints: z.array(z.object({ port: z.string(), path: z.string(), honorLabels: z.boolean() }).loose()) }) })
      .parse(one(objects(), "ServiceMonitor"));
    // The job label is the Service's name: the ingest alerts select job="drainwatch".
    expect(svc.metadata.name).toBe("drainwatch");
    const selected = find(objects(), "Service").filter((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.map((s) => s.metadata.name)).toEqual(["drainwatch"]);
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics", honorLabels: true })]);
    const np = z.object({ spec: z.object({ podSelector: labelSelector, policyTypes: z.array(z.string()) }).loose() }).parse(one(objects(), "NetworkPolicy", "drainwatch"));
    expect(matches(np.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(np.spec.policyTypes.sort()).toEqual(["Egress", "Ingress"]);
    const pdb = z.object({ spec: z.object({ selector: labelSelector, maxUnavailable: z.number().optional(), minAvailable: z.number().optional() }) }).parse(one(objects(), "PodDisruptionBudget"));
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    // A PDB must leave a drain possible: with one replica, at least one pod may go.
    const replicas = d.spec.replicas ?? 1;
    const mayGo = pdb.spec.maxUnavailable ?? replicas - (pdb.spec.minAvailable ?? 0);
    expect(mayGo).toBeGreaterThanOrEqual(1);
  });

  it("keeps every setting in the commented ConfigMap (known names only) and credentials only in Secrets", () => {
    const d = drainwatchDeployment(objects());
    const c = d.spec.template.spec.containers[0]!;
    const cmName = c.envFrom.find((f) => f.configMapRef)?.configMapRef?.name;
    const data = configMap.parse(one(objects(), "ConfigMap", cmName)).data;
    const known = new Set(Object.values(SETTINGS).flatMap((s) => Object.keys(s.shape)));
    for (const key of Object.keys(data)) expect(known, `${key} is not a drainwatch setting`).toContain(key);
    // Each setting in settings.env has its own comment above it.
    const lines = fs.readFileSync(path.join(root, "deploy", "base", "settings.env"), "utf8").split("\n");
    lines.forEach((l, i) => {
      if (/^[A-Z_]+=/.test(l)) expect(lines[i - 1], `${l} needs a comment line above it`).toMatch(/^#/);
    });
    // Literal env values hold no credentials: a URL with a password is assembled from a Secret.
    for (const v of c.env.filter((e) => e.value !== undefined)) {
      const value = v.value!;
      if (/^[a-z]+:\/\//.test(value)) expect(new URL(value.replace(/\$\([A-Z_]+\)/g, "x")).password, v.name).toMatch(/^(|x)$/);
      expect(value, v.name).not.toMatch(/^(?!.*\$\().*password/i);
    }
    for (const v of Object.values(data)) expect(v).not.toMatch(/:\/\/[^/@]*:[^/@]*@/);
  });

  it("passes `drainwatch config check` with the overlay's rendered environment (Secrets stubbed)", () => {
    const env = containerEnvironment(objects(), STUBS);
    const main = path.join(root, "dist", "cli", "main.mjs");
    if (!fs.existsSync(main)) throw new Error("dist/cli/main.mjs is missing: run `bash scripts/build-cli.sh` (npm test builds it)");
    // Exactly the container's environment (the image's ENV sets NODE_ENV), plus PATH.
    const run = (e: Record<string, string>) => {
      const childEnv: NodeJS.ProcessEnv = { NODE_ENV: "production", ...e, PATH: processEnv().PATH ?? "/usr/bin:/bin" };
      return spawnSync(process.execPath, [main, "config", "check"], { env: childEnv, encoding: "utf8", timeout: 30_000 });
    };
    const ok = run(env);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("settings ok");
    expect(ok.stdout).toContain("kubeconfig: in-cluster");
    expect(ok.stdout).toContain("cluster name: default");
    expect(ok.stdout).toContain("listen: 0.0.0.0:3000");
    expect(ok.stdout).toMatch(/database: postgresql:\/\/drainwatch:\*\*\*@/);
    expect(ok.stdout + ok.stderr).not.toMatch(/stub-password|change0me/);
    // The same check fails, naming the variable, when the ConfigMap holds a bad value.
    const bad = run({ ...env, DRAINWATCH_RETENTION_DAYS: "ninety" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("DRAINWATCH_RETENTION_DAYS");
  });
});

describe("overlay differences", () => {
  it("single: one replica and a bundled Postgres with a volume and its own Secret; ha: two replicas on an external database", () => {
    const single = rendered.single!;
    const ha = rendered.ha!;
    expect(drainwatchDeployment(single).spec.replicas).toBe(1);
    expect(drainwatchDeployment(ha).spec.replicas).toBe(2);

    const pg = z
      .object({
        spec: z
          .object({
            replicas: z.number(),
            volumeClaimTemplates: z.array(z.object({ metadata: z.object({ name: z.string() }), spec: z.object({ accessModes: z.array(z.string()) }).loose() })),
            template: podTemplate,
          })
          .loose(),
      })
      .parse(one(single, "StatefulSet"));
    expect(pg.spec.replicas).toBe(1);
    const mounts = pg.spec.template.spec.containers[0]!.volumeMounts.map((m) => m.name);
    expect(mounts).toContain(pg.spec.volumeClaimTemplates[0]!.metadata.name);
    const pgSecret = pg.spec.template.spec.containers[0]!.env.find((e) => e.name === "POSTGRES_PASSWORD")?.valueFrom?.secretKeyRef?.name;
    expect(find(single, "Secret").map((s) => s.metadata.name)).toEqual([pgSecret]);
    // drainwatch reads the same Secret, and its URL points at the bundled Service.
    const env = containerEnvironment(single, {});
    expect(new URL(env.DATABASE_URL!).host).toBe(`${one(single, "Service", "drainwatch-postgres").metadata.name}:5432`);
    // The bundled database accepts connections from drainwatch's pods only.
    const np = z
      .object({ spec: z.object({ podSelector: labelSelector, ingress: z.array(z.object({ from: z.array(z.object({ podSelector: labelSelector })) }).loose()) }).loose() })
      .parse(one(single, "NetworkPolicy", "drainwatch-postgres"));
    expect(matches(np.spec.podSelector.matchLabels, pg.spec.template.metadata.labels)).toBe(true);
    expect(np.spec.ingress.flatMap((i) => i.from.map((f) => f.podSelector.matchLabels))).toEqual([drainwatchDeployment(single).spec.selector.matchLabels]);

    expect(find(ha, "StatefulSet")).toEqual([]);
    expect(find(ha, "Secret")).toEqual([]); // the database Secret is the operator's to create
    const haEnv = drainwatchDeployment(ha).spec.template.spec.containers[0]!.env.find((e) => e.name === "DATABASE_URL");
    expect(haEnv?.valueFrom?.secretKeyRef).toEqual({ name: "drainwatch-database", key: "DATABASE_URL" });
  });
});

describe("the schema check itself", () => {
  it("rejects a misspelt field, a wrong type and a missing required field", async () => {
    const d = structuredClone(one(rendered.single!, "Deployment", "drainwatch")) as K8sObject & { spec: Record<string, unknown> };
    expect(await schemaErrors(d)).toEqual([]);
    const template = d.spec.template as { spec: { containers: Record<string, unknown>[] } };
    const c = template.spec.containers[0]!;
    c.readinesProbe = c.readinessProbe;
    expect((await schemaErrors(d)).join("\n")).toMatch(/unknown field "readinesProbe"/);
    delete c.readinesProbe;
    d.spec.replicas = "two";
    expect(await schemaErrors(d)).not.toEqual([]);
    d.spec.replicas = 1;
    delete c.name;
    expect(await schemaErrors(d)).not.toEqual([]);
  });
});
