import BetterSqlite3 from "better-sqlite3";
import { existsSync, rmSync } from "node:fs";
import { databasePath, type ServerConfig } from "../config.js";
import { fulltextPathFor, QUEUE_DONE, SqliteFulltextIndexer } from "../store/sqlite/fulltext.js";
import { openSqliteDatabase } from "../store/sqlite/open.js";
import { createSemanticSearch } from "./index.js";

/**
 * `opensync admin reindex` (issue 9): queue every message again for the embedding worker and/or
 * the full-text indexer, then follow (or do) the work.
 *
 * Everything here goes through the server's database file, so it is safe while a server runs on
 * the same data dir: the queues are the ones its background workers drain (a running server does
 * the work; this only reports progress). With no server running, `runEmbeddings` /
 * `rebuildFulltext` do the work in this process.
 */

export interface ReindexProgress {
  /** What was queued by this reindex. */
  total: number;
  /** Queued items still waiting (the queue may also hold new syncs' changes). */
  pending: number;
  failed: number;
}

const SLICE = 5000;

export function openMainDatabase(config: Pick<ServerConfig, "dataDir">): BetterSqlite3.Database {
  const path = databasePath(config);
  if (!existsSync(path)) throw new Error(`no OpenSync database in ${config.dataDir} (start the server once, or pass --data-dir)`);
  return openSqliteDatabase({ path });
}

/**
 * Queues every message for embedding. Unforced, the worker re-chunks each message and embeds only
 * chunks whose content hash has no vector (a repair: missing chunks, vectors, codes). `force`
 * first deletes every chunk (their vectors cascade; tombstones take their codes out of the index),
 * so the content-hash dedupe finds nothing and every chunk is embedded again.
 */
export function queueEmbeddings(db: BetterSqlite3.Database, options: { force?: boolean } = {}): number {
  // In slices: a running server's sync transactions get the write lock in between.
  if (options.force) while (db.prepare("DELETE FROM embedding_chunks WHERE id IN (SELECT id FROM embedding_chunks LIMIT ?)").run(SLICE).changes > 0);
  let after = 0;
  let queued = 0;
  for (;;) {
    const last = db.transaction(() => {
      const ids = db.prepare("SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?").pluck().all(after, SLICE) as number[];
      if (ids.length === 0) return undefined;
      db.prepare(
        `INSERT INTO embedding_jobs (message_id, user_id) SELECT id, user_id FROM messages WHERE id > ? AND id <= ?
         ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0, last_error = NULL`,
      ).run(after, ids.at(-1));
      queued += ids.length;
      return ids.at(-1);
    }).immediate();
    if (last === undefined) return queued;
    after = last;
  }
}

export function embeddingProgress(db: BetterSqlite3.Database, total: number): ReindexProgress {
  const count = (state: string) => db.prepare("SELECT count(*) FROM embedding_jobs WHERE state = ?").pluck().get(state) as number;
  return { total, pending: count("pending"), failed: count("failed") };
}

/**
 * Embeds the queue in this process (no server running), calling `onProgress` after each round.
 * Throws when the provider cannot be loaded (its error), rather than waiting on a backoff.
 */
export async function runEmbeddings(config: ServerConfig, total: number, onProgress: (p: ReindexProgress) => void): Promise<ReindexProgress> {
  if (config.embeddings.provider === "off") throw new Error("embeddings are off (OPENSYNC_EMBEDDINGS=off or --embeddings off): nothing to embed with");
  const semantic = createSemanticSearch(config, undefined, { start: false });
  try {
    if (!(await semantic.worker.ensureLoaded())) throw new Error(`the embedding provider is unavailable: ${semantic.worker.state.lastError ?? "unknown error"}`);
    for (;;) {
      const done = await semantic.worker.runOnce();
      const progress = embeddingProgress(semantic.db, total);
      onProgress(progress);
      if (done === 0) {
        if (progress.pending > 0 && semantic.worker.state.lastError) throw new Error(`the embedding provider failed: ${semantic.worker.state.lastError}`);
        // Jobs backed off by a refused input come due later; they are counted, not waited for.
        return progress;
      }
    }
  } finally {
    await semantic.close();
  }
}

/**
 * Queues every message and session title for the full-text indexer, as its own backfill does for
 * a new index file (store/sqlite/fulltext.ts): the indexer replaces each row it drains, so a
 * running server rebuilds its index in place.
 */
export function queueFulltext(db: BetterSqlite3.Database): number {
  return db.transaction(() => {
    const messages = db.prepare("INSERT INTO fts_queue (kind, message_id) SELECT 'm', id FROM messages ORDER BY id").run().changes;
    const titles = db.prepare("INSERT INTO fts_queue (kind, session_id) SELECT 't', id FROM sessions WHERE title IS NOT NULL").run().changes;
    return messages + titles;
  }).immediate();
}

/**
 * Queue rows the index does not hold yet: those after the index file's `queue_done` mark (the
 * indexer records its progress in its own file; the server prunes drained rows later and always
 * keeps the last one, so counting every row would never reach 0).
 */
export function fulltextProgress(db: BetterSqlite3.Database, total: number): ReindexProgress {
  let done = 0;
  try {
    const fts = new BetterSqlite3(fulltextPathFor(db.name), { readonly: true, fileMustExist: true });
    try {
      done = Number(fts.prepare("SELECT value FROM fts_meta WHERE key = ?").pluck().get(QUEUE_DONE) ?? 0);
    } finally {
      fts.close();
    }
  } catch {
    // no index file yet: nothing is done
  }
  const pending = db.prepare("SELECT count(*) FROM fts_queue WHERE seq > ?").pluck().get(done) as number;
  return { total, pending: Math.min(total, pending), failed: 0 };
}

/**
 * Rebuilds the full-text index from scratch in this process (no server running): a new index
 * file, backfilled and drained by the full-text module's own indexer.
 */
export function rebuildFulltext(config: Pick<ServerConfig, "dataDir">, onProgress: (p: ReindexProgress) => void): ReindexProgress {
  const main = databasePath(config);
  const fts = fulltextPathFor(main);
  for (const file of [fts, `${fts}-wal`, `${fts}-shm`]) rmSync(file, { force: true });
  // The new file is backfilled with every message and title: earlier queue rows (drained ones the
  // server had not pruned yet) would only be indexed twice. No server runs here.
  const queue = openMainDatabase(config);
  try {
    queue.exec("DELETE FROM fts_queue");
  } finally {
    queue.close();
  }
  const indexer = new SqliteFulltextIndexer(main, fts);
  try {
    indexer.backfill();
    const total = indexer.pending();
    let progress: ReindexProgress = { total, pending: total, failed: 0 };
    onProgress(progress);
    while (indexer.drain() > 0) {
      progress = { total, pending: Math.min(total, indexer.pending()), failed: 0 };
      onProgress(progress);
    }
    return { total, pending: 0, failed: 0 };
  } finally {
    indexer.close();
  }
}
