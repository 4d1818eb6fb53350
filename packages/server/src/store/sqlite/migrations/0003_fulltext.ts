import { sql, type Kysely, type Migration } from "kysely";

/**
 * The full-text index's change queue (issue 9). The index itself lives in its own database file
 * beside this one (`store/sqlite/fulltext.ts`), written by a background indexer; here, triggers
 * record what changed in the same transaction as the change, which costs one small insert per
 * message and nothing else on the sync path. The indexer drains the queue in large transactions
 * and deletes what it has indexed. Kinds: `m` (re)index message `message_id`, `d` drop message
 * `message_id`, `t` (re)index the title of session `session_id`, `x` drop that title.
 *
 * Existing rows are not queued here: a fresh index file enqueues everything once (see
 * `SqliteFulltextIndex.open`), so this migration stays instant on a large database.
 */
export const fulltext: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE fts_queue (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        message_id INTEGER,
        session_id TEXT
      )`,
      `CREATE TRIGGER fts_queue_message_insert AFTER INSERT ON messages BEGIN
        INSERT INTO fts_queue (kind, message_id) VALUES ('m', new.id);
      END`,
      `CREATE TRIGGER fts_queue_message_update AFTER UPDATE ON messages BEGIN
        INSERT INTO fts_queue (kind, message_id) VALUES ('m', new.id);
      END`,
      `CREATE TRIGGER fts_queue_message_delete AFTER DELETE ON messages BEGIN
        INSERT INTO fts_queue (kind, message_id) VALUES ('d', old.id);
      END`,
      `CREATE TRIGGER fts_queue_session_insert AFTER INSERT ON sessions WHEN new.title IS NOT NULL BEGIN
        INSERT INTO fts_queue (kind, session_id) VALUES ('t', new.id);
      END`,
      `CREATE TRIGGER fts_queue_session_title AFTER UPDATE OF title ON sessions WHEN old.title IS NOT new.title BEGIN
        INSERT INTO fts_queue (kind, session_id) VALUES ('t', new.id);
      END`,
      `CREATE TRIGGER fts_queue_session_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO fts_queue (kind, session_id) VALUES ('x', old.id);
      END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
