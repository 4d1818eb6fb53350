import { describe, expect, it } from "vitest";
import type { StatsGroupRow } from "@opensync/protocol";
import { hourGridFromGroups } from "./hour-of-week";

const g = (key: string | null, totalTokens: number, totalCost: number): StatsGroupRow => ({
  key, totalTokens, totalCost, sessionCount: 1, messageCount: 1, promptTokens: 0, completionTokens: 0,
  cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalDurationMs: 0,
});

describe("hourGridFromGroups", () => {
  it("places ISO weekday-hour keys Monday first and ignores keys it does not understand", () => {
    const grid = hourGridFromGroups([g("1-09", 100, 1), g("7-23", 5, 2), g("0-10", 999, 9), g("3-24", 999, 9), g(null, 999, 9)], "tokens");
    expect(grid[0][9]).toBe(100);
    expect(grid[6][23]).toBe(5);
    expect(grid.flat().reduce((a, b) => a + b, 0)).toBe(105);
    expect(hourGridFromGroups([g("7-23", 5, 2)], "cost")[6][23]).toBe(2);
  });
});
