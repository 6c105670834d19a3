import type { TerminationRecord } from "../tracker/record.ts";
import type { Recommendation } from "./types.ts";

export interface RecommendInput {
  /** The workload's newest terminations (newest first). */
  records: readonly TerminationRecord[];
}

export function recommend(input: RecommendInput): Recommendation[] {
  void input;
  return [];
}
