import { sql, type Kysely, type Migration } from "kysely";

/**
 * Exact usage rollups for `/api/stats` (issue 10: p95 <= 30 ms with 100k sessions). Every stats
 * answer used to aggregate all of a user's sessions; now it sums a few rollup rows, plus the
 * sessions of the partial buckets at the edges of a date range (store/kysely/rollup-stats.ts).
 *
 * Rows, per user, keyed by the session's `created_at` (the same attribution the old full scan used):
 * - grain `h`: UTC hours, all sessions (`dim` ''): local days, weeks, months and the hour-of-week
 *   grid for offsets in whole hours (most time zones), exactly: a local day or hour is a whole
 *   number of UTC hours.
 * - grain `q`: 15-minute UTC slots, all sessions: the same for offsets of 30 or 45 minutes (India,
 *   Nepal, parts of Australia...); every real offset is a multiple of 15 minutes.
 * - grain `d`: UTC days, all sessions and per model, provider, project, source and machine: the
 *   totals and the usage by dimension over whole days.
 * `key` is '' for `dim` '' and for a null value, otherwise '=' followed by the value (so a value
 * and null stay distinct in the primary key).
 *
 * `d` answers local days directly when the offset is 0.
 *
 * Triggers on `sessions` keep the rows in the same transaction as every change to a session's
 * rollup columns, whatever writes it (sync, deletes, a user's removal, the migration of old rows):
 * the old row's contribution is subtracted and the new one's added. Integer columns stay exact;
 * `cost` is REAL, so additions and subtractions in another order than a fresh SUM may differ in the
 * last bits (1e-12 relative at most in practice). Rows whose `sessions` fall to 0 are kept (a later
 * session may reuse them) and skipped by readers.
 */
const Q_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const SUMS = ["sessions", "messages", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens", "cost", "duration_ms"];

/** The session columns behind each rollup sum (`sessions` counts the row). */
const SOURCES = (row: "new" | "old") => ["1", `${row}.message_count`, `${row}.prompt_tokens`, `${row}.completion_tokens`, `${row}.cache_read_tokens`, `${row}.cache_write_tokens`, `${row}.reasoning_tokens`, `${row}.total_tokens`, `${row}.cost`, `${row}.duration_ms`];

const DIMENSIONS: Array<[dim: string, column: string]> = [
  ["model", "model"],
  ["provider", "provider"],
  ["project", "project_name"],
  ["source", "source"],
  ["machine", "machine"],
];

/** Adds (sign 1) or subtracts (sign -1) the contribution of session row `row` to its 8 rollup rows. */
function apply(row: "new" | "old", sign: 1 | -1): string {
  const values = SOURCES(row).map((v) => (sign === 1 ? v : `-(${v})`)).join(", ");
  const tuples = [
    `(${row}.user_id, 'q', '', '', ${row}.created_at / ${Q_MS}, ${values})`,
    `(${row}.user_id, 'h', '', '', ${row}.created_at / ${HOUR_MS}, ${values})`,
    `(${row}.user_id, 'd', '', '', ${row}.created_at / ${DAY_MS}, ${values})`,
    ...DIMENSIONS.map(([dim, column]) => `(${row}.user_id, 'd', '${dim}', coalesce('=' || ${row}.${column}, ''), ${row}.created_at / ${DAY_MS}, ${values})`),
  ];
  return `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")}) VALUES ${tuples.join(",\n")}
    ON CONFLICT (user_id, grain, dim, key, bucket) DO UPDATE SET ${SUMS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")};`;
}

/** The columns a rollup row depends on: an update touching none of them costs nothing. */
const WATCHED = ["user_id", "created_at", "message_count", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens", "cost", "duration_ms", ...DIMENSIONS.map(([, c]) => c)];

export const usageRollups: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE usage_rollup (
        user_id TEXT NOT NULL,
        grain TEXT NOT NULL,
        dim TEXT NOT NULL,
        key TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        ${SUMS.map((c) => `${c} ${c === "cost" ? "REAL" : "INTEGER"} NOT NULL DEFAULT 0`).join(",\n        ")},
        PRIMARY KEY (user_id, grain, dim, key, bucket)
      ) WITHOUT ROWID`,
      `CREATE TRIGGER usage_rollup_session_insert AFTER INSERT ON sessions BEGIN
        ${apply("new", 1)}
      END`,
      `CREATE TRIGGER usage_rollup_session_update AFTER UPDATE OF ${WATCHED.join(", ")} ON sessions
        WHEN ${WATCHED.map((c) => `old.${c} IS NOT new.${c}`).join(" OR ")} BEGIN
        ${apply("old", -1)}
        ${apply("new", 1)}
      END`,
      `CREATE TRIGGER usage_rollup_session_delete AFTER DELETE ON sessions BEGIN
        ${apply("old", -1)}
      END`,
      // A removed user's sessions were subtracted already; their emptied rows go too.
      `CREATE TRIGGER usage_rollup_user_delete AFTER DELETE ON users BEGIN
        DELETE FROM usage_rollup WHERE user_id = old.id;
      END`,
      // Sessions stored before this migration, in one pass per grain.
      `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")})
        SELECT user_id, 'q', '', '', created_at / ${Q_MS}, count(*), ${SOURCES("new").slice(1).map((c) => `total(${c.slice(4)})`).join(", ")}
        FROM sessions GROUP BY user_id, created_at / ${Q_MS}`,
      `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")})
        SELECT user_id, 'h', '', '', created_at / ${HOUR_MS}, count(*), ${SOURCES("new").slice(1).map((c) => `total(${c.slice(4)})`).join(", ")}
        FROM sessions GROUP BY user_id, created_at / ${HOUR_MS}`,
      `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")})
        SELECT user_id, 'd', '', '', created_at / ${DAY_MS}, count(*), ${SOURCES("new").slice(1).map((c) => `total(${c.slice(4)})`).join(", ")}
        FROM sessions GROUP BY user_id, created_at / ${DAY_MS}`,
      ...DIMENSIONS.map(
        ([dim, column]) => `INSERT INTO usage_rollup (user_id, grain, dim, key, bucket, ${SUMS.join(", ")})
        SELECT user_id, 'd', '${dim}', coalesce('=' || ${column}, ''), created_at / ${DAY_MS}, count(*), ${SOURCES("new").slice(1).map((c) => `total(${c.slice(4)})`).join(", ")}
        FROM sessions GROUP BY user_id, coalesce('=' || ${column}, ''), created_at / ${DAY_MS}`,
      ),
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
