// lib/api parsing, pure: URLSearchParams in, typed query out; every bad parameter a 400 naming it.
import { describe, expect, it } from "vitest";
import {
  acceptsCsv,
  parseTerminationQuery,
  parseTerminationsQuery,
  parseTimeParam,
  parseWorkloadQuery,
  parseWorkloadsQuery,
} from "../../lib/api/index.ts";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const q = (s: string) => new URLSearchParams(s);
const bad = (fn: () => unknown, param: string) =>
  expect(fn).toThrow(expect.objectContaining({ code: "bad_request", message: expect.stringContaining(`"${param}"`) }));

describe("times", () => {
  it.each([
    ["90s", "2026-03-10T11:58:30.000Z"],
    ["15m", "2026-03-10T11:45:00.000Z"],
    ["24h", "2026-03-09T12:00:00.000Z"],
    ["7d", "2026-03-03T12:00:00.000Z"],
    ["0s", "2026-03-10T12:00:00.000Z"],
    ["2026-03-02T14:00:00Z", "2026-03-02T14:00:00.000Z"],
    ["2026-03-02T14:00:00.123Z", "2026-03-02T14:00:00.123Z"],
    ["2026-03-02T16:00:00+02:00", "2026-03-02T14:00:00.000Z"],
    ["2026-03-02t14:00:00z", "2026-03-02T14:00:00.000Z"],
  ])("%s", (value, want) => expect(parseTimeParam("since", value, NOW).toISOString()).toBe(want));

  it.each(["yesterday", "7w", "-1d", "1.5h", "2026-03-02", "2026-03-02 14:00:00Z", "2026-02-30T00:00:00Z", "2026-03-02T25:00:00Z", "1e3s", " 7d"])(
    "rejects %j naming the parameter",
    (value) => bad(() => parseTimeParam("until", value, NOW), "until"),
  );
});

describe("GET /api/v1/terminations parameters", () => {
  it("parses every filter; lists; defaults; unknown parameters ignored; empty = unset", () => {
    const { query, csv } = parseTerminationsQuery(
      q("cluster=eu&namespace=shop&kind=Deployment&workload=checkout&outcome=sigkill,oom&cause=rollout&since=1h&until=2026-03-10T11:30:00Z&limit=25&cursor=abc&foo=bar&node="),
      NOW,
    );
    expect(csv).toBe(false);
    expect(query).toEqual({
      cluster: "eu",
      namespace: "shop",
      kind: "Deployment",
      workload: "checkout",
      outcome: ["sigkill", "oom"],
      cause: ["rollout"],
      since: new Date("2026-03-10T11:00:00.000Z"),
      until: new Date("2026-03-10T11:30:00.000Z"),
      limit: 25,
      cursor: "abc",
    });
    expect(parseTerminationsQuery(q(""), NOW)).toEqual({ query: { limit: 100 }, csv: false });
    expect(parseTerminationsQuery(q("cluster=&limit="), NOW)).toEqual({ query: { limit: 100 }, csv: false });
    expect(parseTerminationsQuery(q("format=csv"), NOW).csv).toBe(true);
    expect(parseTerminationsQuery(q("limit=1000"), NOW).query.limit).toBe(1000);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
    ["limit=2.5", "limit"],
    ["limit=-1", "limit"],
    ["outcome=sigkill,killed", "outcome"],
    ["cause=oops", "cause"],
    ["since=soon", "since"],
    ["until=later", "until"],
    ["since=1h&until=2h", "until"],
    ["format=xml", "format"],
    ["cluster=a&cluster=b", "cluster"],
    ["outcome=oom&outcome=sigkill", "outcome"],
    ["limit=5&limit=5", "limit"],
  ])("%s is a 400 naming %s", (query, param) => bad(() => parseTerminationsQuery(q(query), NOW), param));
});

describe("workload parameters", () => {
  it("the list defaults to the last 7 days; given only until, the 7 days before it", () => {
    expect(parseWorkloadsQuery(q(""), NOW)).toEqual({ since: new Date("2026-03-03T12:00:00.000Z"), until: NOW });
    expect(parseWorkloadsQuery(q("until=2026-03-05T00:00:00Z&cluster=eu&namespace=shop"), NOW)).toEqual({
      since: new Date("2026-02-26T00:00:00.000Z"),
      until: new Date("2026-03-05T00:00:00.000Z"),
      cluster: "eu",
      namespace: "shop",
    });
    expect(parseWorkloadsQuery(q("since=30d"), NOW)).toEqual({ since: new Date("2026-02-08T12:00:00.000Z"), until: NOW });
    bad(() => parseWorkloadsQuery(q("since=2026-03-05T00:00:00Z&until=2026-03-04T00:00:00Z"), NOW), "until");
    bad(() => parseWorkloadsQuery(q("namespace=a&namespace=a"), NOW), "namespace");
  });

  it("one workload: all time unless given", () => {
    expect(parseWorkloadQuery(q(""), NOW)).toEqual({});
    expect(parseWorkloadQuery(q("since=1d"), NOW)).toEqual({ since: new Date("2026-03-09T12:00:00.000Z") });
    bad(() => parseWorkloadQuery(q("until=x"), NOW), "until");
  });

  it("one termination: cluster only, once", () => {
    expect(parseTerminationQuery(q("cluster=eu&x=1"))).toEqual({ cluster: "eu" });
    bad(() => parseTerminationQuery(q("cluster=eu&cluster=us")), "cluster");
  });
});

describe("Accept", () => {
  it.each([
    ["text/csv", true],
    ["text/csv;q=0.5, application/json", true],
    ["application/json, TEXT/CSV", true],
    ["text/csv;q=0", false],
    ["application/json", false],
    ["*/*", false],
    [null, false],
  ])("%j → %s", (accept, want) => expect(acceptsCsv(accept)).toBe(want));
});
