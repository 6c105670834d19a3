// A fact is one observed watch event, whatever the source (live informer, capture file, sandbox).
export const WATCH_TYPES = ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"] as const;
export type WatchType = (typeof WATCH_TYPES)[number];

export interface Fact {
  /** When the watcher observed the event, epoch ms; null when the source did not record it. */
  at: number | null;
  type: WatchType;
  /** The Kubernetes object as the API returned it (JSON, not yet validated). */
  object: unknown;
}
