// Where the Kubernetes API is: an explicit KUBECONFIG, else the in-cluster service account, else
// ~/.kube/config. null when none is configured: `serve` then starts the sandbox cluster instead.
// (client-node's loadFromDefault() never says "none": it falls back to localhost:8080, which would
// make drainwatch retry a server that does not exist instead of showing the sandbox.)
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface KubeConfigSource {
  kubeConfig: KubeConfig;
  /** How it was found, for the startup log. */
  from: "kubeconfig-env" | "in-cluster" | "home";
  /** Namespace of the current context (in-cluster: the pod's own namespace), if known. */
  namespace: string | null;
}

export interface LoadKubeConfigOptions {
  env?: Record<string, string | undefined>;
  homeDir?: string;
  /** Prefix for the service-account files (tests). */
  serviceAccountPrefix?: string;
}

/** Throws when a configured kubeconfig is unreadable or invalid (a configuration error to report). */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfigSource | null {
  const env = opts.env ?? process.env;

  // An explicit KUBECONFIG wins over the in-cluster account, as in kubectl: whoever set it meant it.
  const files = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f.length > 0 && existsSync(f));
  if (files.length > 0) {
    const kc = new KubeConfig();
    kc.loadFromFile(files[0]!);
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more, true);
    }
    return usable(kc, "kubeconfig-env");
  }

  const prefix = opts.serviceAccountPrefix ?? "";
  const tokenFile = `${prefix}${SERVICE_ACCOUNT_DIR}/token`;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(tokenFile)) {
    const kc = new KubeConfig();
    // loadFromCluster reads KUBERNETES_SERVICE_HOST/PORT from process.env itself.
    kc.loadFromCluster(prefix);
    const nsFile = `${prefix}${SERVICE_ACCOUNT_DIR}/namespace`;
    const src = usable(kc, "in-cluster");
    if (src && existsSync(nsFile)) src.namespace = readTrimmed(nsFile);
    return src;
  }

  const home = opts.homeDir ?? os.homedir();
  const homeConfig = path.join(home, ".kube", "config");
  if (home && existsSync(homeConfig)) {
    const kc = new KubeConfig();
    kc.loadFromFile(homeConfig);
    return usable(kc, "home");
  }
  return null;
}

function usable(kc: KubeConfig, from: KubeConfigSource["from"]): KubeConfigSource | null {
  // A kubeconfig without a current context (e.g. only credentials) configures no cluster.
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) return null;
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { kubeConfig: kc, from, namespace: ctx?.namespace ?? null };
}

function readTrimmed(file: string): string | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text.length > 0 ? text : null;
  } catch {
    return null;
  }
}
