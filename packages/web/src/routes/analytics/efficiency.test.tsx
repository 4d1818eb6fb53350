import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { StatsResponse } from "@opensync/protocol";
import { Efficiency } from "./efficiency";

const base: StatsResponse = {
  sessionCount: 10, messageCount: 100, totalTokens: 2_000_000, promptTokens: 200_000, completionTokens: 100_000,
  cacheReadTokens: 1_500_000, cacheWriteTokens: 200_000, reasoningTokens: 0, totalCost: 4, totalDurationMs: 0,
  modelUsage: {}, sourceUsage: {}, cacheByModel: {}, firstSessionAt: null, lastSessionAt: null,
  cacheSavings: 4.05, cacheWriteExtra: 0.15, unpricedCacheReadTokens: 0, unpricedCacheWriteTokens: 0,
};

const card = (label: string) => screen.getByText(label).parentElement!;

describe("Efficiency", () => {
  it("shows the money the cache saved and the net after cache writes", () => {
    render(<Efficiency stats={base} />);
    expect(card("Cache saved").textContent).toContain("$4.05");
    expect(card("Cache saved").textContent).toContain("net $3.90 after cache writes");
    expect(card("Cache saved").textContent).not.toContain("unpriced");
  });

  it("says how many cache reads could not be priced", () => {
    render(<Efficiency stats={{ ...base, unpricedCacheReadTokens: 250_000 }} />);
    expect(card("Cache saved").textContent).toContain("250K cache reads of unpriced models not counted");
  });

  it("shows a dash without cache reads", () => {
    render(<Efficiency stats={{ ...base, cacheReadTokens: 0, cacheSavings: 0, cacheWriteExtra: 0 }} />);
    expect(card("Cache saved").textContent).toContain("—");
    expect(card("Cache saved").textContent).toContain("no cache reads in this range");
  });
});
