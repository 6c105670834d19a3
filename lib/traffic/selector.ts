// PromQL series selectors as templates: parsed once (settings are validated at start), rendered
// per workload with `$namespace` and `$workload` filled in. A value goes into a matcher according
// to its operator: regex-quoted inside `=~`/`!~` (a name like `web.v2` must not match `webxv2`),
// then escaped as a PromQL string literal in every case (quotes and backslashes stay data).

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  /** The decoded value; may contain the placeholders `$namespace` and `$workload`. */
  readonly value: string;
}

/** A plain series selector: an optional metric name and label matchers; nothing else. */
export interface SelectorTemplate {
  readonly name: string | null;
  readonly matchers: readonly Matcher[];
}

export interface Placeholders {
  namespace: string;
  workload: string;
}

export class SelectorError extends Error {
  override readonly name = "SelectorError";
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Quotes every RE2 metacharacter (the set Go's regexp.QuoteMeta escapes). */
export function regexQuote(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/**
 * A PromQL double-quoted string literal (Go escape rules): backslash and quote escaped, control
 * characters as \xHH, everything else (UTF-8 included) as is. Lone UTF-16 surrogates cannot be
 * sent as UTF-8 at all and become U+FFFD.
 */
export function promString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) out += "\ufffd";
    else if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const PLACEHOLDER = /\$(namespace|workload)/g;

/** Fills the placeholders of one matcher value, regex-quoting them for regex operators. */
export function fillValue(value: string, op: MatchOp, vars: Placeholders): string {
  const regex = op === "=~" || op === "!~";
  return value.replace(PLACEHOLDER, (_m, key: "namespace" | "workload") => (regex ? regexQuote(vars[key]) : vars[key]));
}

/** The selector text for one workload. */
export function renderSelector(t: SelectorTemplate, vars: Placeholders): string {
  const matchers = t.matchers.map((m) => `${m.label}${m.op}${promString(fillValue(m.value, m.op, vars))}`);
  return `${t.name ?? ""}{${matchers.join(",")}}`;
}

// ---- parsing ----------------------------------------------------------------------------------

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  fail(what: string): never {
    throw new SelectorError(`${what} at position ${this.i + 1} of ${JSON.stringify(this.s)}`);
  }
  ident(): string {
    const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a name");
    this.i += m[0].length;
    return m[0];
  }
  /** A PromQL string literal: "…" or '…' with Go escapes, or `…` raw. */
  string(): string {
    const quote = this.peek();
    if (quote !== '"' && quote !== "'" && quote !== "`") this.fail("expected a quoted string");
    this.i++;
    let out = "";
    for (;;) {
      const ch = this.s[this.i];
      if (ch === undefined) this.fail("unterminated string");
      this.i++;
      if (ch === quote) return out;
      if (ch === "\\" && quote !== "`") out += this.escape();
      else if (ch === "\n" && quote !== "`") this.fail("newline in string");
      else out += ch;
    }
  }
  private escape(): string {
    const e = this.s[this.i];
    if (e === undefined) this.fail("unterminated escape");
    this.i++;
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e]!;
    const hex = (n: number): string => {
      const h = this.s.slice(this.i, this.i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) this.fail("bad escape");
      this.i += n;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail("bad escape");
      return String.fromCodePoint(cp);
    };
    if (e === "x") return hex(2);
    if (e === "u") return hex(4);
    if (e === "U") return hex(8);
    if (/[0-7]/.test(e)) {
      const o = e + this.s.slice(this.i, this.i + 2);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) this.fail("bad octal escape");
      this.i += 2;
      return String.fromCharCode(parseInt(o, 8));
    }
    this.fail(`unknown escape \\${e}`);
  }
}

/**
 * Parses a plain series selector (`name{l="v",…}`, `name`, or `{__name__="name",…}`): no
 * functions, operators, ranges, offsets or `@`. It must name its metric, so it can only select
 * counters someone chose. Throws SelectorError saying what is wrong.
 */
export function parseSelector(text: string): SelectorTemplate {
  const c: Cursor = new Cursor(text); // annotated, so `c.fail()` (never) narrows
  c.skipSpace();
  let name: string | null = null;
  if (c.peek() !== "{") {
    name = c.ident();
    if (!METRIC_NAME.test(name)) c.fail("bad metric name");
    c.skipSpace();
  }
  const matchers: Matcher[] = [];
  if (c.peek() === "{") {
    c.i++;
    for (;;) {
      c.skipSpace();
      if (c.peek() === "}") break;
      const label = c.ident();
      if (!LABEL_NAME.test(label)) c.fail(`bad label name ${JSON.stringify(label)}`);
      c.skipSpace();
      const op = /^(=~|!~|!=|=)/.exec(c.s.slice(c.i))?.[0] as MatchOp | undefined;
      if (!op) c.fail("expected =, !=, =~ or !~");
      c.i += op.length;
      c.skipSpace();
      matchers.push({ label, op, value: c.string() });
      c.skipSpace();
      if (c.peek() === ",") {
        c.i++;
        continue;
      }
      if (c.peek() !== "}") c.fail("expected , or }");
    }
    c.i++;
    c.skipSpace();
  }
  if (c.i < text.length) c.fail("only a series selector is allowed (no functions, operators, ranges or offsets)");
  const named = name !== null || matchers.some((m) => m.label === "__name__");
  if (!named) throw new SelectorError(`the selector must name its metric: ${JSON.stringify(text)}`);
  return { name, matchers };
}
