import { sql, type Kysely, type SelectQueryBuilder } from "kysely";
import type { StatsGroupRow, StatsSplit } from "@opensync/protocol";
import type { Database } from "../schema.js";
import type { SplitUnitRow, StatsRange, StatsRepo, StoreStatsGroup, TimeUnitRow, UsageEntry } from "../types.js";
import { num } from "./rows.js";
import { overflowFreeSum } from "./sums.js";

const DAY_MS = 86_400_000;

export const GROUP_COLUMNS: Record<Exclude<StoreStatsGroup, "day">, "model" | "provider" | "project_name" | "source" | "machine"> = {
  model: "model",
  provider: "provider",
  project: "project_name",
  source: "source",
  machine: "machine",
};

export function isoDay(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Aggregates computed from the sessions table itself (effective totals live on each row): the
 * recomputation the rollups must always equal, and what answers the partial buckets at the edges
 * of a date range (store/kysely/stats.ts).
 */
export class SessionScanStats implements StatsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private scoped(userId: string, range: StatsRange) {
    let q = this.db.selectFrom("sessions").where("user_id", "=", userId);
    if (range.from !== undefined) q = q.where("created_at", ">=", range.from);
    if (range.to !== undefined) q = q.where("created_at", "<", range.to);
    return q;
  }

  private withTotals<O>(q: SelectQueryBuilder<Database, "sessions", O>) {
    return q.select((eb) => [
      eb.fn.countAll<number>().as("session_count"),
      overflowFreeSum("message_count").as("message_count"),
      overflowFreeSum("total_tokens").as("total_tokens"),
      overflowFreeSum("prompt_tokens").as("prompt_tokens"),
      overflowFreeSum("completion_tokens").as("completion_tokens"),
      overflowFreeSum("cache_read_tokens").as("cache_read_tokens"),
      overflowFreeSum("cache_write_tokens").as("cache_write_tokens"),
      overflowFreeSum("reasoning_tokens").as("reasoning_tokens"),
      overflowFreeSum("cost").as("cost"),
      overflowFreeSum("duration_ms").as("duration_ms"),
    ]);
  }

  async totals(userId: string, range: StatsRange) {
    const row = await this.withTotals(this.scoped(userId, range))
      .select((eb) => [eb.fn.min<number>("created_at").as("first_at"), eb.fn.max<number>("created_at").as("last_at")])
      .executeTakeFirstOrThrow();
    return {
      ...toTotals(row),
      firstSessionAt: row.first_at === null ? null : num(row.first_at),
      lastSessionAt: row.last_at === null ? null : num(row.last_at),
    };
  }

  /**
   * Messages with usage in the range: sessions updated since `from` (the user's updated_at index),
   * then their messages by time (the session's created_at index). A message is never later than
   * its session's updated_at (store/kysely/sync.ts refreshTotals), so none is missed.
   */
  async usageEntries(userId: string, range: Required<StatsRange>): Promise<UsageEntry[]> {
    const rows = await this.db
      .selectFrom("messages")
      .innerJoin("sessions", "sessions.id", "messages.session_id")
      .select([
        "messages.created_at", "messages.model", "messages.prompt_tokens", "messages.completion_tokens", "messages.cache_read_tokens",
        "messages.cache_write_tokens", "messages.reasoning_tokens", "messages.total_tokens", "messages.cost",
      ])
      .where("sessions.user_id", "=", userId)
      .where("sessions.updated_at", ">=", range.from)
      .where("messages.created_at", ">=", range.from)
      .where("messages.created_at", "<", range.to)
      .where((eb) => eb.or([eb("messages.total_tokens", ">", 0), eb("messages.cost", ">", 0)]))
      .orderBy("messages.created_at")
      .orderBy("messages.id")
      .execute();
    return rows.map((r) => ({
      createdAt: num(r.created_at),
      model: r.model,
      promptTokens: num(r.prompt_tokens),
      completionTokens: num(r.completion_tokens),
      cacheReadTokens: num(r.cache_read_tokens),
      cacheWriteTokens: num(r.cache_write_tokens),
      reasoningTokens: num(r.reasoning_tokens),
      totalTokens: num(r.total_tokens),
      cost: num(r.cost),
    }));
  }

  /** Totals per local time unit (`unitMs` a day or an hour): unit number = floor((created_at + offset) / unitMs). */
  async timeUnits(userId: string, range: StatsRange, tzOffsetMinutes: number, unitMs: number): Promise<TimeUnitRow[]> {
    const unit = sql<number>`(created_at + ${sql.lit(Math.trunc(tzOffsetMinutes * 60_000))}) / ${sql.lit(unitMs)}`;
    const rows = await this.withTotals(this.scoped(userId, range).select(unit.as("unit"))).groupBy(unit).orderBy(unit).execute();
    return rows.map((r) => ({ unit: Math.floor(num(r.unit)), ...toTotals(r) }));
  }

  /** Totals per local day and value of `by`: day number = floor((created_at + offset) / day). */
  async splitDays(userId: string, by: StatsSplit, range: StatsRange, tzOffsetMinutes: number): Promise<SplitUnitRow[]> {
    const unit = sql<number>`(created_at + ${sql.lit(Math.trunc(tzOffsetMinutes * 60_000))}) / ${sql.lit(DAY_MS)}`;
    const column = GROUP_COLUMNS[by];
    const rows = await this.withTotals(this.scoped(userId, range).select([unit.as("unit"), `${column} as split_key` as const]))
      .groupBy([unit, column])
      .orderBy(unit)
      .execute();
    return rows.map((r) => ({ unit: Math.floor(num(r.unit)), key: (r as { split_key: string | null }).split_key, ...toTotals(r) }));
  }

  async groups(userId: string, by: StoreStatsGroup, range: StatsRange, tzOffsetMinutes: number): Promise<StatsGroupRow[]> {
    if (by === "day") {
      const offset = tzOffsetMinutes * 60_000;
      // Integer literals (not bound parameters, which SQLite may take as REAL) make this an integer
      // division on both backends: the local day number.
      const day = sql<number>`(created_at + ${sql.lit(Math.trunc(offset))}) / ${sql.lit(DAY_MS)}`;
      const rows = await this.withTotals(this.scoped(userId, range).select(day.as("bucket")))
        .groupBy(day)
        .orderBy(day)
        .execute();
      return rows.map((r) => ({ key: isoDay(Math.floor(num(r.bucket))), ...toTotals(r) }));
    }
    const column = GROUP_COLUMNS[by];
    const rows = await this.withTotals(this.scoped(userId, range).select(`${column} as bucket` as const))
      .groupBy(column)
      .orderBy("total_tokens", "desc")
      .execute();
    return rows.map((r) => ({ key: (r as { bucket: string | null }).bucket, ...toTotals(r) }));
  }
}

export function toTotals(row: Record<string, unknown>) {
  return {
    sessionCount: num(row.session_count),
    messageCount: num(row.message_count),
    totalTokens: num(row.total_tokens),
    promptTokens: num(row.prompt_tokens),
    completionTokens: num(row.completion_tokens),
    cacheReadTokens: num(row.cache_read_tokens),
    cacheWriteTokens: num(row.cache_write_tokens),
    reasoningTokens: num(row.reasoning_tokens),
    totalCost: num(row.cost),
    totalDurationMs: num(row.duration_ms),
  };
}
