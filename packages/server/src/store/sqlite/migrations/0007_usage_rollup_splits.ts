import { sql, type Kysely, type Migration } from "kysely";

/**
 * Hourly rollups per model and per source (`grain` 'h', `dim` 'model' | 'source'), for
 * `/api/stats?groupBy=day|week|month&splitBy=model|source` in the viewer's time zone: a local day at
 * an offset of whole hours is a whole number of UTC hours, so the split is exact from these rows
 * (0005's per-dimension rows are UTC days, which only tile days at offset 0). Offsets of 30 or 45
 * minutes group the sessions instead (store/kysely/stats.ts).
 *
 * Same layout and rules as 0005_usage_rollups (key '' for null, '=' + value otherwise; rows kept
 * by triggers on `sessions` in the writing transaction; 0005's user-delete trigger removes a
 * removed user's rows of every grain). These triggers sit beside 0005's, which stay unchanged.
 */
const HOUR_MS = 3_600_000;

const SUMS = ["sessions", "messages", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens", "cost", "duration_ms"];
const COLUMNS = ["message_count", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens", "cost", "duration_ms"];
const SPLITS: Array<[dim: string, column: string]> = [
  ["model", "model"],
  ["source", "source"],
];

function apply(row: "new" | "old", sign: 1 | -1): string {
  const values = ["1", ...COLUMNS.map((c) => `${row}.${c}`)].map((v) => (sign === 1 ? v : `-(${v})`)).join(", ");
  const tuples = SPLITS.map(([dim, column]) => `(${row}.user_id, 'h', '${dim}', coalesce('=' || ${row}.${column}, ''), ${row}.created_at / ${HOUR_MS}, ${values})`);
  return `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")}) VALUES ${tuples.join(",\n")}
    ON CONFLICT (user_id, grain, dim, key, bucket) DO UPDATE SET ${SUMS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")};`;
}

const WATCHED = ["user_id", "created_at", ...COLUMNS, ...SPLITS.map(([, c]) => c)];

export const usageRollupSplits: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TRIGGER usage_rollup_split_insert AFTER INSERT ON sessions BEGIN
        ${apply("new", 1)}
      END`,
      `CREATE TRIGGER usage_rollup_split_update AFTER UPDATE OF ${WATCHED.join(", ")} ON sessions
        WHEN ${WATCHED.map((c) => `old.${c} IS NOT new.${c}`).join(" OR ")} BEGIN
        ${apply("old", -1)}
        ${apply("new", 1)}
      END`,
      `CREATE TRIGGER usage_rollup_split_delete AFTER DELETE ON sessions BEGIN
        ${apply("old", -1)}
      END`,
      ...SPLITS.map(
        ([dim, column]) => `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")})
        SELECT user_id, 'h', '${dim}', coalesce('=' || ${column}, ''), created_at / ${HOUR_MS}, count(*), ${COLUMNS.map((c) => `total(${c})`).join(", ")}
        FROM sessions GROUP BY user_id, coalesce('=' || ${column}, ''), created_at / ${HOUR_MS}`,
      ),
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
