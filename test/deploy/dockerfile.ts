// A small Dockerfile reader for the image tests: instructions (continuations joined, comments
// dropped) grouped by stage. Only the forms the project's Dockerfile uses are understood; anything
// else is an error, so the tests cannot silently read a Dockerfile they do not understand.
import fs from "node:fs";

export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  from: string;
  instructions: Instruction[];
}

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

export function readDockerfile(file: string): Stage[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i + 1;
    let text = first;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      text = text.replace(/\\\s*$/, " ") + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(text);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse ${JSON.stringify(text)}`);
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: cannot parse FROM ${ins.args}`);
      stages.push({ from: m[1]!, name: m[2] ?? null, instructions: [] });
    } else {
      const stage = stages[stages.length - 1];
      if (!stage) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
      stage.instructions.push(ins);
    }
  }
  return stages;
}

export function parseCopy(ins: Instruction): Copy {
  const words = ins.args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift()!;
    const m = /^--from=(\S+)$/.exec(flag);
    if (!m) throw new Error(`Dockerfile line ${ins.line}: COPY flag ${flag} is not understood by the tests`);
    from = m[1]!;
  }
  if (words.length < 2 || words[0]!.startsWith("[")) throw new Error(`Dockerfile line ${ins.line}: COPY needs sources and a destination in plain form`);
  return { from, sources: words.slice(0, -1), dest: words[words.length - 1]! };
}

/** ENTRYPOINT/CMD in exec form (a JSON array of strings), or null for shell form. */
export function execForm(ins: Instruction | undefined): string[] | null {
  if (!ins) return null;
  try {
    const v: unknown = JSON.parse(ins.args);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
  } catch {
    return null;
  }
}

/** ENV lines of a stage (`KEY=value` pairs, values without spaces or quotes). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === "ENV")) {
    for (const pair of ins.args.split(/\s+/)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: ENV ${pair} is not in the KEY=value form the tests read`);
      env[m[1]!] = m[2]!;
    }
  }
  return env;
}

export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
