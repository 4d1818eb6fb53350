import type { BlockTokens, UsageBlock } from "@opensync/protocol";
import type { UsageEntry } from "../store/types.js";

/**
 * 5-hour usage blocks and burn rate, following ccusage 17.2.1 (`identifySessionBlocks`,
 * `createBlock`, `createGapBlock`, `calculateBurnRate`, `projectBlockUsage` in its data loader):
 * a block starts at its first entry's UTC hour and lasts 5 hours; an entry more than 5 hours after
 * the block start or after the previous entry closes it, and a silence longer than 5 hours between
 * entries becomes a gap block. Entries here are messages that carry usage.
 */
export const BLOCK_MS = 5 * 3_600_000;

const floorToHour = (t: number) => Math.floor(t / 3_600_000) * 3_600_000;
const NO_TOKENS: BlockTokens = { promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0 };

function block(start: number, entries: UsageEntry[], now: number): UsageBlock {
  const endTime = start + BLOCK_MS;
  const last = entries[entries.length - 1].createdAt;
  const tokens = { ...NO_TOKENS };
  let cost = 0;
  const models = new Set<string>();
  for (const e of entries) {
    for (const k of Object.keys(NO_TOKENS) as Array<keyof BlockTokens>) tokens[k] += e[k];
    cost += e.cost;
    if (e.model) models.add(e.model);
  }
  const isActive = now - last < BLOCK_MS && now < endTime;
  const minutes = (last - entries[0].createdAt) / 60_000;
  const burnRate =
    minutes > 0
      ? {
          tokensPerMinute: tokens.totalTokens / minutes,
          // ccusage: input + output only; output here includes reasoning.
          tokensPerMinuteForIndicator: (tokens.promptTokens + tokens.completionTokens + tokens.reasoningTokens) / minutes,
          costPerHour: (cost / minutes) * 60,
        }
      : null;
  let projection: UsageBlock["projection"] = null;
  if (isActive && burnRate) {
    const remainingMinutes = Math.max(0, (endTime - now) / 60_000);
    projection = {
      totalTokens: Math.round(tokens.totalTokens + burnRate.tokensPerMinute * remainingMinutes),
      totalCost: Math.round((cost + (burnRate.costPerHour / 60) * remainingMinutes) * 100) / 100,
      remainingMinutes: Math.round(remainingMinutes),
    };
  }
  return {
    id: new Date(start).toISOString(),
    startTime: start,
    endTime,
    actualEndTime: last,
    isActive,
    isGap: false,
    entries: entries.length,
    tokens,
    cost,
    models: [...models],
    burnRate,
    projection,
  };
}

function gap(lastActivity: number, nextActivity: number): UsageBlock {
  const start = lastActivity + BLOCK_MS;
  return {
    id: `gap-${new Date(start).toISOString()}`,
    startTime: start,
    endTime: nextActivity,
    actualEndTime: null,
    isActive: false,
    isGap: true,
    entries: 0,
    tokens: { ...NO_TOKENS },
    cost: 0,
    models: [],
    burnRate: null,
    projection: null,
  };
}

/** Blocks of entries sorted by time (the store returns them so). */
export function usageBlocks(entries: UsageEntry[], now: number): UsageBlock[] {
  const blocks: UsageBlock[] = [];
  let start: number | undefined;
  let current: UsageEntry[] = [];
  for (const entry of entries) {
    if (start === undefined) {
      start = floorToHour(entry.createdAt);
      current = [entry];
      continue;
    }
    const last = current[current.length - 1].createdAt;
    if (entry.createdAt - start > BLOCK_MS || entry.createdAt - last > BLOCK_MS) {
      blocks.push(block(start, current, now));
      if (entry.createdAt - last > BLOCK_MS) blocks.push(gap(last, entry.createdAt));
      start = floorToHour(entry.createdAt);
      current = [entry];
    } else current.push(entry);
  }
  if (start !== undefined && current.length) blocks.push(block(start, current, now));
  return blocks;
}
