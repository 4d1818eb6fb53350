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
import { groupBySession } from "../../search/rrf.js";
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

/** Bumped when the index file's layout changes: an older file is dropped and rebuilt. */
const SCHEMA_VERSION = 3;

/**
 * BM25 with the column weights. Written out in each query: a configured FTS5 `rank` with
 * arguments measured 3-5x slower per row here.
 */
const BM25 = `bm25(fts_index, ${FULLTEXT_COLUMNS.map((c) => COLUMN_WEIGHTS[c]).join(", ")})`;

const SCHEMA = [
  `CREATE VIRTUAL TABLE fts_index USING fts5(${FULLTEXT_COLUMNS.join(", ")},
     content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`,
  // What a query needs of each document without reading the main database: owner, session,
  // time (recency, date filters) and role. Titles are docs with negative ids.
  `CREATE TABLE fts_docs (doc INTEGER PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, created_at INTEGER NOT NULL, role TEXT)`,
  `CREATE TABLE fts_title_docs (doc INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE)`,
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
      // Derived data of another layout (or none): start over; the indexer backfills it.
      for (const t of ["fts_index", "fts_docs", "fts_title_docs", "fts_users", "fts_meta"]) db.exec(`DROP TABLE IF EXISTS ${t}`);
      for (const statement of SCHEMA) db.exec(statement);
      setMeta(db, "schema", SCHEMA_VERSION);
    })();
  }
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
interface DocMeta { userId: string; sessionId: string; createdAt: number; role: string | null }

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
    const metaOf = this.fts.prepare("SELECT user_id FROM fts_docs WHERE doc = ?");
    const addMeta = this.fts.prepare("INSERT INTO fts_docs (doc, user_id, session_id, created_at, role) VALUES (?, ?, ?, ?, ?)");
    const dropMeta = this.fts.prepare("DELETE FROM fts_docs WHERE doc = ?");
    const count = this.fts.prepare("INSERT INTO fts_users (user_id, docs) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET docs = docs + excluded.docs");
    const docOf = this.fts.prepare("SELECT doc FROM fts_title_docs WHERE session_id = ?");
    const newDoc = this.fts.prepare("INSERT INTO fts_title_docs (session_id) VALUES (?)");
    const dropDoc = this.fts.prepare("DELETE FROM fts_title_docs WHERE doc = ?");
    const values = (d: FulltextDocument) => FULLTEXT_COLUMNS.map((c) => d[c]);
    /** Replaces document `id` (or only removes it). Deleting only what is there keeps the index free of tombstones. */
    const put = (id: number, doc: FulltextDocument | undefined, meta: DocMeta | undefined) => {
      const old = metaOf.get(id) as { user_id: string } | undefined;
      if (old) {
        remove.run(id);
        dropMeta.run(id);
        count.run(old.user_id, -1);
      }
      if (doc && meta) {
        insert.run(id, ...values(doc));
        addMeta.run(id, meta.userId, meta.sessionId, meta.createdAt, meta.role);
        count.run(meta.userId, 1);
      }
    };
    this.fts.transaction(() => {
      for (const id of messageOps.keys()) {
        const d = docs.get(id);
        put(id, d?.doc, d?.meta);
      }
      for (const sessionId of titleOps.keys()) {
        const existing = docOf.get(sessionId) as { doc: number } | undefined;
        const title = titles.get(sessionId);
        if (title) {
          const doc = existing?.doc ?? Number(newDoc.run(sessionId).lastInsertRowid);
          put(-doc, titleDocument(title.title), title.meta);
        } else if (existing) {
          put(-existing.doc, undefined, undefined);
          dropDoc.run(existing.doc);
        }
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

  private readMessageDocs(ids: number[]): Map<number, { doc: FulltextDocument; meta: DocMeta }> {
    const out = new Map<number, { doc: FulltextDocument; meta: DocMeta }>();
    if (ids.length === 0) return out;
    this.main.transaction(() => {
      for (const group of chunked(ids)) {
        const messages = this.main
          .prepare(`SELECT id, user_id, session_id, created_at, role, text_content FROM messages WHERE id IN (${marks(group.length)})`)
          .all(...group) as Array<{ id: number; user_id: string; session_id: string; created_at: number; role: string; text_content: string | null }>;
        const parts = this.main
          .prepare(`SELECT message_id, type, content FROM parts WHERE message_id IN (${marks(group.length)}) ORDER BY message_id, ord`)
          .all(...group) as Array<{ message_id: number; type: string; content: string }>;
        const partsOf = new Map<number, Array<{ type: string; content: string }>>();
        for (const p of parts) {
          const list = partsOf.get(p.message_id);
          if (list) list.push(p);
          else partsOf.set(p.message_id, [p]);
        }
        for (const m of messages) {
          out.set(m.id, {
            doc: messageDocument({ role: m.role, textContent: m.text_content, parts: partsOf.get(m.id) ?? [] }),
            meta: { userId: m.user_id, sessionId: m.session_id, createdAt: Number(m.created_at), role: m.role },
          });
        }
      }
    })();
    return out;
  }

  private readTitles(ids: string[]): Map<string, { title: string; meta: DocMeta }> {
    const out = new Map<string, { title: string; meta: DocMeta }>();
    for (const group of chunked(ids)) {
      const rows = this.main
        .prepare(`SELECT id, user_id, title, updated_at FROM sessions WHERE id IN (${marks(group.length)}) AND title IS NOT NULL`)
        .all(...group) as Array<{ id: string; user_id: string; title: string; updated_at: number }>;
      for (const r of rows) out.set(r.id, { title: r.title, meta: { userId: r.user_id, sessionId: r.id, createdAt: Number(r.updated_at), role: null } });
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
const MAX_BOOST = 1.3;
const MONTH_MS = 30 * 86_400_000;
const recency = (now: number, at: number) => 1 + (MAX_BOOST - 1) / (1 + Math.max(0, now - at) / MONTH_MS);
/** Messages a broad query ranks at most (its most recent matches); totals still count them all. */
export const RANK_WINDOW = 5_000;
/** The best hits by BM25 re-ordered with the recency boost, for message and session results. */
const RERANK = 1000;
const RERANK_SESSIONS = 2000;
const byScore = (a: ScoredDoc, b: ScoredDoc) => b.score - a.score || (a.messageId ?? "").localeCompare(b.messageId ?? "");

interface RankedRow { doc: number; rank: number; session_id: string; created_at: number }

/** The reading half: queries over the index, always scoped by user, joined to the main database for session filters. */
export class SqliteFulltextIndex implements FulltextIndex {
  private readonly db: BetterSqlite3.Database;

  constructor(mainPath: string, ftsPath = fulltextPathFor(mainPath)) {
    // The index file must exist with its schema before it is attached.
    openFulltextDatabase(ftsPath).close();
    this.db = openSqliteDatabase({ path: mainPath });
    this.db.prepare("ATTACH DATABASE ? AS fts").run(ftsPath);
  }

  /** True when every indexed document is this user's: the owner check can be skipped. */
  private soleOwner(userId: string): boolean {
    return !this.db.prepare("SELECT 1 FROM fts.fts_users WHERE user_id != ? AND docs > 0 LIMIT 1").get(userId);
  }

  /**
   * FROM/WHERE of the matches of `scope`: the owner always (unless they own everything), the
   * document's own columns for role and dates, the main database's sessions (and messages, for
   * `model`) only for the filters that need them. `plain`: nothing but the match itself.
   */
  private where(match: FulltextMatch, scope: FulltextScope): { from: string; where: string; params: Record<string, unknown>; plain: boolean } {
    const expression = toFts5(match.query, match.mode);
    if (!expression) throw new Error("empty full-text query");
    const f = scope.filters;
    const params: Record<string, unknown> = { match: expression };
    const where = ["f.fts_index MATCH @match"];
    const joins: string[] = [];
    if (!this.soleOwner(scope.userId)) (where.push("d.user_id = @user"), (params.user = scope.userId));
    if (f.role !== undefined) (where.push("d.role = @role"), (params.role = f.role));
    if (f.from !== undefined) (where.push("d.created_at >= @from"), (params.from = f.from));
    if (f.to !== undefined) (where.push("d.created_at < @to"), (params.to = f.to));
    const sessionFilters: string[] = [];
    if (f.source !== undefined) (sessionFilters.push("s.source = @source"), (params.source = f.source));
    if (f.project !== undefined) (sessionFilters.push("(s.project_name = @project OR s.project_path = @project)"), (params.project = f.project));
    if (f.machine !== undefined) (sessionFilters.push("s.machine = @machine"), (params.machine = f.machine));
    if (f.sessionId !== undefined) (sessionFilters.push("(s.id = @sessionId OR s.external_id = @sessionId)"), (params.sessionId = f.sessionId));
    if (f.model !== undefined) {
      joins.push("LEFT JOIN main.messages m ON d.doc > 0 AND m.id = d.doc");
      sessionFilters.push("(s.model = @model OR m.model = @model)");
      params.model = f.model;
    }
    if (sessionFilters.length) {
      joins.unshift("JOIN main.sessions s ON s.id = d.session_id");
      where.push(...sessionFilters);
    }
    const plain = where.length === 1;
    return { from: `fts.fts_index f JOIN fts.fts_docs d ON d.doc = f.rowid ${joins.join(" ")}`, where: where.join(" AND "), params, plain };
  }

  /**
   * The `k` best matches by BM25 after `offset`, within the rank window: a query matching more
   * than `RANK_WINDOW` messages ranks only its most recent `RANK_WINDOW` (BM25 scores every
   * document it ranks; recency is what breaks such broad queries anyway). Titles always rank.
   */
  private ranked(match: FulltextMatch, scope: FulltextScope, k: number, offset = 0): RankedRow[] {
    const q = this.where(match, scope);
    const cutoff = this.windowStart(q);
    const limit = { k: k + offset };
    let rows: Array<{ doc: number; rank: number; session_id?: string; created_at?: number }>;
    if (q.plain) {
      const top = (range: string, params: Record<string, unknown>) =>
        this.db.prepare(`SELECT rowid AS doc, ${BM25} AS rank FROM fts.fts_index WHERE fts_index MATCH @match ${range} ORDER BY rank LIMIT @k`).all({ ...q.params, ...params, ...limit }) as Array<{ doc: number; rank: number }>;
      rows = cutoff === undefined ? top("", {}) : [...top("AND rowid >= @cutoff", { cutoff }), ...top("AND rowid < 0", {})];
    } else {
      const top = (range: string, params: Record<string, unknown>) =>
        this.db
          .prepare(`SELECT f.rowid AS doc, ${BM25} AS rank, d.session_id, d.created_at FROM ${q.from} WHERE ${q.where} ${range} ORDER BY rank LIMIT @k`)
          .all({ ...q.params, ...params, ...limit }) as RankedRow[];
      rows = cutoff === undefined ? top("", {}) : [...top("AND f.rowid >= @cutoff", { cutoff }), ...top("AND f.rowid < 0", {})];
    }
    rows.sort((a, b) => a.rank - b.rank || a.doc - b.doc);
    rows = rows.slice(offset, offset + k);
    if (!q.plain) return rows as RankedRow[];
    const meta = new Map<number, { session_id: string; created_at: number }>();
    for (const group of chunked(rows.map((r) => r.doc))) {
      const found = this.db
        .prepare(`SELECT doc, session_id, created_at FROM fts.fts_docs WHERE doc IN (${marks(group.length)})`)
        .all(...group) as Array<{ doc: number; session_id: string; created_at: number }>;
      for (const r of found) meta.set(r.doc, r);
    }
    return rows.flatMap((r) => {
      const m = meta.get(r.doc);
      return m ? [{ doc: r.doc, rank: r.rank, session_id: m.session_id, created_at: Number(m.created_at) }] : [];
    });
  }

  /** The lowest message id of the `RANK_WINDOW` most recent matches, or undefined when fewer match. */
  private windowStart(q: { from: string; where: string; params: Record<string, unknown>; plain: boolean }): number | undefined {
    const sql = q.plain
      ? "SELECT rowid AS doc FROM fts.fts_index WHERE fts_index MATCH @match AND rowid > 0 ORDER BY rowid DESC LIMIT 1 OFFSET @skip"
      : `SELECT f.rowid AS doc FROM ${q.from} WHERE ${q.where} AND f.rowid > 0 ORDER BY f.rowid DESC LIMIT 1 OFFSET @skip`;
    const row = this.db.prepare(sql).get({ ...q.params, skip: RANK_WINDOW - 1 }) as { doc: number } | undefined;
    return row?.doc;
  }

  async count(match: FulltextMatch, scope: FulltextScope, groupBy: SearchGrouping): Promise<number> {
    const q = this.where(match, scope);
    if (groupBy === "message" && q.plain) {
      return (this.db.prepare("SELECT count(*) AS n FROM fts.fts_index WHERE fts_index MATCH @match").get(q.params) as { n: number }).n;
    }
    const what = groupBy === "session" ? "count(DISTINCT d.session_id)" : "count(*)";
    return (this.db.prepare(`SELECT ${what} AS n FROM ${q.from} WHERE ${q.where}`).get(q.params) as { n: number }).n;
  }

  /**
   * Best first: the `RERANK` best by BM25, re-ordered by BM25 × recency, then the rest in BM25
   * order. The pool does not depend on the page, so pages never overlap or skip.
   */
  async docs(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number): Promise<ScoredDoc[]> {
    const want = offset + limit;
    const pool = this.ranked(match, scope, RERANK).map((r) => toDoc(r, scope.now)).sort(byScore);
    if (want <= pool.length || pool.length < RERANK) return pool.slice(offset, want);
    const rest = this.ranked(match, scope, want - RERANK, RERANK).map((r) => toDoc(r, scope.now));
    return pool.concat(rest).slice(offset, want);
  }

  /**
   * Sessions by their best hit plus a little for the others: first the sessions of the
   * `RERANK_SESSIONS` best hits, then the other sessions of the rank window by their best hit.
   */
  async sessions(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number, hitsPerSession: number): Promise<ScoredSession[]> {
    const want = offset + limit;
    const hits = this.ranked(match, scope, RERANK_SESSIONS).map((r) => toDoc(r, scope.now)).sort(byScore);
    let groups = groupBySession(hits);
    if (groups.length < want && hits.length === RERANK_SESSIONS) {
      const first = new Set(groups.map((g) => g.sessionId));
      const more = this.ranked(match, scope, RANK_WINDOW, RERANK_SESSIONS).map((r) => toDoc(r, scope.now));
      groups = groups.concat(groupBySession(more).filter((g) => !first.has(g.sessionId)));
    }
    return groups.slice(offset, want).map((g) => ({ sessionId: g.sessionId, score: g.score, hits: g.hits.slice(0, hitsPerSession) }));
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
    const indexed = (this.db.prepare("SELECT count(*) AS n FROM fts.fts_docs WHERE user_id = ? AND doc > 0").get(userId) as { n: number }).n;
    const pending = (this.db.prepare("SELECT count(*) AS n FROM main.fts_queue").get() as { n: number }).n;
    const caughtUp = (this.db.prepare("SELECT value FROM fts.fts_meta WHERE key = 'caught_up_at'").get() as { value: number } | undefined)?.value;
    return { indexed, pending, lagMs: pending === 0 ? 0 : caughtUp ? Math.max(0, Date.now() - caughtUp) : 0 };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function toDoc(r: RankedRow, now: number): ScoredDoc {
  const score = -r.rank * recency(now, r.created_at);
  return r.doc < 0 ? { sessionId: r.session_id, score } : { sessionId: r.session_id, messageId: String(r.doc), score };
}
