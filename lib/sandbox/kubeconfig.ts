// A kubeconfig for a sandbox server: plain HTTP on 127.0.0.1, no credentials.

export function kubeconfig(url: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: drainwatch-sandbox",
    "  cluster:",
    `    server: ${url}`,
    // client-node refuses plain http unless TLS verification is marked as skipped.
    "    insecure-skip-tls-verify: true",
    "contexts:",
    "- name: drainwatch-sandbox",
    "  context:",
    "    cluster: drainwatch-sandbox",
    "    user: drainwatch-sandbox",
    "    namespace: default",
    "current-context: drainwatch-sandbox",
    "users:",
    "- name: drainwatch-sandbox",
    "  user: {}",
    "",
  ].join("\n");
}
