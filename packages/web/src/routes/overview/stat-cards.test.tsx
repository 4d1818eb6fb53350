import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { StatsResponse } from "@opensync/protocol";
import { StatCards } from "./stat-cards";

const stats: StatsResponse = {
  sessionCount: 1234, messageCount: 56_789, totalTokens: 1_250_000, promptTokens: 100_000, completionTokens: 150_000,
  cacheReadTokens: 900_000, cacheWriteTokens: 100_000, reasoningTokens: 0, totalCost: 3.405, totalDurationMs: 7_500_000,
  modelUsage: { "gpt-5": { tokens: 1_000_000, cost: 3, sessions: 1000 }, "claude-sonnet-4-5": { tokens: 250_000, cost: 0.4, sessions: 234 }, unknown: { tokens: 0, cost: 0, sessions: 0 } },
  sourceUsage: {}, firstSessionAt: null, lastSessionAt: null,
  cacheByModel: {}, cacheSavings: 0, cacheWriteExtra: 0, unpricedCacheReadTokens: 0, unpricedCacheWriteTokens: 0,
};

describe("StatCards", () => {
  it("formats every headline number for people and shows the cache share", () => {
    render(<StatCards stats={stats} projects={7} />);
    expect(screen.getByTestId("card-sessions").textContent).toBe("1,234");
    expect(screen.getByTestId("card-tokens").textContent).toBe("1.3M");
    expect(screen.getByTestId("card-cost").textContent).toBe("$3.41");
    expect(screen.getByTestId("card-time").textContent).toBe("2h 05m");
    expect(screen.getByTestId("card-models").textContent).toBe("2"); // "unknown" is not a model
    expect(screen.getByTestId("card-projects").textContent).toBe("7");
    expect(screen.getByText("80% cached (900K read, 100K written)")).toBeTruthy();
    expect(screen.getByText("56,789 messages")).toBeTruthy();
  });
  it("shows a placeholder while the project count loads", () => {
    render(<StatCards stats={stats} projects={undefined} />);
    expect(screen.getByTestId("card-projects").textContent).toBe("…");
  });
});
