/**
 * 5-hour usage blocks, the way ccusage groups Claude usage (`ccusage blocks`): a block starts at
 * the hour of its first entry and covers 5 hours; an entry later than that, or after a gap of 5
 * hours, starts a new block. The burn rate is the block's tokens per minute between its first and
 * last entry; the projection extends it to the block's end. Entries here are sessions (start time,
 * tokens, cost).
 */
export interface UsageEntry { at: number; tokens: number; cost: number }
export interface UsageBlock {
  start: number;
  end: number;
  firstAt: number;
  lastAt: number;
  tokens: number;
  cost: number;
  entries: number;
  active: boolean;
  /** Tokens per minute (0 for a single-entry block). */
  burnRate: number;
  /** Tokens the block reaches at its end at the current burn rate (active blocks only). */
  projectedTokens: number | null;
}

export const BLOCK_MS = 5 * 3_600_000;
const HOUR_MS = 3_600_000;

export function usageBlocks(entries: UsageEntry[], now = Date.now()): UsageBlock[] {
  const sorted = [...entries].sort((a, b) => a.at - b.at);
  const blocks: UsageBlock[] = [];
  let current: UsageBlock | null = null;
  for (const e of sorted) {
    if (!current || e.at >= current.end || e.at - current.lastAt >= BLOCK_MS) {
      const start = Math.floor(e.at / HOUR_MS) * HOUR_MS;
      current = { start, end: start + BLOCK_MS, firstAt: e.at, lastAt: e.at, tokens: 0, cost: 0, entries: 0, active: false, burnRate: 0, projectedTokens: null };
      blocks.push(current);
    }
    current.tokens += e.tokens;
    current.cost += e.cost;
    current.entries++;
    current.lastAt = e.at;
  }
  for (const b of blocks) {
    const minutes = (b.lastAt - b.firstAt) / 60_000;
    b.burnRate = minutes > 0 ? b.tokens / minutes : 0;
    b.active = now < b.end && now - b.lastAt < BLOCK_MS;
    if (b.active) b.projectedTokens = Math.round(b.tokens + b.burnRate * Math.max(0, (b.end - now) / 60_000));
  }
  return blocks;
}
