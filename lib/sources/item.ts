// What every source (capture file, live informers, sandbox) hands to the ingest pipeline.
import type { Fact } from "../tracker/fact.ts";

/** A watch event, with where it came from (`file:line` for captures). */
export interface FactItem {
  kind: "fact";
  fact: Fact;
  position: string;
  /**
   * Live sources: the watched stream (resource, or resource/namespace) and the resourceVersion it
   * has reached once this item is processed; absent for items in the middle of a list (a resume
   * from there would not be complete). What checkpoints store per stream.
   */
  resume?: { stream: string; resourceVersion: string };
  /**
   * On the BOOKMARK that ends a complete list of pods: the uids it listed, its scope and when it
   * completed. Pods the tracker holds in termination that are absent were deleted while nothing
   * watched (Tracker.relisted); the stream's own index only knows the pods it has seen itself.
   */
  relisted?: { namespace: string | null; uids: ReadonlySet<string>; at: number };
}

/** Input that could not become a fact; reported and skipped. */
export interface ProblemItem {
  kind: "problem";
  position: string;
  reason: string;
}

export type SourceItem = FactItem | ProblemItem;
