import type BetterSqlite3 from "better-sqlite3";
import { FULLTEXT_COLUMNS } from "../../search/document.js";
import { openSqliteDatabase } from "./open.js";

/**
 * The full-text index file's layout (see `fulltext.ts` for why it is a file of its own), shared by
 * the indexer, the reader and the recent-documents index (`fulltext-recent.ts`).
 */

export const fulltextPathFor = (mainPath: string) => mainPath.replace(/\.db$/, "") + "-fts.db";

/**
 * Bumped when the index file's layout or what it indexes changes: an older file is dropped and
 * rebuilt. 6: compounds' runs of words in `terms` (code-terms.ts `compoundRuns`). (The recent
 * index, `fts_recent`, is added to a version-6 file in place: it fills itself from the main index's
 * documents, so no rebuild is needed.)
 */
const SCHEMA_VERSION = 6;

/** Bits of a document id for its place in the session (16M messages per session). */
export const SESSION_SHIFT = 24;
export const SESSION_DOCS = 2 ** SESSION_SHIFT;

/** An FTS5 table of the index's columns: the main index, and the recent one. */
export const ftsTableSql = (name: string, ifNotExists = false) =>
  `CREATE VIRTUAL TABLE ${ifNotExists ? "IF NOT EXISTS " : ""}${name} USING fts5(${FULLTEXT_COLUMNS.join(", ")},
     content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`;

export const RECENT_TABLE = "fts_recent";

const SCHEMA = [
  ftsTableSql("fts_index"),
  // Sessions seen by the index: their number (the high bits of their documents' ids) and owner.
  `CREATE TABLE fts_sessions (num INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, next_doc INTEGER NOT NULL DEFAULT 1)`,
  // Per message document: which message, when (recency, date filters) and its role.
  `CREATE TABLE fts_docs (doc INTEGER PRIMARY KEY, message_id INTEGER UNIQUE, created_at INTEGER NOT NULL, role TEXT)`,
  // Documents per user: when one user owns them all, queries need no per-row owner check.
  `CREATE TABLE fts_users (user_id TEXT PRIMARY KEY, docs INTEGER NOT NULL)`,
  `CREATE TABLE fts_meta (key TEXT PRIMARY KEY, value)`,
];

export function openFulltextDatabase(path: string): BetterSqlite3.Database {
  const db = openSqliteDatabase({ path });
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'fts_meta'").get();
  const version = hasMeta ? getMeta(db, "schema") : undefined;
  if (version !== SCHEMA_VERSION) {
    db.transaction(() => {
      // Derived data of another layout (or none): start over; the indexer backfills it. FTS5's
      // shadow tables go with their virtual table.
      const tables = db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'fts\\_%' ESCAPE '\\'
             AND name NOT LIKE 'fts\\_index\\_%' ESCAPE '\\' AND name NOT LIKE '${RECENT_TABLE.replace(/_/g, "\\_")}\\_%' ESCAPE '\\'`,
        )
        .all() as Array<{ name: string }>;
      for (const { name } of tables) db.exec(`DROP TABLE IF EXISTS ${name}`);
      for (const statement of SCHEMA) db.exec(statement);
      setMeta(db, "schema", SCHEMA_VERSION);
    })();
  }
  // The check spares a schema write at every open; IF NOT EXISTS covers the reader and the indexer's
  // thread opening the file at once (either may create it between the other's check and create).
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(RECENT_TABLE)) db.exec(ftsTableSql(RECENT_TABLE, true));
  return db;
}

export const getMeta = (db: BetterSqlite3.Database, key: string): unknown =>
  (db.prepare("SELECT value FROM fts_meta WHERE key = ?").get(key) as { value: unknown } | undefined)?.value;
export const setMeta = (db: BetterSqlite3.Database, key: string, value: unknown) =>
  db.prepare("INSERT INTO fts_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
