import { sql, type Kysely, type Migration } from "kysely";

/**
 * Semantic search (issue 9): the chunks of every message, their float vectors, and the embedding
 * job table. Plain tables only: the vector index itself (a sqlite-vec `vec0` table whose width
 * depends on the model) is created at run time by `embeddings/vector-index.ts`, on its own
 * connection with sqlite-vec loaded, so that no statement run by a connection without the
 * extension ever touches a virtual table (a trigger that did would fail every sync).
 *
 * Change feed: triggers put a message in `embedding_jobs` when it is inserted, when its text
 * changes, or when parts are written for it (parts are replaced wholesale on re-send). `seq` grows
 * with each change, so the worker only clears a job whose change it actually embedded. Deleting a
 * message (directly, or through its session or user) cascades to its job, chunks and vectors; a
 * trigger leaves a tombstone for each deleted chunk that was in the vector index, which the worker
 * sweeps out of the vec0 table.
 */
export const embeddings: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE embedding_chunks (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        session_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        field TEXT NOT NULL,
        text TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (message_id, ord)
      )`,
      `CREATE INDEX embedding_chunks_hash ON embedding_chunks(hash)`,
      `CREATE INDEX embedding_chunks_user ON embedding_chunks(user_id)`,
      `CREATE INDEX embedding_chunks_session ON embedding_chunks(session_id)`,
      // Float vectors (L2-normalised float32) of the current model, used to rescore candidates.
      `CREATE TABLE embedding_vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES embedding_chunks(id) ON DELETE CASCADE,
        vector BLOB NOT NULL
      )`,
      `CREATE TABLE embedding_jobs (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        seq INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      )`,
      `CREATE INDEX embedding_jobs_due ON embedding_jobs(state, not_before)`,
      `CREATE INDEX embedding_jobs_user ON embedding_jobs(user_id, state)`,
      `CREATE TABLE embedding_tombstones (chunk_id INTEGER PRIMARY KEY)`,
      `CREATE TABLE embedding_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      `CREATE TRIGGER embedding_enqueue_insert AFTER INSERT ON messages BEGIN
        INSERT INTO embedding_jobs (message_id, user_id) VALUES (new.id, new.user_id)
        ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0;
      END`,
      `CREATE TRIGGER embedding_enqueue_text AFTER UPDATE OF text_content ON messages
        WHEN old.text_content IS NOT new.text_content BEGIN
        INSERT INTO embedding_jobs (message_id, user_id) VALUES (new.id, new.user_id)
        ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0;
      END`,
      `CREATE TRIGGER embedding_enqueue_parts AFTER INSERT ON parts BEGIN
        INSERT INTO embedding_jobs (message_id, user_id) SELECT id, user_id FROM messages WHERE id = new.message_id
        ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0;
      END`,
      `CREATE TRIGGER embedding_chunk_tombstone AFTER DELETE ON embedding_chunks BEGIN
        INSERT OR IGNORE INTO embedding_tombstones (chunk_id) VALUES (old.id);
      END`,
      // Messages stored before this migration are embedded in the background like new ones.
      `INSERT INTO embedding_jobs (message_id, user_id) SELECT id, user_id FROM messages`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
