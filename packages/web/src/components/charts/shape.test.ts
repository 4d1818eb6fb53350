import type { StatsGroupRow } from "@opensync/protocol";
import { describe, expect, it } from "vitest";
import { dayKeyStart } from "../../lib/format";
import { bucketize, cumulative, dayKeys, fillDays, heatmapWeeks, rangeStart, stackSplit, tokenKinds, topShares } from "./shape";

const row = (key: string, totalTokens: number, totalCost: number): StatsGroupRow => ({
  key, sessionCount: 1, messageCount: 2, totalTokens, promptTokens: totalTokens, completionTokens: 0,
  cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalCost, totalDurationMs: 0,
});

describe("fillDays", () => {
  it("puts zeros on days without a row and keeps the server's values on the others", () => {
    const days = fillDays([row("2026-03-02", 500, 1.5)], dayKeyStart("2026-03-01"), dayKeyStart("2026-03-03") + 5000);
    expect(days.map((d) => [d.key, d.tokens, d.cost])).toEqual([
      ["2026-03-01", 0, 0],
      ["2026-03-02", 500, 1.5],
      ["2026-03-03", 0, 0],
    ]);
  });
  it("counts calendar days across a month end", () => {
    expect(dayKeys(dayKeyStart("2026-01-30"), dayKeyStart("2026-02-02"))).toEqual(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]);
  });
});

describe("bucketize", () => {
  const days = fillDays(
    [row("2026-03-01", 1, 1), row("2026-03-02", 10, 1), row("2026-03-08", 100, 1), row("2026-03-09", 1000, 1), row("2026-04-01", 5, 2)],
    dayKeyStart("2026-03-01"),
    dayKeyStart("2026-04-01"),
  );
  it("sums weeks starting on Monday", () => {
    const weeks = bucketize(days, "week");
    // 2026-03-01 is a Sunday (its week starts Mon 02-23); 03-02..03-08 is one week; 03-09 starts the next.
    expect(weeks.slice(0, 3).map((w) => [w.key, w.tokens])).toEqual([
      ["2026-02-23", 1],
      ["2026-03-02", 110],
      ["2026-03-09", 1000],
    ]);
  });
  it("sums months", () => {
    expect(bucketize(days, "month").map((m) => [m.key, m.tokens, m.cost])).toEqual([
      ["2026-03", 1111, 4],
      ["2026-04", 5, 2],
    ]);
  });
  it("runs totals for the cumulative view", () => {
    expect(cumulative(bucketize(days, "month")).map((m) => m.tokens)).toEqual([1111, 1116]);
  });
});

describe("tokenKinds", () => {
  it("splits a total into fresh input, output (with reasoning) and the two cache kinds", () => {
    expect(tokenKinds({ tokens: 1000, completionTokens: 100, reasoningTokens: 50, cacheReadTokens: 600, cacheWriteTokens: 200 })).toEqual({
      input: 50, output: 150, cacheRead: 600, cacheWrite: 200,
    });
  });
});

describe("topShares", () => {
  it("keeps the biggest entries and sums the rest into Other", () => {
    expect(topShares([["a", 50], ["b", 30], ["c", 15], ["d", 5], ["z", 0]], 2)).toEqual([
      { key: "a", value: 50, share: 0.5 },
      { key: "b", value: 30, share: 0.3 },
      { key: "Other", value: 20, share: 0.2 },
    ]);
  });
  it("is empty when everything is zero", () => expect(topShares([["a", 0]], 3)).toEqual([]));
});

describe("heatmapWeeks", () => {
  const today = dayKeyStart("2026-03-11") + 3_600_000; // a Wednesday
  it("ends with the current week, Monday first, and marks future days out of range", () => {
    const weeks = heatmapWeeks(new Map(), today, 2);
    expect(weeks).toHaveLength(2);
    expect(weeks[1].map((c) => c.key)).toEqual(["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-14", "2026-03-15"]);
    expect(weeks[1].map((c) => c.inRange)).toEqual([true, true, true, false, false, false, false]);
    expect(weeks[0][0].key).toBe("2026-03-02");
  });
  it("grades non-zero days by quartile so one outlier does not flatten the rest", () => {
    const values = new Map([["2026-03-02", 1], ["2026-03-03", 2], ["2026-03-04", 3], ["2026-03-05", 4], ["2026-03-06", 1000]]);
    const cells = heatmapWeeks(values, today, 2).flat();
    const level = (k: string) => cells.find((c) => c.key === k)!.level;
    expect([level("2026-03-02"), level("2026-03-03"), level("2026-03-04"), level("2026-03-05"), level("2026-03-06"), level("2026-03-07")]).toEqual([1, 1, 2, 3, 4, 0]);
  });
});

describe("rangeStart", () => {
  it("is local midnight of the first day of an N-day range that includes today", () => {
    expect(rangeStart(7, dayKeyStart("2026-03-11") + 50_000)).toBe(dayKeyStart("2026-03-05"));
  });
});

describe("stackSplit", () => {
  const totals = (key: string | null, totalTokens: number, totalCost = 0): StatsGroupRow => ({
    key, totalTokens, totalCost, sessionCount: 1, messageCount: 0, promptTokens: 0, completionTokens: 0,
    cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalDurationMs: 0,
  });
  const day = (key: string, split: StatsGroupRow[]) => ({ ...totals(key, split.reduce((a, t) => a + t.totalTokens, 0)), split });
  const days = [
    day("2026-02-01", [totals("opus", 1000)]), // before the range: neither a row nor in the ranking
    day("2026-03-02", [totals("opus", 100, 2), totals("gpt-5", 50, 1)]),
    day("2026-03-03", [totals("opus", 10), totals("gemini", 5), totals(null, 1)]),
  ];
  it("keeps the top series by total over the range and folds the rest into Other, one row per day", () => {
    const out = stackSplit(days, "tokens", dayKeyStart("2026-03-02"), dayKeyStart("2026-03-03"), "day", 2);
    expect(out.series).toEqual(["opus", "gpt-5", "Other"]);
    expect(out.rows.map((r) => [r.key, r.opus, r["gpt-5"], r.Other])).toEqual([
      ["2026-03-02", 100, 50, 0],
      ["2026-03-03", 10, 0, 6],
    ]);
  });
  it("sums weeks, names a missing model unknown, and stacks cost when asked", () => {
    const weeks = stackSplit(days, "tokens", dayKeyStart("2026-03-02"), dayKeyStart("2026-03-03"), "week", 5);
    expect(weeks.rows).toHaveLength(1);
    expect(weeks.rows[0]).toMatchObject({ key: "2026-03-02", opus: 110, "gpt-5": 50, gemini: 5, unknown: 1 });
    const cost = stackSplit(days, "cost", dayKeyStart("2026-03-02"), dayKeyStart("2026-03-03"), "day", 5);
    expect(cost.series).toEqual(["opus", "gpt-5"]);
    expect(cost.rows[0]).toMatchObject({ opus: 2, "gpt-5": 1 });
  });
});
