import { sql, type Kysely, type Migration } from "kysely";

/**
 * The embedding job of a message whose parts were (re)written was enqueued by a trigger on every
 * part row (migration 0004): a tool-heavy import paid one job upsert, with its lookup of the
 * message, per part. Parts are always written whole, numbered from 0 (`store/kysely/sync.ts`
 * replaces a message's parts wholesale), so the row with `ord = 0` marks "this message's parts
 * changed" exactly once per write. Same jobs, same `seq` semantics for the worker (a newer change
 * bumps it), a fraction of the work in the sync transaction.
 */
export const embeddingEnqueuePerMessage: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw("DROP TRIGGER IF EXISTS embedding_enqueue_parts").execute(db);
    await sql
      .raw(
        `CREATE TRIGGER embedding_enqueue_parts AFTER INSERT ON parts WHEN new.ord = 0 BEGIN
        INSERT INTO embedding_jobs (message_id, user_id) SELECT id, user_id FROM messages WHERE id = new.message_id
        ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0;
      END`,
      )
      .execute(db);
  },
};
