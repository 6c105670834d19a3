import { describe, expect, it } from "vitest";
import { answerableAt, isAnswerable, windowOf, type WindowTimes } from "../../lib/traffic/window";

const none: WindowTimes = { deleteRequestedAt: null, exitedAt: null, deletedAt: null, endpointsUnreadyAt: null };
const ms = (t: string) => Date.parse(t);

describe("windowOf", () => {
  const cases: Array<[string, Partial<WindowTimes>, { start: string; end: string } | null]> = [
    ["no request time: no window", { exitedAt: "2026-03-02T14:00:32.000Z" }, null],
    ["none of the three ends known: no window", { deleteRequestedAt: "2026-03-02T14:00:00.000Z" }, null],
    [
      "the latest of the three, plus the tail",
      {
        deleteRequestedAt: "2026-03-02T14:00:00.000Z",
        endpointsUnreadyAt: "2026-03-02T14:00:00.412Z",
        exitedAt: "2026-03-02T14:00:32.000Z",
        deletedAt: "2026-03-02T14:00:32.530Z",
      },
      { start: "2026-03-02T14:00:00.000Z", end: "2026-03-02T14:00:42.530Z" },
    ],
    [
      "only endpointsUnreadyAt known",
      { deleteRequestedAt: "2026-03-02T14:00:00.000Z", endpointsUnreadyAt: "2026-03-02T14:00:01.250Z" },
      { start: "2026-03-02T14:00:00.000Z", end: "2026-03-02T14:00:11.250Z" },
    ],
    [
      "exitedAt later than deletedAt (seconds precision) still wins",
      { deleteRequestedAt: "2026-03-02T14:00:00.000Z", exitedAt: "2026-03-02T14:00:05.000Z", deletedAt: "2026-03-02T14:00:04.900Z" },
      { start: "2026-03-02T14:00:00.000Z", end: "2026-03-02T14:00:15.000Z" },
    ],
  ];
  it.each(cases)("%s", (_n, given, want) => {
    const w = windowOf({ ...none, ...given }, 10);
    expect(w).toEqual(want && { start: ms(want.start), end: ms(want.end) });
  });

  it("an end before the start (tail 0, seconds-precision exit) is clamped to an empty window", () => {
    const w = windowOf({ ...none, deleteRequestedAt: "2026-03-02T14:00:00.700Z", exitedAt: "2026-03-02T14:00:00.000Z" }, 0);
    expect(w).toEqual({ start: ms("2026-03-02T14:00:00.700Z"), end: ms("2026-03-02T14:00:00.700Z") });
  });
});

describe("answerable", () => {
  it("only once the clock is past windowEnd plus the scrape delay", () => {
    const w = { start: 0, end: 100_000 };
    expect(answerableAt(w, 60)).toBe(160_000);
    expect(isAnswerable(w, 60, 160_000)).toBe(false);
    expect(isAnswerable(w, 60, 160_001)).toBe(true);
  });
});
