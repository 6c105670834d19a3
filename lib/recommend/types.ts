// What a recommendation says (contract section 4: `{id, severity, title, evidence, change}`).
export type Severity = "critical" | "warning" | "info";

/** A termination cited as evidence (the UI links it: /terminations/{cluster}/{podUid}). */
export interface ExamplePod {
  cluster: string;
  podUid: string;
  pod: string;
}

/** One measured fact behind a recommendation (a count, a percentile, a setting). */
export interface EvidenceFact {
  label: string;
  value: number;
  unit: "count" | "seconds";
}

export interface Evidence {
  /** One or two sentences in words, with the numbers. */
  text: string;
  facts: EvidenceFact[];
  /** Up to 3 example terminations, newest first. */
  examples: ExamplePod[];
}

export interface Change {
  /** What to change, in words. */
  description: string;
  /** Where the snippet goes. */
  target: "pod-spec" | "container-image" | "mesh" | "application";
  /** The exact lines to set: YAML under the pod template's spec, Dockerfile lines, or code. */
  snippet: string;
}

export interface Recommendation {
  /** Stable id of the rule (`grace-too-short`, `prestop-sleep`, …). */
  id: string;
  severity: Severity;
  title: string;
  evidence: Evidence;
  change: Change;
}
