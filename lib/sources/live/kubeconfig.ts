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
  /** The ingest settings that locate a cluster (lib/env.ts). */
  env: { KUBECONFIG?: string | undefined; KUBERNETES_SERVICE_HOST?: string | undefined; KUBERNETES_SERVICE_PORT?: string | undefined };
  homeDir?: string;
  /** Prefix for the service-account files (tests). */
  serviceAccountPrefix?: string;
}

/** A KUBECONFIG that is set but cannot be used: a configuration error (exit 2), never a reason
 * to fall back to the sandbox's simulated data. */
export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

/** Throws KubeConfigError when KUBECONFIG is set but a file is missing, unreadable or invalid. */
export function loadKubeConfig(opts: LoadKubeConfigOptions): KubeConfigSource | null {
  const { env } = opts;

  // An explicit KUBECONFIG wins over the in-cluster account, as in kubectl: whoever set it meant it.
  const files = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f.length > 0);
  if (files.length > 0) {
    const kc = new KubeConfig();
    files.forEach((f, i) => {
      const one = i === 0 ? kc : new KubeConfig();
      if (!existsSync(f)) throw new KubeConfigError(`invalid setting KUBECONFIG: ${f} does not exist`);
      try {
        one.loadFromFile(f);
      } catch (e) {
        throw new KubeConfigError(`invalid setting KUBECONFIG: ${f} is not a kubeconfig (${(e as Error).message.split("\n")[0]})`);
      }
      if (one !== kc) kc.mergeConfig(one, true);
    });
    const found = usable(kc, "kubeconfig-env");
    if (!found) throw new KubeConfigError(`invalid setting KUBECONFIG: ${files.join(path.delimiter)} names no current context with a cluster server`);
    return found;
  }

  const prefix = opts.serviceAccountPrefix ?? "";
  const tokenFile = `${prefix}${SERVICE_ACCOUNT_DIR}/token`;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(tokenFile)) {
    const kc = new KubeConfig();
    // loadFromCluster reads KUBERNETES_SERVICE_HOST/PORT from the process environment itself.
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
