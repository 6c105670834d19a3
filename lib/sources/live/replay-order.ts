// Cross-stream order for a resume. Each stream replays its backlog since the checkpoint as fast as
// its watch delivers it, so the pods stream can hand over a pod's deletion before the ReplicaSets
// stream hands over the scale-down that caused it: the tracker would call a scale-down a plain
// delete. The API server orders all of them by resourceVersion (etcd's revision, one sequence
// across resources), so while resumed streams deliver their backlogs the source holds their
// facts and releases them sorted by resourceVersion (stable: a stream's own order is kept), once
// the backlogs have gone quiet (`quietMs` without a held fact) or after `maxHoldMs`.
// Facts of a list (no resourceVersion of their own: a snapshot) and non-numeric versions are not
// sortable: they pass straight through, and while holding, a non-numeric version ends the hold.
// Held facts are history: they happened at some time since the checkpoint, not when the watch
// delivered them, so they are released with `at: null` and the tracker dates them from the
// objects' own timestamps (never later than they happened by the length of the downtime), capped
// at when they were received (`receivedAt`).
// Pure apart from its timer.
import type { FactItem } from "../item.ts";

export interface ReplayOrderOptions {
  quietMs: number;
  maxHoldMs: number;
  push: (item: FactItem) => void;
}

export class ReplayOrder {
  private held: { item: FactItem; rv: number; n: number }[] = [];
  private holding = true;
  private quietTimer: NodeJS.Timeout | null = null;
  private readonly maxTimer: NodeJS.Timeout;

  constructor(private readonly o: ReplayOrderOptions) {
    this.maxTimer = setTimeout(() => this.release(), o.maxHoldMs);
    this.quietTimer = setTimeout(() => this.release(), o.maxHoldMs);
  }

  /** Facts held so far (tests). */
  get depth(): number {
    return this.held.length;
  }

  push(item: FactItem): void {
    if (!this.holding) return this.o.push(item);
    const text = item.resume?.resourceVersion;
    if (text === undefined) return this.o.push(item);
    const rv = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(rv)) {
      this.release();
      return this.o.push(item);
    }
    this.held.push({ item, rv, n: this.held.length });
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.release(), this.o.quietMs);
  }

  /** Releases what is held, in resourceVersion order, and passes everything through from now on. */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    clearTimeout(this.maxTimer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    const held = this.held.sort((a, b) => a.rv - b.rv || a.n - b.n);
    this.held = [];
    for (const h of held) this.o.push({ ...h.item, fact: { ...h.item.fact, at: null, ...(h.item.fact.at === null ? {} : { receivedAt: h.item.fact.at }) } });
  }

  /** True while facts are still being held (the backlog has not been released yet). */
  get holdingBacklog(): boolean {
    return this.holding;
  }
}
