// The simulated clients' counters as a Prometheus target and as a tiny Prometheus:
// - GET /metrics: the text exposition format (0.0.4), each sample stamped with its tick (the
//   virtual instant it is the total at), so a scraper stores exactly the ticks' samples whenever it
//   scrapes (Prometheus honours exposed timestamps by default). Scrape more often than once a
//   virtual second and it holds every tick.
// - GET|POST /prometheus/api/v1/query: the subset drainwatch's traffic joiner uses (PROMETHEUS_URL =
//   <sandbox>/prometheus): an instant query of a series selector, with a range (`sel[5m]`: every
//   tick in (time − range, time], a matrix) or without (the newest tick at or before time, 5 min
//   lookback, a vector). Anything else is a 400 `bad_data`, as Prometheus answers a bad query.
import type http from "node:http";
import { parseSelector, SelectorError, type Matcher } from "../../traffic/selector.ts";
import type { CounterHistory, Labels } from "../sim/traffic/counters.ts";
import { REQUESTS_METRIC } from "../sim/traffic/index.ts";
import type { ApiRequest } from "./context.ts";

const LOOKBACK_MS = 5 * 60_000;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function exposition(counters: CounterHistory): string {
  const lines = [
    `# HELP ${REQUESTS_METRIC} Requests of the sandbox's simulated clients, as their proxies report them (reporter="source").`,
    `# TYPE ${REQUESTS_METRIC} counter`,
  ];
  const series = counters
    .latest()
    .map(({ labels, sample }) => {
      const l = Object.keys(labels)
        .sort()
        .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
        .join(",");
      return `${REQUESTS_METRIC}{${l}} ${sample.v} ${sample.t}`;
    })
    .sort();
  return `${[...lines, ...series].join("\n")}\n`;
}

class BadQuery extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A PromQL duration (`90s`, `1h30m`, `12345ms`) in ms. */
export function parseDuration(text: string): number {
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end === 0 || end !== text.length || total <= 0) throw new BadQuery(`bad duration ${JSON.stringify(text)}`);
  return total;
}

/** Prometheus' `time` parameter: float seconds or RFC 3339; absent: now. */
function parseTime(v: string | null, now: number): number {
  if (v === null || v === "") return now;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new BadQuery(`cannot parse ${JSON.stringify(v)} to a valid timestamp`);
  return t;
}

/** A label-set test for the selector (`name` and matchers); regexes anchored as PromQL's. */
function matcherOf(matchers: readonly Matcher[], name: string | null): (labels: Labels) => boolean {
  const tests = matchers.map((m) => {
    let re: RegExp | null = null;
    if (m.op === "=~" || m.op === "!~") {
      try {
        re = new RegExp(`^(?:${m.value})$`);
      } catch {
        throw new BadQuery(`bad regular expression ${JSON.stringify(m.value)} for ${m.label}`);
      }
    }
    return (labels: Labels): boolean => {
      const v = m.label === "__name__" ? REQUESTS_METRIC : (labels[m.label] ?? "");
      if (m.op === "=") return v === m.value;
      if (m.op === "!=") return v !== m.value;
      return re!.test(v) === (m.op === "=~");
    };
  });
  return (labels) => (name === null || name === REQUESTS_METRIC) && tests.every((t) => t(labels));
}

/** Evaluates `selector` or `selector[range]` at `time` (ms). */
export function evaluate(counters: CounterHistory, query: string, time: number): object {
  const m = /^(.*?)\s*(?:\[\s*([0-9a-z]+)\s*\])?\s*$/s.exec(query);
  let selector;
  try {
    selector = parseSelector(m![1]!);
  } catch (e) {
    if (e instanceof SelectorError) throw new BadQuery(`${e.message} (the sandbox answers plain selectors, with or without a range)`);
    throw e;
  }
  const match = matcherOf(selector.matchers, selector.name);
  const metric = (labels: Labels) => ({ __name__: REQUESTS_METRIC, ...labels });
  if (m![2] !== undefined) {
    const range = parseDuration(m![2]);
    const result = counters.range(match, time - range, time).map((s) => ({ metric: metric(s.labels), values: s.samples.map((x) => [x.t / 1000, String(x.v)]) }));
    return { resultType: "matrix", result };
  }
  const result = counters
    .range(match, time - LOOKBACK_MS, time)
    .map((s) => ({ metric: metric(s.labels), value: [time / 1000, String(s.samples[s.samples.length - 1]!.v)] }));
  return { resultType: "vector", result };
}

async function formParams(req: http.IncomingMessage, q: URLSearchParams): Promise<URLSearchParams> {
  if (req.method !== "POST") return q;
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  for (const [k, v] of q) if (!body.has(k)) body.set(k, v);
  return body;
}

function sendJson(res: http.ServerResponse, code: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** /metrics and /prometheus/api/v1/query; false for any other path. */
export async function servePrometheus(r: ApiRequest, counters: CounterHistory, now: () => number): Promise<boolean> {
  const { res } = r;
  if (r.path === "/metrics" && r.method === "GET") {
    const text = exposition(counters);
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
    return true;
  }
  if (!r.path.startsWith("/prometheus/")) return false;
  if (r.path !== "/prometheus/api/v1/query") {
    sendJson(res, 404, { status: "error", errorType: "not_found", error: `the sandbox answers only /prometheus/api/v1/query, not ${r.path}` });
    return true;
  }
  if (r.method !== "GET" && r.method !== "POST") {
    sendJson(res, 405, { status: "error", errorType: "bad_data", error: `${r.method} is not supported` });
    return true;
  }
  try {
    const p = await formParams(r.req, r.q);
    const query = p.get("query");
    if (!query) throw new BadQuery("parameter query is required");
    sendJson(res, 200, { status: "success", data: evaluate(counters, query, parseTime(p.get("time"), now())) });
  } catch (e) {
    if (!(e instanceof BadQuery)) throw e;
    sendJson(res, 400, { status: "error", errorType: "bad_data", error: e.message });
  }
  return true;
}
