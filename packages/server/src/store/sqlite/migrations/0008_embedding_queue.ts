import { sql, type Kysely, type Migration } from "kysely";

/**
 * The embedding change feed becomes an append-only queue (issue 8, import speed). Migration 0004's
 * triggers upserted a job row per message, and again per part, inside the sync transaction: three
 * b-trees (the job table and its two indexes) and a lookup of the message each time, a third of
 * the cost of storing a message. Now a trigger appends the message id to `embedding_queue` (one
 * rowid append), and the embedding worker folds the queue into `embedding_jobs` in large
 * transactions of its own, outside sync (`embeddings/queue.ts`), as the full-text queue is drained.
 *
 * What is queued is unchanged: a message inserted, its text changed, or its parts (re)written.
 * Parts are always written whole and numbered from 0 (store/kysely/sync.ts replaces them
 * wholesale), so the part with `ord = 0` stands for the write, once per message.
 */
export const embeddingQueue: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE embedding_queue (seq INTEGER PRIMARY KEY, message_id INTEGER NOT NULL)`,
      `DROP TRIGGER IF EXISTS embedding_enqueue_insert`,
      `DROP TRIGGER IF EXISTS embedding_enqueue_text`,
      `DROP TRIGGER IF EXISTS embedding_enqueue_parts`,
      `CREATE TRIGGER embedding_queue_message_insert AFTER INSERT ON messages BEGIN
        INSERT INTO embedding_queue (message_id) VALUES (new.id);
      END`,
      `CREATE TRIGGER embedding_queue_message_text AFTER UPDATE OF text_content ON messages
        WHEN old.text_content IS NOT new.text_content BEGIN
        INSERT INTO embedding_queue (message_id) VALUES (new.id);
      END`,
      `CREATE TRIGGER embedding_queue_parts AFTER INSERT ON parts WHEN new.ord = 0 BEGIN
        INSERT INTO embedding_queue (message_id) VALUES (new.message_id);
      END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
