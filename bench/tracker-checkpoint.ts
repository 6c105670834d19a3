// Benchmark: the tracker checkpoint's size (JSON bytes) and the time to take, serialize, parse and
// restore it, for pods in termination, a cluster of running pods, and the finished-UID memory.
//
//   npx tsx bench/tracker-checkpoint.ts [TERMINATING=500] [RUNNING=5000] [FINISHED=100000]
import { Tracker } from "../lib/tracker/tracker.ts";
import { finishedTracker, runningTracker, terminatingTracker } from "../test/tracker/checkpoint-sizes.ts";

const [terminating = 500, running = 5000, finished = 100_000] = process.argv.slice(2).map(Number);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median of 9 runs after 3 warm-up runs (the first calls include JIT compilation). */
function measure(label: string, t: Tracker): void {
  const take: number[] = [];
  const back: number[] = [];
  let text = "";
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    text = JSON.stringify(t.checkpoint());
    const t1 = performance.now();
    Tracker.restore(JSON.parse(text), { cluster: "default" });
    const t2 = performance.now();
    if (i < 3) continue;
    take.push(t1 - t0);
    back.push(t2 - t1);
  }
  const kb = Buffer.byteLength(text) / 1024;
  process.stdout.write(`${label.padEnd(34)} ${kb.toFixed(1).padStart(9)} KiB   checkpoint+stringify ${median(take).toFixed(1).padStart(6)} ms   parse+restore ${median(back).toFixed(1).padStart(6)} ms\n`);
}

measure(`${terminating} pods in termination`, terminatingTracker(terminating));
measure(`${running} running pods (+ owners)`, runningTracker(running));
measure(`${finished} finished UIDs`, finishedTracker(finished));
