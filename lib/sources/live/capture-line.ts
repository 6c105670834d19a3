// One capture line (contract section 1): `{"at":"…ms Z","type":…,"object":…}`. Pure.
import type { Fact } from "../../tracker/fact.ts";

export function captureLine(fact: Fact): string {
  const at = fact.at === null ? undefined : new Date(fact.at).toISOString();
  return JSON.stringify({ at, type: fact.type, object: fact.object }) + "\n";
}
