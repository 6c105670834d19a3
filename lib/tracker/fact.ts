// A fact is one observed watch event, whatever the source (live informer, capture file, sandbox).
export const WATCH_TYPES = ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"] as const;
export type WatchType = (typeof WATCH_TYPES)[number];

export interface Fact {
  /** When the watcher observed the event, epoch ms; null when the source did not record it. */
  at: number | null;
  type: WatchType;
  /** The Kubernetes object as the API returned it (JSON, not yet validated). */
  object: unknown;
  /**
   * With `at` null: when the event was received (epoch ms), the latest it can have happened. A
   * resumed watch's backlog happened at unknown times since the checkpoint; the time the tracker
   * derives from the object is capped here (an API server clock ahead of ours, or a simulated
   * clock, must not move the tracker's clock past the time ingest runs on).
   */
  receivedAt?: number;
}
