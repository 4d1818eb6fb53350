import { sql, type Kysely, type Migration } from "kysely";

/**
 * Values are now bounded at the door (packages/protocol fields.ts LIMITS), but rows written by an
 * older version may hold anything it accepted, e.g. a declared `messageCount` of 9e18 that made
 * every later stats SUM overflow. This brings stored rows within the same bounds, once. The
 * numbers are the limits as of this migration, written out so the migration never changes.
 *
 * It also adds `sessions.source_named`: existing rows count as named, so a message never
 * relabels a session stored before the column existed.
 */
const MAX_TOKENS = 1e12;
const MAX_COST = 1e9;
const MAX_DURATION_MS = 1e12;
const MAX_COUNT = 1e9;
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

const TOKEN_COLUMNS = ["prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"];

/** `column` held within [0, max]; `nullable` columns (explicit totals) lose a negative value instead. */
function clamp(table: string, column: string, max: number, nullable = false): string[] {
  return [
    `UPDATE ${table} SET ${column} = ${max} WHERE ${column} > ${max}`,
    `UPDATE ${table} SET ${column} = ${nullable ? "NULL" : 0} WHERE ${column} < 0`,
  ];
}

/**
 * A session's effective total out of bounds was summed from absurd messages: once those are
 * clamped, it is the explicit value if one was sent, else the sum again (the rule of
 * store/kysely/sync.ts `refreshTotals`). `total()` is SQLite's SUM that cannot overflow.
 */
function resum(column: string, max: number): string {
  return `UPDATE sessions SET ${column} = coalesce(x_${column},
      (SELECT total(m.${column}) FROM messages m WHERE m.session_id = sessions.id))
    WHERE ${column} > ${max} OR ${column} < 0`;
}

/** Every bounded column of `messages` in one UPDATE (SQLite's two-argument min/max are scalar). */
function clampMessages(): string {
  const bounds: Array<[string, number]> = [
    ...TOKEN_COLUMNS.map((c): [string, number] => [c, MAX_TOKENS]),
    ["cost", MAX_COST],
    ["duration_ms", MAX_DURATION_MS],
    ["created_at", MAX_TIMESTAMP_MS],
  ];
  const bounded = (c: string, max: number) => `min(max(${c}, 0), ${max})`;
  const tokens = TOKEN_COLUMNS.map((c) => bounded(c, MAX_TOKENS)).join(" + ");
  return `UPDATE messages SET ${bounds.map(([c, max]) => `${c} = ${bounded(c, max)}`).join(", ")}, total_tokens = ${tokens}
    WHERE ${[...bounds, ["total_tokens", 5 * MAX_TOKENS] as const].map(([c, max]) => `NOT (${c} BETWEEN 0 AND ${max})`).join(" OR ")}`;
}

const sumOfTokens = TOKEN_COLUMNS.join(" + ");
const retotal = (table: string) => `UPDATE ${table} SET total_tokens = ${sumOfTokens} WHERE total_tokens IS NOT ${sumOfTokens}`;

export const boundedValues: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `ALTER TABLE sessions ADD COLUMN source_named INTEGER NOT NULL DEFAULT 1`,
      // Messages first (the sessions' sums are taken over them), in one pass over the largest table.
      clampMessages(),
      // Explicit session values were bounded at the door like the messages' own.
      ...TOKEN_COLUMNS.flatMap((c) => clamp("sessions", `x_${c}`, MAX_TOKENS, true)),
      ...clamp("sessions", "x_cost", MAX_COST, true),
      ...clamp("sessions", "x_duration_ms", MAX_DURATION_MS, true),
      ...TOKEN_COLUMNS.map((c) => resum(c, MAX_TOKENS)),
      resum("cost", MAX_COST),
      ...clamp("sessions", "duration_ms", MAX_DURATION_MS),
      retotal("sessions"),
      // A declared count out of bounds says nothing; the stored messages are counted instead.
      `UPDATE sessions SET declared_message_count = NULL
        WHERE declared_message_count IS NOT NULL AND NOT (declared_message_count BETWEEN 0 AND ${MAX_COUNT})`,
      // The session's count is its stored messages, or the (now valid) declared count without any.
      `UPDATE sessions SET message_count = coalesce(
          nullif((SELECT count(*) FROM messages m WHERE m.session_id = sessions.id), 0), declared_message_count, 0)
        WHERE message_count > ${MAX_COUNT} OR message_count < 0`,
      ...["created_at", "updated_at", "synced_at"].flatMap((c) => clamp("sessions", c, MAX_TIMESTAMP_MS)),
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
