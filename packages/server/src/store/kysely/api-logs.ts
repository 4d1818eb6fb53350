import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { ApiLogEntry, ApiLogsRepo } from "../types.js";
import { num } from "./rows.js";

export class KyselyApiLogsRepo implements ApiLogsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(entries: ApiLogEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.db
      .insertInto("api_logs")
      .values(
        entries.map((e) => ({
          user_id: e.userId,
          key_id: e.keyId,
          method: e.method,
          endpoint: e.endpoint,
          status: e.status,
          duration_ms: e.durationMs,
          created_at: e.createdAt,
        })),
      )
      .execute();
  }

  async recent(userId: string, limit: number): Promise<Array<ApiLogEntry & { keyName: string | null }>> {
    const rows = await this.db
      .selectFrom("api_logs")
      .leftJoin("api_keys", "api_keys.id", "api_logs.key_id")
      .selectAll("api_logs")
      .select("api_keys.name as key_name")
      .where("api_logs.user_id", "=", userId)
      .orderBy("api_logs.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      keyId: r.key_id,
      keyName: r.key_name,
      method: r.method,
      endpoint: r.endpoint,
      status: num(r.status),
      durationMs: num(r.duration_ms),
      createdAt: num(r.created_at),
    }));
  }

  async pruneBefore(cutoff: number): Promise<number> {
    const res = await this.db.deleteFrom("api_logs").where("created_at", "<", cutoff).executeTakeFirst();
    return num(res.numDeletedRows);
  }
}
