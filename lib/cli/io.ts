// Small I/O helpers for the CLI: stdout is command output only; messages go to stderr.

/** A command-line mistake (bad arguments, unreadable file, invalid environment): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Writes to stdout and resolves once the data is handed to the OS (honours backpressure). */
export function writeOut(data: string): Promise<void> {
  // The callback fires once this chunk is flushed, so awaiting it never queues more than one
  // large piece in memory even when stdout is a slow pipe.
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export function writeErr(data: string): void {
  process.stderr.write(data);
}
