// Debounced controller passes: a pod change marks its workload dirty, and one pass shortly after
// covers every dirty workload (controllers react to watch events after a short delay).
import type { Sim } from "../context.ts";
import type { WorkloadState } from "../workload.ts";

export const CONTROLLER_DELAY_S = 0.05;

export class Kicker {
  private readonly dirty = new Set<WorkloadState>();
  private pending = false;

  constructor(
    private readonly sim: Sim,
    private readonly pass: (w: WorkloadState) => void,
  ) {}

  kick(w: WorkloadState): void {
    this.dirty.add(w);
    if (this.pending) return;
    this.pending = true;
    this.sim.clock.after(CONTROLLER_DELAY_S, () => {
      this.pending = false;
      const batch = [...this.dirty];
      this.dirty.clear();
      for (const x of batch) this.pass(x);
    });
  }
}

export function resolveIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const x = (Number(v.slice(0, -1)) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
