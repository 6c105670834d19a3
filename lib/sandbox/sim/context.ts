// What every part of the simulator shares: the object store (the API's state), the virtual
// clock, the seeded RNG and the event recorder. One instance per cluster.
import type { VirtualClock } from "../clock.ts";
import type { Settings } from "../scenario.ts";
import type { ObjectStore } from "../store.ts";
import type { EventRecorder } from "./events.ts";
import type { Rng } from "./rng.ts";

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface Sim {
  readonly store: ObjectStore;
  readonly clock: VirtualClock;
  readonly rng: Rng;
  readonly events: EventRecorder;
  readonly settings: Settings;
  /** Virtual epoch ms the cluster started; what exists at start was created before it. */
  readonly startedAt: number;
}
