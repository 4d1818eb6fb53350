import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * `/api/stats` reports what prompt caching saved at list price (collectors' prices.json), by the
 * session's model: cache reads × (input − cache read), cache writes × (cache write − input) as the
 * premium, and the cache tokens of models without a price, which count nothing.
 */
let server: ServerProcess;
let api: OpenSyncClient;
let key: string;

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("cache@example.com");
  api = server.client(key);
});
afterAll(() => server?.cleanup());

const T = Date.UTC(2025, 5, 2, 12);

describe("cache savings in /api/stats", () => {
  test("priced models count their discount and write premium; unknown models are reported as unpriced", async () => {
    await api.syncBatch({
      sessions: [
        // claude-sonnet-4-5: input $3, cache read $0.30, cache write $3.75 per 1M.
        { externalId: "sonnet", model: "claude-sonnet-4-5-20250929", createdAt: T, cacheReadTokens: 2_000_000, cacheWriteTokens: 400_000 },
        // gpt-5: input $1.25, cache read $0.125; writes billed as input (no premium).
        { externalId: "gpt", model: "gpt-5", createdAt: T + 1000, cacheReadTokens: 1_000_000, cacheWriteTokens: 50_000 },
        { externalId: "mystery", model: "house-model-7", createdAt: T + 2000, cacheReadTokens: 70_000, cacheWriteTokens: 3_000 },
        { externalId: "nomodel", createdAt: T + 3000, cacheReadTokens: 5_000 },
      ],
    });
    const stats = await api.stats();
    expect(stats.cacheByModel["claude-sonnet-4-5-20250929"]).toEqual({ cacheReadTokens: 2_000_000, cacheWriteTokens: 400_000, cacheSavings: 5.4, cacheWriteExtra: 0.3 });
    expect(stats.cacheByModel["gpt-5"]).toEqual({ cacheReadTokens: 1_000_000, cacheWriteTokens: 50_000, cacheSavings: 1.125, cacheWriteExtra: 0 });
    expect(stats.cacheByModel["house-model-7"]).toEqual({ cacheReadTokens: 70_000, cacheWriteTokens: 3_000, cacheSavings: null, cacheWriteExtra: null });
    expect(stats.cacheByModel.unknown).toEqual({ cacheReadTokens: 5_000, cacheWriteTokens: 0, cacheSavings: null, cacheWriteExtra: null });
    expect(stats.cacheSavings).toBeCloseTo(6.525, 9);
    expect(stats.cacheWriteExtra).toBeCloseTo(0.3, 9);
    expect(stats.unpricedCacheReadTokens).toBe(75_000);
    expect(stats.unpricedCacheWriteTokens).toBe(3_000);
  });

  test("a date range counts only the sessions in it", async () => {
    const ranged = await api.stats({ from: T + 500, to: T + 1500 });
    expect(ranged.cacheSavings).toBeCloseTo(1.125, 9);
    expect(ranged.unpricedCacheReadTokens).toBe(0);
    expect(Object.keys(ranged.cacheByModel)).toEqual(["gpt-5"]);
  });

  test("splitBy needs a time group", async () => {
    const res = await server.request("/api/stats?groupBy=model&splitBy=source", { key });
    expect(res.status).toBe(400);
  });
});
