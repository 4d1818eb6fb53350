import { describe, expect, it } from "vitest";
import { dayKeyEnd, dayKeyStart, formatCost, formatUnitCost, formatDuration, formatPercent, formatTokens, localDayKey, shortProject } from "./format";

describe("formatTokens", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1_000, "1K"],
    [1_234, "1.2K"],
    [12_550, "12.6K"],
    [125_400, "125K"],
    [99_960, "100K"],
    [999_499, "999K"],
    [999_500, "1M"],
    [1_250_000, "1.3M"],
    [3_000_000_000, "3B"],
    [-1_500, "-1.5K"],
  ])("%d → %s", (n, text) => expect(formatTokens(n)).toBe(text));
});

describe("formatCost", () => {
  it.each([
    [0, "$0.00"],
    [0.004, "<$0.01"],
    [3.405, "$3.41"],
    [12_345.678, "$12,345.68"],
  ])("%d → %s", (n, text) => expect(formatCost(n)).toBe(text));
});

describe("formatUnitCost", () => {
  it.each([
    [0.0015, "$0.0015"],
    [0.000123, "$0.00012"],
    [0.42, "$0.42"],
    [0, "$0.00"],
  ])("%d → %s", (n, text) => expect(formatUnitCost(n)).toBe(text));
});

describe("formatDuration", () => {
  it.each([
    [850, "850ms"],
    [42_000, "42s"],
    [125_000, "2m 05s"],
    [7_500_000, "2h 05m"],
    [3 * 86_400_000 + 3_600_000, "3d 1h"],
  ])("%d ms → %s", (n, text) => expect(formatDuration(n)).toBe(text));
});

describe("formatPercent", () => {
  it("keeps a decimal only below ten percent", () => {
    expect(formatPercent(0.0512)).toBe("5.1%");
    expect(formatPercent(0.4)).toBe("40%");
    expect(formatPercent(0)).toBe("0%");
  });
});

describe("local days", () => {
  it("round-trips a day key through local midnight", () => {
    const start = dayKeyStart("2026-03-09");
    expect(localDayKey(start)).toBe("2026-03-09");
    expect(localDayKey(start + 86_399_000)).toBe("2026-03-09");
    expect(new Date(start).getHours()).toBe(0);
  });
  it("ends a day at the next local midnight minus one millisecond", () => {
    expect(dayKeyEnd("2026-03-09")).toBe(dayKeyStart("2026-03-10") - 1);
    expect(localDayKey(dayKeyEnd("2026-12-31"))).toBe("2026-12-31");
  });
  it("shortens a project path to its last segment", () => {
    expect(shortProject("/home/ana/code/opensync/")).toBe("opensync");
    expect(shortProject("C:\\work\\app")).toBe("app");
    expect(shortProject(null)).toBe("—");
  });
});
