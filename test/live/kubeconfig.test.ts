// Finding the cluster: KUBECONFIG, ~/.kube/config, or none (serve then starts the sandbox).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processEnv } from "../../lib/env.ts";
import { KubeConfigError, loadKubeConfig } from "../../lib/sources/live/kubeconfig.ts";

const yaml = (server: string, ns?: string): string =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    `    server: ${server}`,
    "contexts:",
    "- name: ctx",
    `  context: {cluster: c, user: u${ns ? `, namespace: ${ns}` : ""}}`,
    "current-context: ctx",
    "users:",
    "- name: u",
    "  user: {token: t}",
    "",
  ].join("\n");

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("loadKubeConfig", () => {
  it("returns null when nothing is configured", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "dw-kc-"));
    expect(loadKubeConfig({ env: {}, homeDir: dir })).toBeNull();
  });

  it("refuses a KUBECONFIG that is set but missing or not a kubeconfig (never a silent fallback)", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "dw-kc-"));
    const missing = path.join(dir, "missing");
    expect(() => loadKubeConfig({ env: { KUBECONFIG: missing }, homeDir: dir })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ env: { KUBECONFIG: missing }, homeDir: dir })).toThrow(/KUBECONFIG: .*missing does not exist/);
    const junk = path.join(dir, "passwd");
    writeFileSync(junk, "root:x:0:0:root:/root:/bin/bash\n");
    expect(() => loadKubeConfig({ env: { KUBECONFIG: junk }, homeDir: dir })).toThrow(/KUBECONFIG/);
  });

  it("uses KUBECONFIG's current context", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "dw-kc-"));
    const f = path.join(dir, "kc.yaml");
    writeFileSync(f, yaml("http://127.0.0.1:1234", "shop"));
    const src = loadKubeConfig({ env: { KUBECONFIG: f }, homeDir: dir });
    expect(src?.from).toBe("kubeconfig-env");
    expect(src?.namespace).toBe("shop");
    expect(src?.kubeConfig.getCurrentCluster()?.server).toBe("http://127.0.0.1:1234");
  });

  it("falls back to ~/.kube/config", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "dw-kc-"));
    mkdirSync(path.join(dir, ".kube"));
    writeFileSync(path.join(dir, ".kube", "config"), yaml("https://10.0.0.1:6443"));
    const src = loadKubeConfig({ env: {}, homeDir: dir });
    expect(src?.from).toBe("home");
    expect(src?.kubeConfig.getCurrentCluster()?.server).toBe("https://10.0.0.1:6443");
  });

  it("uses the in-cluster service account when KUBERNETES_SERVICE_HOST is set", () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "dw-kc-"));
    const sa = path.join(dir, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, "token"), "tok");
    writeFileSync(path.join(sa, "namespace"), "drainwatch\n");
    const env = processEnv();
    const saved = { host: env.KUBERNETES_SERVICE_HOST, port: env.KUBERNETES_SERVICE_PORT };
    // client-node's loadFromCluster reads these from the process environment itself.
    env.KUBERNETES_SERVICE_HOST = "10.96.0.1";
    env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const src = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: env.KUBERNETES_SERVICE_PORT }, homeDir: dir, serviceAccountPrefix: dir });
      expect(src?.from).toBe("in-cluster");
      expect(src?.namespace).toBe("drainwatch");
      expect(src?.kubeConfig.getCurrentCluster()?.server).toBe("https://10.96.0.1:443");
    } finally {
      if (saved.host === undefined) delete env.KUBERNETES_SERVICE_HOST;
      else env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete env.KUBERNETES_SERVICE_PORT;
      else env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });
});
