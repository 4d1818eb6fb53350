import { describe, expect, it } from "vitest";
import { BLOCK_MS, usageBlocks } from "./blocks";
import { hourOfWeek } from "./hour-of-week";

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

describe("usageBlocks", () => {
  it("starts a block at the hour of its first entry and closes it 5 hours later", () => {
    const blocks = usageBlocks(
      [
        { at: T0 + 20 * 60_000, tokens: 100, cost: 1 },
        { at: T0 + 2 * H, tokens: 50, cost: 0.5 },
        { at: T0 + 5 * H + 60_000, tokens: 10, cost: 0.1 }, // past 14:00: a new block from 14:00
      ],
      T0 + 30 * H,
    );
    expect(blocks.map((b) => [b.start - T0, b.end - b.start, b.tokens, b.entries])).toEqual([
      [0, BLOCK_MS, 150, 2],
      [5 * H, BLOCK_MS, 10, 1],
    ]);
    // 150 tokens between 09:20 and 11:00 = 100 minutes.
    expect(blocks[0].burnRate).toBe(1.5);
    expect(blocks.every((b) => !b.active)).toBe(true);
  });
  it("marks the block still running as active and projects its burn rate to the end", () => {
    const [block] = usageBlocks(
      [
        { at: T0, tokens: 600, cost: 0 },
        { at: T0 + H, tokens: 0, cost: 0 },
      ],
      T0 + H,
    );
    expect(block.active).toBe(true);
    expect(block.burnRate).toBe(10); // 600 tokens in 60 minutes
    expect(block.projectedTokens).toBe(600 + 10 * 240);
  });
});

describe("hourOfWeek", () => {
  it("sums values into local weekday (Monday first) and hour cells", () => {
    const monday9 = new Date(2026, 2, 2, 9, 30).getTime(); // Monday
    const sunday23 = new Date(2026, 2, 8, 23, 5).getTime();
    const grid = hourOfWeek([{ at: monday9, value: 2 }, { at: monday9 + 60_000, value: 3 }, { at: sunday23, value: 7 }]);
    expect(grid[0][9]).toBe(5);
    expect(grid[6][23]).toBe(7);
    expect(grid.flat().reduce((a, b) => a + b, 0)).toBe(12);
  });
});
