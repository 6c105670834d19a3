// An unbounded async queue drained in batches: watch callbacks push (they cannot wait), the
// ingest loop takes everything queued so far in one go. Arrival order is kept. A list, which can
// wait, waits for room between pages (whenBelow), so a 100,000-pod list never sits in memory whole.

export class AsyncQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | null = null;
  private roomWaiters: { limit: number; resolve: () => void }[] = [];
  private closed = false;

  get depth(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake();
  }

  /** No more pushes; iteration ends once the queued items are taken. */
  close(): void {
    this.closed = true;
    this.wake();
    this.wakeRoom(true);
  }

  /** Resolves once fewer than `limit` items are queued (at once if so, or when closed). */
  whenBelow(limit: number): Promise<void> {
    if (this.items.length < limit || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ limit, resolve }));
  }

  private wakeRoom(all = false): void {
    if (this.roomWaiters.length === 0) return;
    const keep: typeof this.roomWaiters = [];
    for (const w of this.roomWaiters) {
      if (all || this.items.length < w.limit) w.resolve();
      else keep.push(w);
    }
    this.roomWaiters = keep;
  }

  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        this.wakeRoom();
        yield batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
