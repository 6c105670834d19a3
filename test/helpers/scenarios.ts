// Sandbox scenarios the end-to-end tests share.

/** One pod of shop/ledger that ignores SIGTERM, deleted at `deleteAt` virtual seconds: it drains
 * until its `grace` deadline, then is SIGKILLed (in flight for grace × timeScale wall seconds). */
export function slowPodScenario(o: { name: string; timeScale: number; seed: number; grace: number; deleteAt: number }): string {
  return `
name: ${o.name}
timeScale: ${o.timeScale}
seed: ${o.seed}
namespaces: [shop]
nodes: [node-1]
workloads:
  - name: ledger
    namespace: shop
    replicas: 1
    terminationGracePeriodSeconds: ${o.grace}
    containers:
      - name: ledger
        behaviour: ignore-sigterm
schedule:
  - { at: ${o.deleteAt}, action: delete-pod, target: shop/ledger }
`;
}
