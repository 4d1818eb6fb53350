import type { CacheSavings, ModelCacheUsage, StatsGroupRow } from "@opensync/protocol";

/** USD per 1M tokens, as `prices.json` lists them (null cache prices: billed as input). */
export interface CachePrices { input: number; cacheRead: number | null; cacheWrite: number | null }
export type PriceLookup = (model: string) => CachePrices | undefined;

const PER_TOKEN = 1e-6;
/** Rounded to a billionth of a cent, like collectors' computeCost, so float noise never shows. */
const usd = (perMillionTimesTokens: number) => Math.round(perMillionTimesTokens * PER_TOKEN * 1e11) / 1e11;

/**
 * One model's cache figures at list price: reads saved `input − cacheRead` per token; writes cost
 * `cacheWrite − input` more per token (Anthropic's 1.25×; 0 where writes are billed as input).
 * Null when the model has no price.
 */
export function modelCacheFigures(prices: CachePrices | undefined, cacheReadTokens: number, cacheWriteTokens: number) {
  if (!prices) return { cacheSavings: null, cacheWriteExtra: null };
  const readDiscount = prices.cacheRead === null ? 0 : prices.input - prices.cacheRead;
  const writePremium = prices.cacheWrite === null ? 0 : prices.cacheWrite - prices.input;
  return { cacheSavings: usd(cacheReadTokens * readDiscount), cacheWriteExtra: usd(cacheWriteTokens * writePremium) };
}

/**
 * `cacheByModel` and the totals of what the cache saved, from the stats grouped by the session's
 * model (the rollups). Sessions without a model (key null) are reported as `unknown` and unpriced.
 */
export function cacheSavingsByModel(byModel: StatsGroupRow[], priceOf: PriceLookup): { cacheByModel: Record<string, ModelCacheUsage>; totals: CacheSavings } {
  const cacheByModel: Record<string, ModelCacheUsage> = {};
  const totals: CacheSavings = { cacheSavings: 0, cacheWriteExtra: 0, unpricedCacheReadTokens: 0, unpricedCacheWriteTokens: 0 };
  for (const row of byModel) {
    const prices = row.key === null ? undefined : priceOf(row.key);
    const figures = modelCacheFigures(prices, row.cacheReadTokens, row.cacheWriteTokens);
    cacheByModel[row.key ?? "unknown"] = {
      cacheReadTokens: row.cacheReadTokens,
      cacheWriteTokens: row.cacheWriteTokens,
      ...figures,
    };
    if (figures.cacheSavings === null) {
      totals.unpricedCacheReadTokens += row.cacheReadTokens;
      totals.unpricedCacheWriteTokens += row.cacheWriteTokens;
    } else {
      totals.cacheSavings += figures.cacheSavings;
      totals.cacheWriteExtra += figures.cacheWriteExtra!;
    }
  }
  totals.cacheSavings = usd(totals.cacheSavings / PER_TOKEN);
  totals.cacheWriteExtra = usd(totals.cacheWriteExtra / PER_TOKEN);
  return { cacheByModel, totals };
}
