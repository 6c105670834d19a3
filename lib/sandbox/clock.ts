// Virtual time for the simulator. Virtual time runs `1 / timeScale` times faster than the wall
// clock (timeScale 0.02: a 30 s grace period plays out in 0.6 s), is monotonic, and drives one
// queue of tasks. Tasks due at the same virtual instant run in the order they were scheduled,
// so a simulation is deterministic whatever the machine's speed.

export interface Task {
  at: number;
  seq: number;
  run: () => void;
  /** Background work (traffic ticks) runs forever: it does not keep idle() from resolving. */
  background: boolean;
}

export class VirtualClock {
  private readonly wallStart: number;
  private readonly virtualStart: number;
  private readonly queue: Task[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private foreground = 0;
  private stopped = false;
  /** Virtual time of the task being run (so "now" never goes past what has been simulated). */
  private current: number | null = null;
  private idleWaiters: (() => void)[] = [];
  onError: (e: unknown) => void = () => {};

  constructor(
    readonly timeScale: number,
    virtualStart: number,
    private readonly wallNow: () => number = () => performance.now(),
  ) {
    if (!(timeScale > 0)) throw new Error("timeScale must be > 0");
    this.wallStart = wallNow();
    this.virtualStart = virtualStart;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    if (this.current !== null) return this.current;
    return this.virtualStart + (this.wallNow() - this.wallStart) / this.timeScale;
  }

  /** Runs `run` at virtual time `at` (or now, if that has passed). */
  at(at: number, run: () => void, background = false): void {
    if (this.stopped) return;
    const task: Task = { at, seq: this.seq++, run, background };
    if (!background) this.foreground++;
    // Sorted insert from the back: most tasks are scheduled in time order.
    let i = this.queue.length;
    while (i > 0 && earlier(task, this.queue[i - 1]!)) i--;
    this.queue.splice(i, 0, task);
    this.arm();
  }

  /** The virtual epoch ms the clock started at (a whole second when the caller floored it). */
  get start(): number {
    return this.virtualStart;
  }

  /**
   * Runs `fn` now as if it were a task due at `at` (now() reads `at` inside): the simulator sets
   * up at the start instant, so what it schedules does not depend on how long setup took.
   */
  runAt(at: number, fn: () => void): void {
    const prev = this.current;
    this.current = at;
    try {
      fn();
    } finally {
      this.current = prev;
    }
  }

  /** Runs `run` after `seconds` of virtual time. */
  after(seconds: number, run: () => void): void {
    this.at(this.now() + seconds * 1000, run);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves the next time the queue holds no foreground task. */
  idle(): Promise<void> {
    if (this.foreground === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.foreground = 0;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.queue[0];
    if (!next || this.stopped) return;
    const wallDelay = Math.max(0, (next.at - this.now()) * this.timeScale);
    this.timer = setTimeout(() => this.drain(), Math.min(wallDelay, 2 ** 31 - 1));
  }

  private drain(): void {
    this.timer = null;
    const now = this.now();
    for (let task = this.queue[0]; task && task.at <= now && !this.stopped; task = this.queue[0]) {
      this.queue.shift();
      if (!task.background) this.foreground--;
      // Tasks see the virtual time they were due at, not the (slightly later) wall reading.
      this.current = task.at;
      try {
        task.run();
      } catch (e) {
        this.onError(e);
      } finally {
        this.current = null;
      }
    }
    if (this.foreground === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    this.arm();
  }
}

function earlier(a: Task, b: Task): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
