// The counting rule of contract §3, table-driven on raw samples.
import { describe, expect, it } from "vitest";
import {
  baselineOf,
  countBaselineAndWindow,
  countSeries,
  countWindow,
  hasSamplesFor,
  LOOKBACK_MS,
  type CountedSeries,
  type Sample,
  type SeriesSamples,
} from "../../lib/traffic/count";

/** Requests series and 5xx series, as separate lists (custom's layout). */
const split = (requests: SeriesSamples[], errors: SeriesSamples[]): CountedSeries[] => [
  ...requests.map((samples) => ({ samples, requests: true, errors: false })),
  ...errors.map((samples) => ({ samples, requests: false, errors: true })),
];

const T = 1_772_460_000_000; // an arbitrary epoch ms
const s = (sec: number, v: number): Sample => ({ t: T + sec * 1000, v });
const a = T;
const b = T + 60_000; // window (a, b] = (0 s, 60 s]

describe("countSeries over (a, b]", () => {
  const cases: Array<[string, Sample[], number]> = [
    ["no samples", [], 0],
    ["steady growth from a value before a", [s(-10, 100), s(5, 110), s(20, 130), s(50, 150)], 50],
    ["a sample exactly at a is the starting value, not counted", [s(0, 100), s(30, 140)], 40],
    ["a sample exactly at b is counted", [s(-5, 100), s(60, 107)], 7],
    ["a sample just after b is not counted", [s(-5, 100), s(30, 103), { t: b + 1, v: 500 }], 3],
    ["a sample 1 ms after a is counted", [s(-5, 100), { t: a + 1, v: 104 }], 4],
    ["counter reset inside: adds v after the reset", [s(-5, 100), s(10, 120), s(20, 3), s(40, 9)], 20 + 3 + 6],
    ["reset to 0 then growth", [s(-5, 50), s(10, 0), s(20, 5)], 5],
    ["series that starts inside the window counts from 0", [s(15, 4), s(30, 10)], 10],
    ["value at a looked up exactly 5 min back", [{ t: a - LOOKBACK_MS, v: 100 }, s(30, 130)], 30],
    ["older than 5 min: the series did not exist yet (value 0)", [{ t: a - LOOKBACK_MS - 1, v: 100 }, s(30, 130)], 130],
    ["only samples before the window", [s(-30, 100), s(-10, 110)], 0],
    ["only samples after the window", [s(61, 100), s(90, 110)], 0],
    ["equal values add nothing", [s(-5, 7), s(10, 7), s(20, 7)], 0],
    ["float noise of integral values is rounded", [s(-5, 41.99999999), s(10, 45.0000001)], 3],
    ["NaN samples are skipped", [s(-5, 10), s(10, Number.NaN), s(20, 15)], 5],
    ["last finite sample before a is the start", [s(-20, 10), s(-5, Number.NaN), s(20, 15)], 5],
  ];
  it.each(cases)("%s", (_name, samples, want) => {
    expect(countSeries(samples, a, b)).toBe(want);
  });

  it("an empty or inverted window counts nothing", () => {
    expect(countSeries([s(-5, 1), s(0, 5)], a, a)).toBe(0);
    expect(countSeries([s(-5, 1), s(0, 5)], b, a)).toBe(0);
  });

  it("sums over series", () => {
    expect(countWindow(split([[s(-5, 1), s(30, 6)], [s(10, 2)], []], []), a, b).requests).toBe(5 + 2);
  });
});

describe("countWindow", () => {
  it("counts the window and a baseline of the same length ending at its start", () => {
    expect(baselineOf(a, b)).toEqual({ start: a - 60_000, end: a });
    const requests = [[s(-70, 0), s(-50, 100), s(-20, 200), s(0, 300), s(30, 350), s(60, 400)]];
    const errors = [[s(-70, 0), s(-50, 1), s(0, 5), s(30, 9), s(60, 10)]];
    // baseline (-60 s, 0 s]: requests 300 - 0 = 300, errors 5; window: 100 and 5
    expect(countWindow(split(requests, errors), a, b)).toEqual({
      requests: 100,
      errors5xx: 5,
      baselineRequests: 300,
      baselineErrors5xx: 5,
      baselineErrorRate: 5 / 300,
    });
  });

  it("baselineErrorRate is null when the baseline has no requests, never 0/0 or x/0", () => {
    expect(countWindow([], a, b).baselineErrorRate).toBeNull();
    expect(countWindow(split([], [[s(-30, 1), s(-10, 3)]]), a, b)).toMatchObject({ baselineErrors5xx: 3, baselineErrorRate: null });
  });

  it("results are integers", () => {
    const c = countWindow(split([[s(-90, 0.0000001), s(-30, 10.9999999), s(30, 20.0000002)]], []), a, b);
    expect(c).toMatchObject({ requests: 9, baselineRequests: 11 });
  });
});

describe("countBaselineAndWindow", () => {
  it("a 5xx series counted as requests and as 5xx adds to both", () => {
    const c = countWindow([{ samples: [s(-70, 0), s(-30, 4), s(30, 10)], requests: true, errors: true }], a, b);
    expect(c).toEqual({ requests: 6, errors5xx: 6, baselineRequests: 4, baselineErrors5xx: 4, baselineErrorRate: 1 });
  });

  it("equals countSeries over the baseline and over the window, on random series (resets, gaps, staleness, NaN)", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      const samples: Sample[] = [];
      let t = T - 20 * 60_000 + Math.floor(rnd() * 60_000);
      let v = Math.floor(rnd() * 100);
      while (t < T + 20 * 60_000) {
        const r = rnd();
        v = r < 0.05 ? Math.floor(rnd() * 5) : v + Math.floor(rnd() * 10);
        samples.push({ t, v: r > 0.98 ? Number.NaN : v });
        t += r < 0.1 ? Math.floor(rnd() * 8 * 60_000) : 1 + Math.floor(rnd() * 30_000);
      }
      const wa = T + Math.floor((rnd() - 0.5) * 20 * 60_000);
      const wb = wa + Math.floor(rnd() * 10 * 60_000);
      const got = countBaselineAndWindow(samples, wa, wb);
      expect(got).toEqual({ baseline: countSeries(samples, wa - (wb - wa), wa), window: countSeries(samples, wa, wb) });
    }
  });
});

describe("hasSamplesFor", () => {
  it("sees any sample the count reads: baseline start minus the lookback up to b", () => {
    const from = a - 60_000 - LOOKBACK_MS;
    expect(hasSamplesFor([{ t: from, v: 1 }], a, b)).toBe(true);
    expect(hasSamplesFor([{ t: from - 1, v: 1 }], a, b)).toBe(false);
    expect(hasSamplesFor([{ t: b, v: 1 }], a, b)).toBe(true);
    expect(hasSamplesFor([{ t: b + 1, v: 1 }], a, b)).toBe(false);
    expect(hasSamplesFor([], a, b)).toBe(false);
  });
});
