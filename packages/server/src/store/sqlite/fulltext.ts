import type BetterSqlite3 from "better-sqlite3";
import type { MessageRole, SearchGrouping } from "@opensync/protocol";
import { COLUMN_WEIGHTS, FULLTEXT_COLUMNS, messageDocument, titleDocument, type FulltextDocument } from "../../search/document.js";
import type {
  FulltextIndex,
  FulltextMatch,
  FulltextScope,
  FulltextStatus,
  MessageDetail,
  ScoredDoc,
  ScoredSession,
  SessionInfo,
} from "../../search/fulltext-index.js";
import { toFts5 } from "../../search/query.js";
import { openSqliteDatabase } from "./open.js";

/**
 * Full-text search on SQLite: an FTS5 index in its own database file beside the main one.
 *
 * Why a separate file: SQLite has one writer per database. The index is written by a background
 * indexer (a worker thread, `fulltext-worker.ts`) in large transactions; in the main file those
 * would hold the write lock and stall sync transactions. In its own file they never meet: the
 * indexer only reads the main database (WAL readers do not block the writer) and deletes what it
 * has drained from `fts_queue` (migration 0003) in a short transaction. The file is derived data:
 * deleted or new, it is rebuilt from the main database (`backfill`).
 *
 * The index: one contentless FTS5 table (`contentless_delete=1`: rows can be replaced without
 * keeping a copy of the text), rowid = message id for messages and minus a session's doc number
 * for titles (`fts_title_docs`), columns and BM25 weights from `search/document.ts`, tokenizer
 * `porter unicode61 remove_diacritics 2` (stems English words, keeps identifiers and codes whole;
 * the `terms` column adds identifier pieces and flags, see `search/code-terms.ts`).
 */

export const fulltextPathFor = (mainPath: string) => mainPath.replace(/\.db$/, "") + "-fts.db";

const SCHEMA = [
  `CREATE VIRTUAL TABLE IF NOT EXISTS fts_index USING fts5(${FULLTEXT_COLUMNS.join(", ")},
     content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`,
  `CREATE TABLE IF NOT EXISTS fts_title_docs (doc INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE IF NOT EXISTS fts_meta (key TEXT PRIMARY KEY, value)`,
];

export function openFulltextDatabase(path: string): BetterSqlite3.Database {
  const db = openSqliteDatabase({ path });
  for (const statement of SCHEMA) db.exec(statement);
  return db;
}

const getMeta = (db: BetterSqlite3.Database, key: string): unknown =>
  (db.prepare("SELECT value FROM fts_meta WHERE key = ?").get(key) as { value: unknown } | undefined)?.value;
const setMeta = (db: BetterSqlite3.Database, key: string, value: unknown) =>
  db.prepare("INSERT INTO fts_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);

const IN_LIST = 500;
function* chunked<T>(items: T[], size = IN_LIST): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
const marks = (n: number) => new Array(n).fill("?").join(", ");

interface QueueRow { seq: number; kind: "m" | "d" | "t" | "x"; message_id: number | null; session_id: string | null }

/** The writing half: drains `fts_queue` into the index. Run by the worker thread, or inline. */
export class SqliteFulltextIndexer {
  private readonly main: BetterSqlite3.Database;
  private readonly fts: BetterSqlite3.Database;

  constructor(mainPath: string, ftsPath = fulltextPathFor(mainPath)) {
    this.main = openSqliteDatabase({ path: mainPath });
    this.fts = openFulltextDatabase(ftsPath);
  }

  /** A new index file queues every message and title once (idempotent if interrupted). */
  backfill(): void {
    if (getMeta(this.fts, "backfilled")) return;
    this.main.transaction(() => {
      this.main.exec(`INSERT INTO fts_queue (kind, message_id) SELECT 'm', id FROM messages ORDER BY id`);
      this.main.exec(`INSERT INTO fts_queue (kind, session_id) SELECT 't', id FROM sessions WHERE title IS NOT NULL`);
    })();
    setMeta(this.fts, "backfilled", Date.now());
  }

  /** Indexes up to `limit` queued changes in one transaction; returns how many were taken. */
  drain(limit = 2000): number {
    const rows = this.main.prepare("SELECT seq, kind, message_id, session_id FROM fts_queue ORDER BY seq LIMIT ?").all(limit) as QueueRow[];
    if (rows.length === 0) {
      if (!getMeta(this.fts, "caught_up_at")) setMeta(this.fts, "caught_up_at", Date.now());
      return 0;
    }
    // The last change of each message or title decides; earlier ones are superseded.
    const messageOps = new Map<number, "m" | "d">();
    const titleOps = new Map<string, "t" | "x">();
    for (const r of rows) {
      if (r.message_id !== null) messageOps.set(r.message_id, r.kind as "m" | "d");
      else if (r.session_id !== null) titleOps.set(r.session_id, r.kind as "t" | "x");
    }
    const docs = this.readMessageDocs([...messageOps].filter(([, k]) => k === "m").map(([id]) => id));
    const titles = this.readTitles([...titleOps].filter(([, k]) => k === "t").map(([id]) => id));

    const columns = FULLTEXT_COLUMNS.join(", ");
    const insert = this.fts.prepare(`INSERT INTO fts_index (rowid, ${columns}) VALUES (?, ${marks(FULLTEXT_COLUMNS.length)})`);
    const remove = this.fts.prepare("DELETE FROM fts_index WHERE rowid = ?");
    const docOf = this.fts.prepare("SELECT doc FROM fts_title_docs WHERE session_id = ?");
    const newDoc = this.fts.prepare("INSERT INTO fts_title_docs (session_id) VALUES (?)");
    const dropDoc = this.fts.prepare("DELETE FROM fts_title_docs WHERE doc = ?");
    const values = (d: FulltextDocument) => FULLTEXT_COLUMNS.map((c) => d[c]);
    this.fts.transaction(() => {
      for (const id of messageOps.keys()) {
        remove.run(id);
        const doc = docs.get(id);
        if (doc) insert.run(id, ...values(doc));
      }
      for (const sessionId of titleOps.keys()) {
        const existing = docOf.get(sessionId) as { doc: number } | undefined;
        if (existing) remove.run(-existing.doc);
        const title = titles.get(sessionId);
        if (title) {
          const doc = existing?.doc ?? Number(newDoc.run(sessionId).lastInsertRowid);
          insert.run(-doc, ...values(titleDocument(title)));
        } else if (existing) dropDoc.run(existing.doc);
      }
      setMeta(this.fts, "indexed_at", Date.now());
    })();
    // Only now forget them: a crash before this line re-indexes the same rows (idempotent).
    this.main.prepare("DELETE FROM fts_queue WHERE seq <= ?").run(rows[rows.length - 1].seq);
    if (rows.length < limit) setMeta(this.fts, "caught_up_at", Date.now());
    return rows.length;
  }

  /** Drains until the queue is empty (tests, tools). */
  drainAll(limit = 2000): number {
    let total = 0;
    for (let n = this.drain(limit); n > 0; n = this.drain(limit)) total += n;
    return total;
  }

  private readMessageDocs(ids: number[]): Map<number, FulltextDocument> {
    const out = new Map<number, FulltextDocument>();
    if (ids.length === 0) return out;
    this.main.transaction(() => {
      for (const group of chunked(ids)) {
        const messages = this.main
          .prepare(`SELECT id, role, text_content FROM messages WHERE id IN (${marks(group.length)})`)
          .all(...group) as Array<{ id: number; role: string; text_content: string | null }>;
        const parts = this.main
          .prepare(`SELECT message_id, type, content FROM parts WHERE message_id IN (${marks(group.length)}) ORDER BY message_id, ord`)
          .all(...group) as Array<{ message_id: number; type: string; content: string }>;
        const partsOf = new Map<number, Array<{ type: string; content: string }>>();
        for (const p of parts) {
          const list = partsOf.get(p.message_id);
          if (list) list.push(p);
          else partsOf.set(p.message_id, [p]);
        }
        for (const m of messages) out.set(m.id, messageDocument({ role: m.role, textContent: m.text_content, parts: partsOf.get(m.id) ?? [] }));
      }
    })();
    return out;
  }

  private readTitles(ids: string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const group of chunked(ids)) {
      const rows = this.main.prepare(`SELECT id, title FROM sessions WHERE id IN (${marks(group.length)}) AND title IS NOT NULL`).all(...group) as Array<{ id: string; title: string }>;
      for (const r of rows) out.set(r.id, r.title);
    }
    return out;
  }

  pending(): number {
    return (this.main.prepare("SELECT count(*) AS n FROM fts_queue").get() as { n: number }).n;
  }

  close(): void {
    this.main.close();
    this.fts.close();
  }
}

/** Mild recency boost: ×1.3 for a message of today, ×1.15 a month old, → ×1 for old ones. */
const RECENCY = `(1.0 + 0.3 / (1.0 + MAX(0, @now - COALESCE(m.created_at, s.updated_at)) / 2592000000.0))`;
const BM25 = `bm25(fts_index, ${FULLTEXT_COLUMNS.map((c) => COLUMN_WEIGHTS[c]).join(", ")})`;

/** The reading half: queries over the index joined to the main database, always by user. */
export class SqliteFulltextIndex implements FulltextIndex {
  private readonly db: BetterSqlite3.Database;

  constructor(mainPath: string, ftsPath = fulltextPathFor(mainPath)) {
    // The index file must exist with its schema before it is attached.
    openFulltextDatabase(ftsPath).close();
    this.db = openSqliteDatabase({ path: mainPath });
    this.db.prepare("ATTACH DATABASE ? AS fts").run(ftsPath);
  }

  /**
   * Every match of the user with the filters applied, scored (higher is better): BM25 with the
   * column weights, times the recency boost. Title docs join through `fts_title_docs`.
   */
  private scored(match: FulltextMatch, scope: FulltextScope, extra = ""): { sql: string; params: Record<string, unknown> } {
    const expression = toFts5(match.query, match.mode);
    if (!expression) throw new Error("empty full-text query");
    const f = scope.filters;
    const where = ["s.user_id = @user", "(m.id IS NULL OR m.user_id = @user)"];
    const params: Record<string, unknown> = { match: expression, user: scope.userId, now: scope.now };
    if (f.source !== undefined) (where.push("s.source = @source"), (params.source = f.source));
    if (f.project !== undefined) (where.push("(s.project_name = @project OR s.project_path = @project)"), (params.project = f.project));
    if (f.model !== undefined) (where.push("(s.model = @model OR m.model = @model)"), (params.model = f.model));
    if (f.role !== undefined) (where.push("m.role = @role"), (params.role = f.role));
    if (f.machine !== undefined) (where.push("s.machine = @machine"), (params.machine = f.machine));
    if (f.from !== undefined) (where.push("COALESCE(m.created_at, s.updated_at) >= @from"), (params.from = f.from));
    if (f.to !== undefined) (where.push("COALESCE(m.created_at, s.created_at) < @to"), (params.to = f.to));
    if (f.sessionId !== undefined) (where.push("(s.id = @sessionId OR s.external_id = @sessionId)"), (params.sessionId = f.sessionId));
    const sql = `WITH hits AS MATERIALIZED (SELECT rowid AS doc, ${BM25} AS rank FROM fts.fts_index WHERE fts_index MATCH @match),
      scored AS (
        SELECT h.doc, s.id AS session_id, m.id AS message_id, -h.rank * ${RECENCY} AS score
        FROM hits h
        LEFT JOIN main.messages m ON h.doc > 0 AND m.id = h.doc
        LEFT JOIN fts.fts_title_docs t ON h.doc < 0 AND t.doc = -h.doc
        JOIN main.sessions s ON s.id = COALESCE(m.session_id, t.session_id)
        WHERE ${where.join(" AND ")} ${extra}
      )`;
    return { sql, params };
  }

  async count(match: FulltextMatch, scope: FulltextScope, groupBy: SearchGrouping): Promise<number> {
    const { sql, params } = this.scored(match, scope);
    const what = groupBy === "session" ? "count(DISTINCT session_id)" : "count(*)";
    return (this.db.prepare(`${sql} SELECT ${what} AS n FROM scored`).get(params) as { n: number }).n;
  }

  async docs(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number): Promise<ScoredDoc[]> {
    const { sql, params } = this.scored(match, scope);
    const rows = this.db
      .prepare(`${sql} SELECT session_id, message_id, score FROM scored ORDER BY score DESC, doc LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as Array<{ session_id: string; message_id: number | null; score: number }>;
    return rows.map(toDoc);
  }

  async sessions(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number, hitsPerSession: number): Promise<ScoredSession[]> {
    const { sql, params } = this.scored(match, scope);
    // A session ranks by its best hit, plus a tenth of its other hits (at most twice the best).
    const ranked = this.db
      .prepare(
        `${sql} SELECT session_id, MAX(score) + 0.1 * MIN(SUM(score) - MAX(score), 2 * MAX(score)) AS score
         FROM scored GROUP BY session_id ORDER BY score DESC, session_id LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit, offset }) as Array<{ session_id: string; score: number }>;
    if (ranked.length === 0) return [];
    const ids = ranked.map((r) => r.session_id);
    const scoped = this.scored(match, scope, `AND s.id IN (${ids.map((_, i) => `@s${i}`).join(", ")})`);
    const idParams = Object.fromEntries(ids.map((id, i) => [`s${i}`, id]));
    const hits = this.db
      .prepare(
        `${scoped.sql} SELECT session_id, message_id, score FROM (
           SELECT *, row_number() OVER (PARTITION BY session_id ORDER BY score DESC, doc) AS n FROM scored
         ) WHERE n <= @per ORDER BY score DESC`,
      )
      .all({ ...scoped.params, ...idParams, per: hitsPerSession }) as Array<{ session_id: string; message_id: number | null; score: number }>;
    const bySession = new Map<string, ScoredDoc[]>(ids.map((id) => [id, []]));
    for (const h of hits) bySession.get(h.session_id)?.push(toDoc(h));
    return ranked.map((r) => ({ sessionId: r.session_id, score: r.score, hits: bySession.get(r.session_id) ?? [] }));
  }

  async sessionInfo(userId: string, sessionIds: string[]): Promise<Map<string, SessionInfo>> {
    const out = new Map<string, SessionInfo>();
    for (const group of chunked([...new Set(sessionIds)])) {
      const rows = this.db
        .prepare(
          `SELECT id, external_id, title, source, model, project_name, project_path, machine, created_at, updated_at
           FROM sessions WHERE user_id = ? AND id IN (${marks(group.length)})`,
        )
        .all(userId, ...group) as Array<Record<string, never>>;
      for (const r of rows) {
        out.set(r.id, {
          id: r.id, externalId: r.external_id, title: r.title, source: r.source, model: r.model, projectName: r.project_name,
          projectPath: r.project_path, machine: r.machine, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
        });
      }
    }
    return out;
  }

  async messageDetails(userId: string, messageIds: string[]): Promise<Map<string, MessageDetail>> {
    const out = new Map<string, MessageDetail>();
    const ids = [...new Set(messageIds)].map(Number).filter(Number.isSafeInteger);
    const position = this.db.prepare(
      `SELECT count(*) AS n FROM messages WHERE session_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))`,
    );
    for (const group of chunked(ids)) {
      const rows = this.db
        .prepare(
          `SELECT id, external_id, session_id, role, text_content, created_at FROM messages
           WHERE user_id = ? AND id IN (${marks(group.length)})`,
        )
        .all(userId, ...group) as Array<{ id: number; external_id: string; session_id: string; role: string; text_content: string | null; created_at: number }>;
      const parts = this.db
        .prepare(`SELECT message_id, type, content FROM parts WHERE message_id IN (${marks(group.length)}) ORDER BY message_id, ord`)
        .all(...group) as Array<{ message_id: number; type: string; content: string }>;
      for (const r of rows) {
        const n = (position.get(r.session_id, r.created_at, r.created_at, r.id) as { n: number }).n;
        out.set(String(r.id), {
          id: String(r.id), externalId: r.external_id, sessionId: r.session_id, role: r.role as MessageRole, createdAt: Number(r.created_at),
          position: n, textContent: r.text_content, parts: parts.filter((p) => p.message_id === r.id),
        });
      }
    }
    return out;
  }

  async status(userId: string): Promise<FulltextStatus> {
    // The user's indexed messages (a join: status is not a hot path); the queue is server-wide.
    const indexed = (
      this.db.prepare("SELECT count(*) AS n FROM fts.fts_index_docsize d JOIN main.messages m ON m.id = d.id WHERE m.user_id = ?").get(userId) as { n: number }
    ).n;
    const pending = (this.db.prepare("SELECT count(*) AS n FROM main.fts_queue").get() as { n: number }).n;
    const caughtUp = (this.db.prepare("SELECT value FROM fts.fts_meta WHERE key = 'caught_up_at'").get() as { value: number } | undefined)?.value;
    return { indexed, pending, lagMs: pending === 0 ? 0 : caughtUp ? Math.max(0, Date.now() - caughtUp) : 0 };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function toDoc(r: { session_id: string; message_id: number | null; score: number }): ScoredDoc {
  return r.message_id === null ? { sessionId: r.session_id, score: r.score } : { sessionId: r.session_id, messageId: String(r.message_id), score: r.score };
}
