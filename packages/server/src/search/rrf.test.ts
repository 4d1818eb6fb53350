import { describe, expect, it } from "vitest";
import { groupBySession, reciprocalRankFusion } from "./rrf.js";

const hit = (sessionId: string, messageId?: string, chunkText?: string) => ({ sessionId, messageId, score: 0, field: "text" as const, chunkText });

describe("reciprocal rank fusion", () => {
  it("sums 1/(k + rank) over the lists; a hit in both beats hits in one", () => {
    const fused = reciprocalRankFusion([[hit("a", "1"), hit("b", "2")], [hit("c", "3"), hit("b", "2")]], 60);
    expect(fused.map((f) => f.messageId)).toEqual(["2", "1", "3"]);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 62);
    expect(fused[1].score).toBeCloseTo(1 / 61);
  });
  it("a message returned as several chunks votes once, at its best rank; titles fuse by session", () => {
    const fused = reciprocalRankFusion([[hit("a", "1", "x"), hit("a", "1", "y"), hit("b")]], 60);
    expect(fused).toHaveLength(2);
    expect(fused[0].from[0]?.chunkText).toBe("x");
    expect(fused[1]).toMatchObject({ sessionId: "b", messageId: undefined });
  });
  it("groups by session: best hit plus a tenth of the rest, at most twice the best", () => {
    const groups = groupBySession([
      { sessionId: "a", score: 1 }, { sessionId: "b", score: 0.9 }, { sessionId: "b", score: 0.9 }, { sessionId: "b", score: 0.9 },
    ]);
    expect(groups.map((g) => g.sessionId)).toEqual(["b", "a"]);
    expect(groups[0].score).toBeCloseTo(0.9 + 0.1 * 1.8);
  });
});
