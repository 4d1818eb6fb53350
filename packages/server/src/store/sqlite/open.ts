import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, Kysely, Migrator, SqliteDialect, type DatabaseConnection, type Driver, type SqliteDatabase, type SqliteStatement } from "kysely";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { kyselyStore } from "../kysely/index.js";
import type { Database } from "../schema.js";
import type { Store } from "../types.js";
import { sqliteMigrations } from "./migrations/index.js";
import { sqliteRowWriter } from "./row-writer.js";

export interface SqliteOptions {
  /** File path, or `:memory:` in tests. */
  path: string;
  /** `FULL` survives power loss; `NORMAL` (default) survives a crashed or killed process. */
  synchronous?: "NORMAL" | "FULL";
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares every query. A bounded
 * cache of prepared statements by SQL text removes that cost from the ingest path.
 */
function withStatementCache(db: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string): SqliteStatement {
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
        cache.set(sqlText, stmt);
        return stmt;
      }
      stmt = db.prepare(sqlText) as unknown as SqliteStatement;
      cache.set(sqlText, stmt);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

/**
 * Transactions that take the write lock when they begin. A transaction begun DEFERRED reads first
 * (the sync store looks rows up before it writes) and upgrades to a writer later; when another
 * connection (the full-text indexer, the embedding worker) committed in between, SQLite refuses the
 * upgrade at once with SQLITE_BUSY, whatever the busy timeout, and the request would answer 500.
 * BEGIN IMMEDIATE waits for the lock (up to the busy timeout) instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

export function openSqliteDatabase(options: SqliteOptions): BetterSqlite3.Database {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const raw = new BetterSqlite3(options.path);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
  raw.pragma("foreign_keys = ON");
  raw.pragma("busy_timeout = 5000");
  raw.pragma("cache_size = -65536");
  raw.pragma("temp_store = MEMORY");
  return raw;
}

export async function openSqliteStore(options: SqliteOptions): Promise<Store> {
  const raw = openSqliteDatabase(options);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }) });
  // A database missing an earlier migration (restored from an older copy of one table, or built
  // by a test as an older version left it) gets it applied, in name order, rather than refused.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations }, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return kyselyStore(
    db,
    "sqlite",
    async () => {
      await db.destroy();
    },
    { rowWriter: sqliteRowWriter(raw) },
  );
}
