// Scenario `kubectl` actions: a few kubectl command lines translated into simulator actions
// (pure), so scenarios can be written the way an operator would type them.

export type KubectlAction =
  | { kind: "rollout"; namespace: string; name: string }
  | { kind: "scale"; namespace: string; name: string; replicas: number }
  | { kind: "delete"; namespace: string; pod: string | null; selector: string | null; gracePeriodSeconds: number | null; force: boolean };

export function parseKubectl(command: string): KubectlAction {
  const tokens = command.trim().split(/\s+/);
  if (tokens[0] === "kubectl") tokens.shift();
  let namespace = "default";
  let replicas: number | null = null;
  let grace: number | null = null;
  let selector: string | null = null;
  let force = false;
  const args: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const value = (flag: string): string | null => {
      if (t === flag) return tokens[++i] ?? null;
      if (t.startsWith(`${flag}=`)) return t.slice(flag.length + 1);
      return null;
    };
    const ns = value("-n") ?? value("--namespace");
    const rep = value("--replicas");
    const gp = value("--grace-period");
    const sel = value("-l") ?? value("--selector");
    if (ns !== null) namespace = ns;
    else if (rep !== null) replicas = Number(rep);
    else if (gp !== null) grace = Number(gp);
    else if (sel !== null) selector = sel;
    else if (t === "--force") force = true;
    else if (t.startsWith("-")) throw new Error(`kubectl action: unsupported flag ${t}`);
    else args.push(t);
  }
  const deploymentName = (ref: string | undefined): string => {
    const m = /^(?:deployment|deploy|deployments)[/.](.+)$/.exec(ref ?? "");
    if (!m) throw new Error(`kubectl action: expected deployment/NAME, got ${ref ?? "nothing"}`);
    return m[1]!;
  };
  const [verb, ...rest] = args;
  if (verb === "rollout" && rest[0] === "restart") return { kind: "rollout", namespace, name: deploymentName(rest[1]) };
  if (verb === "scale") {
    if (replicas === null || !Number.isInteger(replicas) || replicas < 0) throw new Error("kubectl action: scale needs --replicas=N");
    return { kind: "scale", namespace, name: deploymentName(rest[0]), replicas };
  }
  if (verb === "delete" && (rest[0] === "pod" || rest[0] === "pods" || rest[0] === "po")) {
    const pod = rest[1] ?? null;
    if (pod === null && selector === null) throw new Error("kubectl action: delete pod needs a name or -l SELECTOR");
    if (grace === 0 && !force) throw new Error("kubectl action: --grace-period=0 needs --force");
    return { kind: "delete", namespace, pod, selector, gracePeriodSeconds: grace, force };
  }
  throw new Error(`kubectl action: unsupported command "${command}"`);
}
