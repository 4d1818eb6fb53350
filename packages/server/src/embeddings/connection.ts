import type BetterSqlite3 from "better-sqlite3";
import { dirname, join } from "node:path";
import * as sqliteVec from "sqlite-vec";
import { openSqliteDatabase } from "../store/sqlite/open.js";

/**
 * The embeddings' own connection to the server's database, with sqlite-vec loaded. It never waits
 * on a lock (busy_timeout 0): the store's Kysely connection lives in the same thread and may hold a
 * write transaction across awaits, so a blocking wait here would stall the event loop that has to
 * finish that transaction. A busy write is retried asynchronously instead (`writeWithRetry`).
 */
export function openVectorConnection(path: string): BetterSqlite3.Database {
  const db = openSqliteDatabase({ path });
  db.pragma("busy_timeout = 0");
  sqliteVec.load(db);
  // The vec0 table lives in a file of its own beside the database: the store's connection (no
  // sqlite-vec) introspects every table of its schema when it migrates, and fails on a vec0 table.
  // The codes are derived data, checked against embedding_vectors and completed at start.
  const vectors = path === ":memory:" ? ":memory:" : join(dirname(path), "opensync-vectors.db");
  db.prepare("ATTACH DATABASE ? AS vec").run(vectors);
  db.pragma("vec.journal_mode = WAL");
  return db;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` in one immediate transaction, retrying while another connection writes. */
export async function writeWithRetry<T>(db: BetterSqlite3.Database, work: () => T, attempts = 500): Promise<T> {
  const txn = db.transaction(work);
  for (let i = 0; ; i++) {
    try {
      return txn.immediate();
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY" || i >= attempts) throw err;
      await sleep(Math.min(5 + i * 5, 50));
    }
  }
}
