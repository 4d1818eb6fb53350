import { BLOCK_RANGE_MAX_MS, CUMULATIVE_GROUPS, type BlocksResponse, type StatsGroupRow, type StatsQuery, type StatsResponse, type StatsSplit, type UsageTotals } from "@opensync/protocol";
import { ApiError } from "../http/errors.js";
import { cacheSavingsByModel, type PriceLookup } from "./cache-savings.js";
import { listPrices } from "./prices.js";
import { isoDay } from "../store/kysely/stats-scan.js";
import type { Store, TimeUnitRow } from "../store/types.js";
import { usageBlocks } from "./usage-blocks.js";

type Usage = Record<string, { tokens: number; cost: number; sessions: number }>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DAYS_PER_WEEK = 7;
/** 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0. */
const EPOCH_WEEKDAY = 3;
/** An hour-of-week key depends only on the hour number modulo this (see hourOfWeekKey). */
const HOURS_PER_WEEK = 168;

const mod = (a: number, n: number) => ((a % n) + n) % n;

const SUMMED: Array<keyof UsageTotals> = [
  "sessionCount", "messageCount", "totalTokens", "promptTokens", "completionTokens",
  "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "totalCost", "totalDurationMs",
];

/** Folds time units into groups keyed by `keyOf(unit)`, in the order the keys first appear. */
function fold(units: TimeUnitRow[], keyOf: (unit: number) => string): StatsGroupRow[] {
  const groups = new Map<string, StatsGroupRow>();
  for (const { unit, ...totals } of units) {
    const key = keyOf(unit);
    const group = groups.get(key);
    if (!group) groups.set(key, { key, ...totals });
    else for (const k of SUMMED) group[k] += totals[k];
  }
  return [...groups.values()];
}

/** Monday of the local day's week, `YYYY-MM-DD`. */
export const weekKey = (day: number) => isoDay(day - mod(day + EPOCH_WEEKDAY, DAYS_PER_WEEK));
export const monthKey = (day: number) => isoDay(day).slice(0, 7);
/** `<ISO weekday 1-7>-<hour 00-23>` of a local hour number. */
export function hourOfWeekKey(hour: number): string {
  const weekday = mod(Math.floor(hour / 24) + EPOCH_WEEKDAY, DAYS_PER_WEEK) + 1;
  return `${weekday}-${String(mod(hour, 24)).padStart(2, "0")}`;
}

const zero = () => Object.fromEntries(SUMMED.map((k) => [k, 0])) as unknown as UsageTotals;

/** Running totals; a split's values run per model or source (a value absent from a group keeps its sum). */
function runningTotals(groups: StatsGroupRow[]): StatsGroupRow[] {
  const sum = zero();
  const splitSums = new Map<string | null, UsageTotals>();
  return groups.map((g) => {
    for (const k of SUMMED) sum[k] += g[k];
    if (!g.split) return { ...g, ...sum };
    for (const s of g.split) {
      const running = splitSums.get(s.key) ?? zero();
      splitSums.set(s.key, running);
      for (const k of SUMMED) running[k] += s[k];
    }
    const split = [...splitSums].map(([key, t]) => ({ key, ...t })).sort((a, b) => b.totalTokens - a.totalTokens);
    return { ...g, ...sum, split };
  });
}

type TimeGroup = (typeof CUMULATIVE_GROUPS)[number];

export class StatsService {
  constructor(
    private readonly store: Store,
    /** List prices for the cache savings (tests pass their own table). */
    private readonly priceOf: PriceLookup = listPrices,
  ) {}

  async stats(userId: string, query: StatsQuery): Promise<StatsResponse> {
    const range = { from: query.from, to: query.to };
    const [totals, byModel, bySource] = await Promise.all([
      this.store.stats.totals(userId, range),
      this.store.stats.groups(userId, "model", range, 0),
      this.store.stats.groups(userId, "source", range, 0),
    ]);
    const usage = (rows: typeof byModel): Usage =>
      Object.fromEntries(rows.map((r) => [r.key ?? "unknown", { tokens: r.totalTokens, cost: r.totalCost, sessions: r.sessionCount }]));
    const cache = cacheSavingsByModel(byModel, this.priceOf);
    const response: StatsResponse = { ...totals, ...cache.totals, modelUsage: usage(byModel), cacheByModel: cache.cacheByModel, sourceUsage: usage(bySource) };
    if (query.groupBy) {
      response.groupBy = query.groupBy;
      const timed = (CUMULATIVE_GROUPS as readonly string[]).includes(query.groupBy);
      let groups = await this.groups(userId, query.groupBy, range, query.tzOffset);
      if (query.splitBy && timed) groups = await this.withSplit(userId, groups, query.groupBy as TimeGroup, query.splitBy, range, query.tzOffset);
      if (query.cumulative && timed) groups = runningTotals(groups);
      response.groups = groups;
    }
    return response;
  }

  /** Attaches each time group's totals per model or source (from the day-by-value rows, folded like the groups). */
  private async withSplit(userId: string, groups: StatsGroupRow[], by: TimeGroup, splitBy: StatsSplit, range: { from?: number; to?: number }, tzOffset: number) {
    const keyOf = by === "day" ? isoDay : by === "week" ? weekKey : monthKey;
    const splits = new Map<string, Map<string | null, StatsGroupRow>>();
    for (const { unit, key, ...totals } of await this.store.stats.splitDays(userId, splitBy, range, tzOffset)) {
      const groupKey = keyOf(unit);
      const cells = splits.get(groupKey) ?? new Map<string | null, StatsGroupRow>();
      splits.set(groupKey, cells);
      const cell = cells.get(key);
      if (!cell) cells.set(key, { key, ...totals });
      else for (const k of SUMMED) cell[k] += totals[k];
    }
    const byTokens = (a: StatsGroupRow, b: StatsGroupRow) => b.totalTokens - a.totalTokens;
    return groups.map((g) => ({ ...g, split: [...(splits.get(g.key!)?.values() ?? [])].sort(byTokens) }));
  }

  private async groups(userId: string, by: NonNullable<StatsQuery["groupBy"]>, range: { from?: number; to?: number }, tzOffset: number): Promise<StatsGroupRow[]> {
    switch (by) {
      case "week":
        return fold(await this.store.stats.timeUnits(userId, range, tzOffset, DAY_MS), weekKey);
      case "month":
        return fold(await this.store.stats.timeUnits(userId, range, tzOffset, DAY_MS), monthKey);
      case "hourOfWeek": {
        const grid = fold(await this.store.stats.timeUnits(userId, range, tzOffset, HOUR_MS, HOURS_PER_WEEK), hourOfWeekKey);
        return grid.sort((a, b) => (a.key! < b.key! ? -1 : 1));
      }
      default:
        return this.store.stats.groups(userId, by, range, tzOffset);
    }
  }

  /** ccusage-style 5-hour blocks over the messages of a bounded range (default the last 7 days). */
  async blocks(userId: string, query: { from?: number; to?: number }, now = Date.now()): Promise<BlocksResponse> {
    const to = query.to ?? now;
    const from = query.from ?? to - 7 * DAY_MS;
    if (from >= to) throw new ApiError(400, "invalid_input", "from: must be before to");
    if (to - from > BLOCK_RANGE_MAX_MS) throw new ApiError(400, "invalid_input", `to: the range is at most ${BLOCK_RANGE_MAX_MS / DAY_MS} days`);
    const entries = await this.store.stats.usageEntries(userId, { from, to });
    return { from, to, blocks: usageBlocks(entries, now) };
  }
}
