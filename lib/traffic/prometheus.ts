// The edge to Prometheus: raw counter samples for a selector over a time span, every answer
// checked with zod, every failure a MetricsUnavailable the caller retries on.
//
// Raw samples, never rate()/increase(): the contract counts exactly from samples. A range-vector
// selector evaluated as an instant query, `sel[<span>ms]` at the span's end, returns a matrix of
// every raw sample in the span (prometheus-query parses it into RangeVector{metric, values:
// SampleValue{time: Date, value}}). Sample times arrive as float seconds and the library turns
// them into Dates by `seconds * 1000`; for millisecond timestamps that product rounds back to the
// exact millisecond (IEEE 754 round-to-nearest), so `time.getTime()` is the sample's true time.
import { PrometheusDriver } from "prometheus-query";
import { z } from "zod";
import type { SeriesSamples } from "./count";
import type { Labels } from "./presets";

export interface RawSeries {
  readonly labels: Labels;
  readonly samples: SeriesSamples;
}

/** Where the joiner gets samples from; `queries` counts the queries sent (for benchmarks). */
export interface SampleSource {
  /** Every raw sample of every series matching `selector` with from <= t <= to (epoch ms). */
  rawSamples(selector: string, from: number, to: number): Promise<RawSeries[]>;
  readonly queries: number;
}

export type UnavailableReason = "unreachable" | "timeout" | "http" | "bad-answer";

/** Prometheus could not answer (down, slow, an error status, or an answer we cannot read): retry later. */
export class MetricsUnavailable extends Error {
  override readonly name = "MetricsUnavailable";
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

// What prometheus-query resolves with for a range-vector instant query.
const matrixSchema = z.object({
  resultType: z.literal("matrix"),
  result: z.array(
    z.object({
      metric: z.object({ name: z.string().optional(), labels: z.record(z.string(), z.string()) }).nullable(),
      values: z.array(z.object({ time: z.date(), value: z.union([z.number(), z.nan()]) })),
    }),
  ),
});

// What it rejects with (a plain object, not an Error).
const driverErrorSchema = z.object({
  errorType: z.string(),
  error: z.unknown().optional(),
  httpStatus: z.number().optional(),
});

function unavailable(err: unknown): MetricsUnavailable {
  const parsed = driverErrorSchema.safeParse(err);
  if (!parsed.success) return new MetricsUnavailable("unreachable", err instanceof Error ? err.message : String(err));
  const { errorType, error, httpStatus } = parsed.data;
  const message = typeof error === "string" ? error : errorType;
  if (errorType === "timeout_error") return new MetricsUnavailable("timeout", message);
  if (errorType === "http_error") return new MetricsUnavailable("http", `HTTP ${httpStatus ?? "?"}: ${message}`, httpStatus ?? null);
  if (errorType === "client_error") return new MetricsUnavailable("bad-answer", message);
  return new MetricsUnavailable("unreachable", message);
}

export interface PrometheusOptions {
  /** The HTTP API base, e.g. http://prometheus:9090 (PROMETHEUS_URL). */
  url: string;
  timeoutSeconds: number;
}

export class PrometheusSamples implements SampleSource {
  #queries = 0;
  readonly #driver: PrometheusDriver;
  readonly #timeoutSeconds: number;

  constructor(opts: PrometheusOptions) {
    const u = new URL(opts.url);
    const basePath = u.pathname.replace(/\/+$/, "");
    // http://user:password@host/… : basic auth, as curl and Grafana read such a URL.
    const auth = u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
    this.#driver = new PrometheusDriver({
      endpoint: `${u.protocol}//${u.host}`,
      baseURL: `${basePath}/api/v1/`,
      auth,
      // A little over the server-side timeout, so Prometheus' own timeout error wins the race.
      timeout: opts.timeoutSeconds * 1000 + 2000,
    });
    this.#timeoutSeconds = opts.timeoutSeconds;
  }

  get queries(): number {
    return this.#queries;
  }

  async rawSamples(selector: string, from: number, to: number): Promise<RawSeries[]> {
    // Prometheus 2 selects [end - span, end], Prometheus 3 (end - span, end]: one extra
    // millisecond of span includes `from` under both; the counting ignores anything earlier.
    const span = Math.max(1, to - from + 1);
    this.#queries++;
    let answer: unknown;
    try {
      answer = await this.#driver.instantQuery(`${selector}[${span}ms]`, new Date(to), `${this.#timeoutSeconds}s`);
    } catch (err) {
      throw unavailable(err);
    }
    const parsed = matrixSchema.safeParse(answer);
    if (!parsed.success) throw new MetricsUnavailable("bad-answer", `unexpected answer to ${selector}: ${parsed.error.message}`);
    return parsed.data.result.map((r) => ({
      labels: r.metric?.labels ?? {},
      samples: r.values.map((s) => ({ t: s.time.getTime(), v: s.value })).filter((s) => s.t >= from && s.t <= to),
    }));
  }
}

/** The client for the configured PROMETHEUS_URL; null when none is set (no traffic joiner). */
export function prometheusFromSettings(s: { PROMETHEUS_URL?: string; DRAINWATCH_TRAFFIC_QUERY_TIMEOUT_SECONDS: number }): PrometheusSamples | null {
  return s.PROMETHEUS_URL ? new PrometheusSamples({ url: s.PROMETHEUS_URL, timeoutSeconds: s.DRAINWATCH_TRAFFIC_QUERY_TIMEOUT_SECONDS }) : null;
}
