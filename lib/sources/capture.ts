// Capture reader (contract section 1): streams watch events out of capture files.
//
// Two encodings, detected per line so that a mix works too:
//   - NDJSON: one event per line. Hot path: one JSON.parse per line plus a cheap envelope check.
//   - Concatenated JSON documents (kubectl get pods -w --output-watch-events -o json): pretty
//     printed, several lines each. Split by a small brace/string-aware scanner.
// Bad input never throws: a line/document that is not valid JSON, is truncated, exceeds the size
// cap, or whose envelope is wrong becomes a `problem` item and reading continues.
// Files are read with fs streams; only the current line/document is held in memory.
import { createReadStream } from "node:fs";
import type { Fact } from "../tracker/fact.ts";
import { parseEnvelope } from "./envelope.ts";
import type { SourceItem } from "./item.ts";

export type { SourceItem, FactItem, ProblemItem } from "./item.ts";

/** Largest single line or document accepted (in UTF-16 code units, ~bytes for JSON). */
export const DEFAULT_MAX_DOCUMENT = 64 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
const REASON_MAX = 240;

export interface CaptureStats {
  files: number;
  lines: number;
  /** Documents found (valid or not). */
  documents: number;
  /** Watch events yielded as facts (including ERROR events). */
  facts: number;
  /** ERROR watch events (yielded as facts with type ERROR; the pipeline counts and skips them). */
  errors: number;
  problems: number;
}

export interface CaptureOptions {
  maxDocument?: number;
  /** How a file is named in positions; default: the path as given. */
  displayName?: (file: string) => string;
}

// Reader modes (plain numbers: mutated inside closures, so no literal narrowing).
const Mode = { Idle: 0, InDoc: 1, Skipping: 2 } as const;

const CH_LBRACE = 123; // {
const CH_RBRACE = 125; // }
const CH_LBRACK = 91; // [
const CH_RBRACK = 93; // ]
const CH_QUOTE = 34; // "
const CH_BSLASH = 92; // \

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function clip(s: string): string {
  return s.length > REASON_MAX ? `${s.slice(0, REASON_MAX)}…` : s;
}

/**
 * Reads one or more capture files in order. Iterate it for single items, or call `batches()` for
 * arrays of items (one per read chunk: much less per-item overhead on the hot path).
 */
export class CaptureReader implements AsyncIterable<SourceItem> {
  readonly stats: CaptureStats = { files: 0, lines: 0, documents: 0, facts: 0, errors: 0, problems: 0 };
  private readonly maxDocument: number;
  private readonly displayName: (file: string) => string;

  constructor(
    private readonly files: readonly string[],
    opts: CaptureOptions = {},
  ) {
    this.maxDocument = opts.maxDocument ?? DEFAULT_MAX_DOCUMENT;
    this.displayName = opts.displayName ?? ((f) => f);
  }

  async *batches(): AsyncGenerator<SourceItem[]> {
    for (const file of this.files) {
      this.stats.files++;
      yield* this.readFile(file);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<SourceItem> {
    for await (const batch of this.batches()) yield* batch;
  }

  private async *readFile(file: string): AsyncGenerator<SourceItem[]> {
    const name = this.displayName(file);
    const stats = this.stats;
    const max = this.maxDocument;
    let out: SourceItem[] = [];

    // ---- line splitting state
    let pending: string[] = []; // pieces of the current (unterminated) line
    let pendingLen = 0;
    let oversized = false; // current line exceeded the cap; drop until newline
    let lineNo = 0;

    // ---- document state
    let mode: number = Mode.Idle;
    let docParts: string[] = [];
    let docLen = 0;
    let docStart = 0; // line number where the current document starts
    let depth = 0;
    let inString = false;

    const problem = (line: number, reason: string): void => {
      stats.problems++;
      out.push({ kind: "problem", position: `${name}:${line}`, reason: clip(reason) });
    };

    const emitValue = (value: unknown, line: number): void => {
      stats.documents++;
      const env = parseEnvelope(value);
      if (env.ok) {
        const fact: Fact = env.fact;
        stats.facts++;
        if (fact.type === "ERROR") stats.errors++;
        out.push({ kind: "fact", fact, position: `${name}:${line}` });
      } else {
        problem(line, env.reason);
      }
    };

    const parseDoc = (text: string, line: number): void => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        stats.documents++;
        problem(line, `invalid JSON: ${(e as Error).message}`);
        return;
      }
      emitValue(value, line);
    };

    const resetDoc = (): void => {
      docParts = [];
      docLen = 0;
      depth = 0;
      inString = false;
    };

    /**
     * Scans s from i with the current depth/inString state. Returns the index just past the
     * closing brace when the document closes, -1 when the line ends inside it, -2 on a stray
     * closing bracket.
     */
    const scan = (s: string, i: number): number => {
      const n = s.length;
      while (i < n) {
        if (inString) {
          let q = s.indexOf('"', i);
          for (;;) {
            if (q === -1) return -1; // string continues past end of line (invalid; caller checks)
            let b = q - 1;
            while (b >= i && s.charCodeAt(b) === CH_BSLASH) b--;
            if ((q - 1 - b) % 2 === 0) break; // even number of backslashes: real closing quote
            q = s.indexOf('"', q + 1);
          }
          inString = false;
          i = q + 1;
          continue;
        }
        const c = s.charCodeAt(i);
        if (c === CH_QUOTE) inString = true;
        else if (c === CH_LBRACE || c === CH_LBRACK) depth++;
        else if (c === CH_RBRACE || c === CH_RBRACK) {
          depth--;
          if (depth === 0) return i + 1;
          if (depth < 0) return -2;
        }
        i++;
      }
      return -1;
    };

    /**
     * Processes line text s from index i in Idle mode (may start documents). Garbage confined to
     * this line is reported and the line dropped; the next line is judged on its own.
     */
    const idle = (s: string, i: number, line: number): void => {
      const n = s.length;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (isWs(c)) {
          i++;
          continue;
        }
        stats.documents++;
        if (c !== CH_LBRACE) {
          problem(line, `not a JSON object: ${JSON.stringify(s.slice(i, i + 40))}`);
          return;
        }
        resetDoc();
        docStart = line;
        const start = i;
        const end = scan(s, i);
        if (end >= 0) {
          stats.documents--; // counted again by parseDoc/emitValue
          parseDoc(s.slice(start, end), line);
          resetDoc();
          i = end;
          continue;
        }
        if (end === -2) {
          problem(line, "unbalanced closing bracket");
          resetDoc();
          return;
        }
        if (inString) {
          problem(line, "unterminated string (truncated line?)");
          resetDoc();
          return;
        }
        // The document continues on the next lines.
        stats.documents--;
        const rest = start === 0 ? s : s.slice(start);
        docParts.push(rest);
        docLen = rest.length;
        mode = Mode.InDoc;
        return;
      }
    };

    const onLine = (raw: string): void => {
      lineNo++;
      stats.lines++;
      let s = raw;
      if (s.length > 0 && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
      if (lineNo === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      const n = s.length;
      if (mode === Mode.Idle) {
        if (n === 0) return;
        // NDJSON fast path: a whole event on one line.
        if (s.charCodeAt(0) === CH_LBRACE && s.charCodeAt(n - 1) === CH_RBRACE) {
          let value: unknown;
          let ok = true;
          try {
            value = JSON.parse(s);
          } catch {
            ok = false;
          }
          if (ok) {
            emitValue(value, lineNo);
            return;
          }
        }
        idle(s, 0, lineNo);
        return;
      }
      if (mode === Mode.Skipping) {
        // The rest of a broken multi-line document: resynchronise at the next line that starts a
        // top-level document (column 0), or that holds a whole valid document on its own.
        if (n > 0 && s.charCodeAt(0) === CH_LBRACE) {
          mode = Mode.Idle;
          onLineAgain(s);
          return;
        }
        const t = s.trim();
        if (t.charCodeAt(0) === CH_LBRACE && t.charCodeAt(t.length - 1) === CH_RBRACE) {
          let value: unknown;
          try {
            value = JSON.parse(t);
          } catch {
            return;
          }
          mode = Mode.Idle;
          emitValue(value, lineNo);
        }
        return;
      }
      // InDoc: a top-level '{' in column 0 means the open document was cut off.
      if (n > 0 && s.charCodeAt(0) === CH_LBRACE) {
        stats.documents++;
        problem(docStart, `truncated document (next document starts at line ${lineNo})`);
        resetDoc();
        mode = Mode.Idle;
        onLineAgain(s);
        return;
      }
      const end = scan(s, 0);
      if (end >= 0) {
        docParts.push(s.slice(0, end));
        const text = docParts.join("\n");
        const start = docStart;
        resetDoc();
        mode = Mode.Idle;
        parseDoc(text, start);
        if (end < n) idle(s, end, lineNo);
        return;
      }
      if (end === -2) {
        stats.documents++;
        problem(docStart, "unbalanced closing bracket");
        resetDoc();
        mode = Mode.Skipping;
        return;
      }
      if (inString) {
        stats.documents++;
        problem(docStart, `unterminated string at line ${lineNo}`);
        resetDoc();
        mode = Mode.Skipping;
        return;
      }
      docLen += n + 1;
      if (docLen > max) {
        stats.documents++;
        problem(docStart, `document exceeds ${max} bytes`);
        resetDoc();
        mode = Mode.Skipping;
        return;
      }
      docParts.push(s);
    };

    // Re-dispatch an already counted line in Idle mode (after resynchronising).
    const onLineAgain = (s: string): void => {
      const n = s.length;
      if (s.charCodeAt(n - 1) === CH_RBRACE) {
        try {
          emitValue(JSON.parse(s), lineNo);
          return;
        } catch {
          // fall through to the scanner
        }
      }
      idle(s, 0, lineNo);
    };

    const stream = createReadStream(file, { encoding: "utf8", highWaterMark: READ_CHUNK });
    for await (const chunk of stream as AsyncIterable<string>) {
      let pos = 0;
      const len = chunk.length;
      for (;;) {
        const nl = chunk.indexOf("\n", pos);
        if (nl === -1) {
          if (!oversized && pos < len) {
            pending.push(pos === 0 ? chunk : chunk.slice(pos));
            pendingLen += len - pos;
            if (pendingLen > max) {
              oversized = true;
              pending = [];
              pendingLen = 0;
            }
          }
          break;
        }
        if (oversized) {
          lineNo++;
          stats.lines++;
          stats.documents++;
          problem(lineNo, `line exceeds ${max} bytes`);
          oversized = false;
          if (mode === Mode.InDoc) {
            resetDoc();
            mode = Mode.Skipping;
          }
        } else if (pendingLen > 0) {
          pending.push(chunk.slice(pos, nl));
          const line = pending.join("");
          pending = [];
          pendingLen = 0;
          if (line.length > max) {
            lineNo++;
            stats.lines++;
            stats.documents++;
            problem(lineNo, `line exceeds ${max} bytes`);
            if (mode === Mode.InDoc) {
              resetDoc();
              mode = Mode.Skipping;
            }
          } else {
            onLine(line);
          }
        } else {
          onLine(chunk.slice(pos, nl));
        }
        pos = nl + 1;
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    // End of file: the last line may lack a newline.
    if (oversized) {
      lineNo++;
      stats.lines++;
      stats.documents++;
      problem(lineNo, `line exceeds ${max} bytes`);
      mode = Mode.Idle;
    } else if (pendingLen > 0) {
      onLine(pending.join(""));
    }
    if (mode === Mode.InDoc) {
      stats.documents++;
      problem(docStart, "truncated document at end of file");
      resetDoc();
    }
    if (out.length > 0) yield out;
  }
}

/** Reads capture files in order. */
export function readCapture(files: string | readonly string[], opts?: CaptureOptions): CaptureReader {
  return new CaptureReader(typeof files === "string" ? [files] : files, opts);
}
