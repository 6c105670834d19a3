// Terminations as CSV (contract section 4): a header row of the record's scalar fields in section
// 3 order (the workload as one `kind/name` column), one line per record, RFC 4180 quoting (CRLF
// line ends; a field with a comma, quote, CR or LF is quoted, quotes doubled), null as empty.
import type { TerminationRecord } from "../tracker/record.ts";

type Scalar = string | number | boolean | null;

export const CSV_COLUMNS: readonly [string, (r: TerminationRecord) => Scalar][] = [
  ["podUid", (r) => r.podUid],
  ["cluster", (r) => r.cluster],
  ["namespace", (r) => r.namespace],
  ["pod", (r) => r.pod],
  ["node", (r) => r.node],
  ["workload", (r) => `${r.workload.kind}/${r.workload.name}`],
  ["revision", (r) => r.revision],
  ["cause", (r) => r.cause],
  ["outcome", (r) => r.outcome],
  ["gracePeriodSeconds", (r) => r.gracePeriodSeconds],
  ["deleteRequestedAt", (r) => r.deleteRequestedAt],
  ["deadlineAt", (r) => r.deadlineAt],
  ["endpointsUnreadyAt", (r) => r.endpointsUnreadyAt],
  ["killingAt", (r) => r.killingAt],
  ["exitedAt", (r) => r.exitedAt],
  ["deletedAt", (r) => r.deletedAt],
  ["drainSeconds", (r) => r.drainSeconds],
  ["endpointLagSeconds", (r) => r.endpointLagSeconds],
  ["sidecarExitedFirst", (r) => r.sidecarExitedFirst],
];

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(v: Scalar): string {
  if (v === null) return "";
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvHeader = (): string => CSV_COLUMNS.map(([name]) => name).join(",") + "\r\n";

export const csvLine = (r: TerminationRecord): string => CSV_COLUMNS.map(([, get]) => csvField(get(r))).join(",") + "\r\n";

/**
 * The records as a CSV byte stream, pulled as the client reads (backpressure: the next page is
 * read from the store only when the previous lines were taken). Lines are sent in chunks of
 * about 64 KiB.
 */
export function csvStream(records: AsyncIterator<TerminationRecord>, first?: IteratorResult<TerminationRecord>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending = first;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = headerSent ? "" : csvHeader();
        headerSent = true;
        while (chunk.length < 65_536) {
          const next = pending ?? (await records.next());
          pending = undefined;
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += csvLine(next.value);
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await records.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}
