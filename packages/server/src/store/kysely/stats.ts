import { sql, type Kysely, type RawBuilder } from "kysely";
import type { StatsGroupRow, StatsSplit, UsageTotals } from "@opensync/protocol";
import type { Database } from "../schema.js";
import type { SplitUnitRow, StatsRange, StatsRepo, StoreStatsGroup, TimeUnitRow, UsageEntry } from "../types.js";
import { num } from "./rows.js";
import { isoDay, SessionScanStats } from "./stats-scan.js";
import { overflowFreeSum } from "./sums.js";

const QUARTER_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const SUM_COLUMNS = {
  sessionCount: "sessions",
  messageCount: "messages",
  totalTokens: "total_tokens",
  promptTokens: "prompt_tokens",
  completionTokens: "completion_tokens",
  cacheReadTokens: "cache_read_tokens",
  cacheWriteTokens: "cache_write_tokens",
  reasoningTokens: "reasoning_tokens",
  totalCost: "cost",
  totalDurationMs: "duration_ms",
} as const satisfies Record<keyof UsageTotals, string>;

const ZERO: UsageTotals = {
  sessionCount: 0, messageCount: 0, totalTokens: 0, promptTokens: 0, completionTokens: 0,
  cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalCost: 0, totalDurationMs: 0,
};

function add(a: UsageTotals, b: UsageTotals): UsageTotals {
  const out = { ...a };
  for (const k of Object.keys(SUM_COLUMNS) as Array<keyof UsageTotals>) out[k] = a[k] + b[k];
  return out;
}

function totalsOf(row: Record<string, unknown>): UsageTotals {
  const out = { ...ZERO };
  for (const [k, column] of Object.entries(SUM_COLUMNS)) out[k as keyof UsageTotals] = num(row[column]);
  return out;
}

/** Rollup `key` back to the group key: '' is null, '=' + value is the value. */
const decodeKey = (key: string): string | null => (key === "" ? null : key.slice(1));

/**
 * A range cut on a grain: whole buckets `[lo, hi)` (undefined: open) answered by rollup rows, and
 * the partial pieces at its ends, answered by the sessions themselves (at most one bucket each).
 */
interface Split { inner: { lo?: number; hi?: number } | null; edges: StatsRange[] }

export function splitRange(range: StatsRange, grainMs: number): Split {
  const start = range.from === undefined ? undefined : Math.ceil(range.from / grainMs) * grainMs;
  const end = range.to === undefined ? undefined : Math.floor(range.to / grainMs) * grainMs;
  if (start !== undefined && end !== undefined && start >= end) return { inner: null, edges: [range] };
  const edges: StatsRange[] = [];
  if (range.from !== undefined && range.from < start!) edges.push({ from: range.from, to: start });
  if (range.to !== undefined && end! < range.to) edges.push({ from: end, to: range.to });
  return { inner: { lo: start === undefined ? undefined : start / grainMs, hi: end === undefined ? undefined : end / grainMs }, edges };
}

/** Rows whose units map to the same unit merged (units folded into a cycle). */
function foldUnits(rows: TimeUnitRow[], wrap: (unit: number) => number): TimeUnitRow[] {
  const byUnit = new Map<number, UsageTotals>();
  for (const { unit, ...totals } of rows) byUnit.set(wrap(unit), add(byUnit.get(wrap(unit)) ?? ZERO, totals));
  return [...byUnit].sort((a, b) => a[0] - b[0]).map(([unit, t]) => ({ unit, ...t }));
}

/**
 * `/api/stats` from the rollups of migration 0005 (kept by triggers on `sessions`): whole days or
 * 15-minute slots from `usage_rollup`, the partial ones at the ends of a range from the sessions
 * (SessionScanStats). Answers equal the full scan's; e2e/server/stats-rollups.test.ts checks it.
 */
export class KyselyStatsRepo implements StatsRepo {
  readonly scan: SessionScanStats;

  constructor(private readonly db: Kysely<Database>) {
    this.scan = new SessionScanStats(db);
  }

  private rollup(userId: string, grain: "q" | "h" | "d", dim: string, inner: NonNullable<Split["inner"]>) {
    let q = this.db
      .selectFrom("usage_rollup")
      .where("user_id", "=", userId)
      .where("grain", "=", grain)
      .where("dim", "=", dim)
      .select(Object.values(SUM_COLUMNS).map((c) => overflowFreeSum(c).as(c)));
    if (inner.lo !== undefined) q = q.where("bucket", ">=", inner.lo);
    if (inner.hi !== undefined) q = q.where("bucket", "<", inner.hi);
    return q;
  }

  usageEntries(userId: string, range: Required<StatsRange>): Promise<UsageEntry[]> {
    return this.scan.usageEntries(userId, range);
  }

  async totals(userId: string, range: StatsRange) {
    const { inner, edges } = splitRange(range, DAY_MS);
    let totals = { ...ZERO };
    if (inner) totals = totalsOf(await this.rollup(userId, "d", "", inner).executeTakeFirstOrThrow());
    for (const edge of edges) totals = add(totals, await this.scan.totals(userId, edge));
    const [firstSessionAt, lastSessionAt] = await this.span(userId, range);
    return { ...totals, firstSessionAt, lastSessionAt };
  }

  /** First and last `created_at` in the range: two lookups at the ends of the (user_id, created_at) index. */
  private async span(userId: string, range: StatsRange): Promise<[number | null, number | null]> {
    let q = this.db.selectFrom("sessions").where("user_id", "=", userId);
    if (range.from !== undefined) q = q.where("created_at", ">=", range.from);
    if (range.to !== undefined) q = q.where("created_at", "<", range.to);
    const first = await q.select("created_at").orderBy("created_at", "asc").limit(1).executeTakeFirst();
    const last = await q.select("created_at").orderBy("created_at", "desc").limit(1).executeTakeFirst();
    return [first ? num(first.created_at) : null, last ? num(last.created_at) : null];
  }

  async groups(userId: string, by: StoreStatsGroup, range: StatsRange, tzOffsetMinutes: number): Promise<StatsGroupRow[]> {
    if (by === "day") {
      return (await this.timeUnits(userId, range, tzOffsetMinutes, DAY_MS)).map(({ unit, ...totals }) => ({ key: isoDay(unit), ...totals }));
    }
    const { inner, edges } = splitRange(range, DAY_MS);
    const byKey = new Map<string | null, UsageTotals>();
    const merge = (key: string | null, t: UsageTotals) => byKey.set(key, add(byKey.get(key) ?? ZERO, t));
    if (inner) {
      const rows = await this.rollup(userId, "d", by, inner).select("key").groupBy("key").execute();
      for (const r of rows) merge(decodeKey(r.key), totalsOf(r));
    }
    for (const edge of edges) for (const g of await this.scan.groups(userId, by, edge, 0)) merge(g.key, g);
    return [...byKey]
      .filter(([, t]) => t.sessionCount > 0)
      .map(([key, t]) => ({ key, ...t }))
      .sort((a, b) => b.totalTokens - a.totalTokens);
  }

  /**
   * Local days or hours from the coarsest rollup whose buckets tile them: UTC days for days at
   * offset 0, UTC hours for whole-hour offsets, 15-minute slots for the other offsets in use (all
   * are multiples of 15 minutes). Another offset (the API accepts any minute) is a full scan.
   */
  async timeUnits(userId: string, range: StatsRange, tzOffsetMinutes: number, unitMs: number, cycle?: number): Promise<TimeUnitRow[]> {
    // `cycle` folds units modulo it in SQL (168 hours: the hour-of-week grid), so a year of hours
    // comes back as 168 rows instead of 8,760 to fold in JS.
    const wrap = (unit: number) => (cycle ? ((unit % cycle) + cycle) % cycle : unit);
    if (tzOffsetMinutes % 15 !== 0) return foldUnits(await this.scan.timeUnits(userId, range, tzOffsetMinutes, unitMs), wrap);
    // Days at a 30- or 45-minute offset: whole hours from the hourly rollup, and only the one hour a
    // day that straddles local midnight from the 15-minute slots (a quarter of the rows of slots only).
    const straddle = unitMs === DAY_MS && tzOffsetMinutes % 60 !== 0;
    const [grain, grainMs] =
      unitMs === DAY_MS && tzOffsetMinutes === 0 ? (["d", DAY_MS] as const) : tzOffsetMinutes % 60 === 0 || straddle ? (["h", HOUR_MS] as const) : (["q", QUARTER_MS] as const);
    const { inner, edges } = splitRange(range, grainMs);
    const byUnit = new Map<number, UsageTotals>();
    const merge = (unit: number, t: UsageTotals) => byUnit.set(unit, add(byUnit.get(unit) ?? ZERO, t));
    if (inner && straddle) {
      const offsetMs = Math.trunc(tzOffsetMinutes * 60_000);
      // Where an hour starts within its local day; it straddles midnight when it starts later than 23:00.
      const hourPosition = (hourStart: RawBuilder<number>) => sql<number>`((${hourStart} + ${sql.lit(offsetMs)}) % ${sql.lit(DAY_MS)} + ${sql.lit(DAY_MS)}) % ${sql.lit(DAY_MS)}`;
      const wholeHours = hourPosition(sql<number>`bucket * ${sql.lit(HOUR_MS)}`);
      const hourDay = sql<number>`(bucket * ${sql.lit(HOUR_MS)} + ${sql.lit(offsetMs)}) / ${sql.lit(DAY_MS)}`;
      const hours = await this.rollup(userId, "h", "", inner)
        .where(sql<boolean>`${wholeHours} <= ${sql.lit(DAY_MS - HOUR_MS)}`)
        .select(hourDay.as("unit"))
        .groupBy(hourDay)
        .execute();
      const slotsPerHour = HOUR_MS / QUARTER_MS;
      const slotInner = { lo: inner.lo === undefined ? undefined : inner.lo * slotsPerHour, hi: inner.hi === undefined ? undefined : inner.hi * slotsPerHour };
      const slotHour = hourPosition(sql<number>`(bucket / ${sql.lit(slotsPerHour)}) * ${sql.lit(HOUR_MS)}`);
      const slotDay = sql<number>`(bucket * ${sql.lit(QUARTER_MS)} + ${sql.lit(offsetMs)}) / ${sql.lit(DAY_MS)}`;
      const slots = await this.rollup(userId, "q", "", slotInner)
        .where(sql<boolean>`${slotHour} > ${sql.lit(DAY_MS - HOUR_MS)}`)
        .select(slotDay.as("unit"))
        .groupBy(slotDay)
        .execute();
      for (const r of [...hours, ...slots]) merge(wrap(Math.floor(num(r.unit))), totalsOf(r));
    } else if (inner) {
      const offsetMs = Math.trunc(tzOffsetMinutes * 60_000);
      const local: RawBuilder<number> = sql<number>`(bucket * ${sql.lit(grainMs)} + ${sql.lit(offsetMs)}) / ${sql.lit(unitMs)}`;
      const unit: RawBuilder<number> = cycle ? sql<number>`((${local} % ${sql.lit(cycle)}) + ${sql.lit(cycle)}) % ${sql.lit(cycle)}` : local;
      const rows = await this.rollup(userId, grain, "", inner).select(unit.as("unit")).groupBy(unit).execute();
      for (const r of rows) merge(Math.floor(num(r.unit)), totalsOf(r));
    }
    for (const edge of edges) for (const r of await this.scan.timeUnits(userId, edge, tzOffsetMinutes, unitMs)) merge(wrap(r.unit), r);
    return [...byUnit]
      .filter(([, t]) => t.sessionCount > 0)
      .sort((a, b) => a[0] - b[0])
      .map(([unit, t]) => ({ unit, ...t }));
  }

  /**
   * Local days per model or source, from the coarsest per-dimension rollup whose buckets tile them:
   * UTC days at offset 0 (0005), UTC hours at offsets of whole hours (0007); whole buckets come
   * from the rollups and the partial ones at the ends of the range from the sessions. Offsets of
   * 30 or 45 minutes (and any other) group the range's sessions.
   */
  async splitDays(userId: string, by: StatsSplit, range: StatsRange, tzOffsetMinutes: number): Promise<SplitUnitRow[]> {
    if (tzOffsetMinutes % 60 !== 0) return this.scan.splitDays(userId, by, range, tzOffsetMinutes);
    const [grain, grainMs] = tzOffsetMinutes === 0 ? (["d", DAY_MS] as const) : (["h", HOUR_MS] as const);
    const { inner, edges } = splitRange(range, grainMs);
    const cells = new Map<string, SplitUnitRow>();
    const merge = (unit: number, key: string | null, t: UsageTotals) => {
      const id = `${unit}|${key === null ? "" : `=${key}`}`;
      const cell = cells.get(id);
      cells.set(id, { unit, key, ...add(cell ?? ZERO, t) });
    };
    if (inner) {
      const offsetMs = Math.trunc(tzOffsetMinutes * 60_000);
      const day: RawBuilder<number> = sql<number>`(bucket * ${sql.lit(grainMs)} + ${sql.lit(offsetMs)}) / ${sql.lit(DAY_MS)}`;
      const rows = await this.rollup(userId, grain, by, inner).select([day.as("unit"), "key"]).groupBy([day, "key"]).execute();
      for (const r of rows) merge(Math.floor(num(r.unit)), decodeKey(r.key), totalsOf(r));
    }
    for (const edge of edges) for (const r of await this.scan.splitDays(userId, by, edge, tzOffsetMinutes)) merge(r.unit, r.key, r);
    return [...cells.values()].filter((c) => c.sessionCount > 0).sort((a, b) => a.unit - b.unit);
  }
}
