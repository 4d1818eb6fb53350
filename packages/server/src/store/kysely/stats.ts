import { sql, type Kysely, type SelectQueryBuilder } from "kysely";
import type { StatsGroup, StatsGroupRow } from "@opensync/protocol";
import type { Database } from "../schema.js";
import type { StatsRange, StatsRepo } from "../types.js";
import { num } from "./rows.js";
import { overflowFreeSum } from "./sums.js";

const DAY_MS = 86_400_000;

const GROUP_COLUMNS: Record<Exclude<StatsGroup, "day">, "model" | "provider" | "project_name" | "source" | "machine"> = {
  model: "model",
  provider: "provider",
  project: "project_name",
  source: "source",
  machine: "machine",
};

function isoDay(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** Aggregates run in SQL over the sessions table (effective totals already live on each row). */
export class KyselyStatsRepo implements StatsRepo {
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

  async groups(userId: string, by: StatsGroup, range: StatsRange, tzOffsetMinutes: number): Promise<StatsGroupRow[]> {
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

function toTotals(row: Record<string, unknown>) {
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
