import type BetterSqlite3 from "better-sqlite3";

/** Queue rows folded per transaction: a short write, so sync's writes get the lock in between. */
export const FOLD_SLICE = 20_000;

/**
 * Moves what sync appended to `embedding_queue` (migration 0008) into `embedding_jobs`: one job per
 * message, made pending again (with a new `seq`, so a round embedding the old text does not clear
 * it) when it already existed. Messages deleted since they were queued are skipped. Call inside a
 * write transaction; returns the queue rows consumed (0 when the queue is empty).
 */
export function foldEmbeddingQueue(db: BetterSqlite3.Database, slice = FOLD_SLICE): number {
  const range = db.prepare("SELECT min(seq) AS lo, max(seq) AS hi FROM embedding_queue").get() as { lo: number | null; hi: number | null };
  if (range.lo === null || range.hi === null) return 0;
  const upTo = Math.min(range.hi, range.lo + slice - 1);
  db.prepare(
    `INSERT INTO embedding_jobs (message_id, user_id)
       SELECT m.id, m.user_id FROM messages m
       WHERE m.id IN (SELECT message_id FROM embedding_queue WHERE seq <= ?)
     ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0`,
  ).run(upTo);
  return db.prepare("DELETE FROM embedding_queue WHERE seq <= ?").run(upTo).changes;
}

/** Messages of `userId` queued but not yet folded into a pending job (for status counts). */
export function queuedNotPending(db: BetterSqlite3.Database, userId: string): number {
  return db
    .prepare(
      `SELECT count(*) FROM messages m
       WHERE m.id IN (SELECT message_id FROM embedding_queue) AND m.user_id = ?
         AND NOT EXISTS (SELECT 1 FROM embedding_jobs j WHERE j.message_id = m.id AND j.state = 'pending')`,
    )
    .pluck()
    .get(userId) as number;
}
