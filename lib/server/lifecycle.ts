// The run group behind `serve`: services start in list order and stop in reverse, within one
// shutdown budget, whatever stage a failure or signal catches them in. A start failure stops what
// had started, exactly as a signal would (one careful path, not two).
import type { Logger } from "pino";

export interface Service {
  readonly name: string;
  /** Resolves once the service runs. Background work (retries) goes on after it resolves. */
  start(): Promise<void>;
  /** Stops within `budgetMs`; `hurry` aborts on a second signal (skip waits, keep the flushes short). */
  stop(budgetMs: number, hurry: AbortSignal): Promise<void>;
  /** For /readyz: null when ready, else why not. */
  notReady?(): Promise<string | null> | string | null;
}

export type Phase = "starting" | "running" | "stopping" | "stopped";

export class Lifecycle {
  private phase: Phase = "starting";
  private started: Service[] = [];
  private stopping: Promise<void> | null = null;
  private readonly hurry = new AbortController();

  constructor(
    private readonly services: readonly Service[],
    private readonly opts: { stopBudgetMs: number; log: Logger },
  ) {}

  current(): Phase {
    return this.phase;
  }

  /** Starts every service in order; on a failure stops those started and rethrows. */
  async start(): Promise<void> {
    for (const s of this.services) {
      if (this.phase !== "starting") return; // a signal arrived meanwhile: stop() handles the rest
      try {
        await s.start();
      } catch (err) {
        this.opts.log.error({ err, service: s.name }, "service failed to start");
        await this.stop("start failure");
        throw err;
      }
      if (this.phase !== "starting") {
        // Stopping began while this one was starting: stop() did not know it yet.
        await s.stop(0, this.hurry.signal).catch((err: unknown) => this.opts.log.warn({ err, service: s.name }, "service did not stop cleanly"));
        return;
      }
      this.started.push(s);
    }
    if (this.phase === "starting") this.phase = "running";
  }

  /** Stops in reverse order within the budget. Idempotent: a second call returns the same promise. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.stopAll(reason);
    return this.stopping;
  }

  /** A second signal: every remaining wait is cut short. */
  hurryUp(): void {
    this.hurry.abort();
  }

  /** null when every started service is ready, else the first reason it is not. */
  async notReady(): Promise<string | null> {
    if (this.phase === "stopping" || this.phase === "stopped") return "shutting down";
    if (this.phase === "starting") return "starting";
    for (const s of this.services) {
      const why = await s.notReady?.();
      if (this.phase !== "running") return "shutting down"; // a signal arrived during the check
      if (why) return `${s.name}: ${why}`;
    }
    return null;
  }

  private async stopAll(reason: string): Promise<void> {
    this.phase = "stopping";
    const t0 = Date.now();
    this.opts.log.info({ reason }, "stopping");
    for (const s of [...this.started].reverse()) {
      const left = Math.max(0, this.opts.stopBudgetMs - (Date.now() - t0));
      try {
        await withTimeout(s.stop(left, this.hurry.signal), left + 1_000, `stopping ${s.name}`);
      } catch (err) {
        this.opts.log.warn({ err, service: s.name }, "service did not stop cleanly");
      }
      this.opts.log.info({ service: s.name, seconds: (Date.now() - t0) / 1000 }, "stopped");
    }
    this.phase = "stopped";
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
