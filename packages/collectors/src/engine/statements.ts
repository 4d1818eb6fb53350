import type Database from "better-sqlite3";

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A prepared statement for `sql` on `db`, compiled once per connection. The state store's queries
 * run per acknowledged chunk and per unit; compiling each time was a measurable share of an
 * import's CPU (issue 8).
 */
export function statement(db: Database.Database, sql: string): Database.Statement {
  let byText = cache.get(db);
  if (!byText) cache.set(db, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}
