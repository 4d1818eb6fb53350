import type BetterSqlite3 from "better-sqlite3";
import type { MessageRole } from "@opensync/protocol";
import { COLUMN_WEIGHTS, FULLTEXT_COLUMNS, messageDocument, titleDocument, type FulltextDocument } from "../../search/document.js";
import {
  COUNT_CAP,
  type FulltextCounts,
  type FulltextIndex,
  type FulltextMatch,
  type FulltextRanking,
  type FulltextScope,
  type FulltextStatus,
  type MessageDetail,
  type ScoredDoc,
  type SessionInfo,
} from "../../search/fulltext-index.js";
import { termCost, toFts5 } from "../../search/query.js";
import { fulltextPathFor, getMeta, openFulltextDatabase, RECENT_TABLE, SESSION_DOCS, SESSION_SHIFT, setMeta } from "./fulltext-schema.js";
import { RecentIndex, readRecentFloor } from "./fulltext-recent.js";
import { openSqliteDatabase } from "./open.js";

/**
 * Full-text search on SQLite: an FTS5 index in its own database file beside the main one.
 *
 * Why a separate file: SQLite has one writer per database. The index is written by a background
 * indexer (a worker thread, `fulltext-worker.ts`) in large transactions; in the main file those
 * would hold the write lock and stall sync transactions. In its own file they never meet: the
 * indexer only reads the main database (WAL readers do not block the writer) and records how far
 * it has drained `fts_queue` (migration 0003) in its own file, in the same transaction as the
 * index changes (exactly once); the server's thread deletes the drained rows (`prune`), so no
 * write of another thread ever makes a sync transaction wait for the lock. The file is derived data:
 * deleted, new or of an older layout, it is rebuilt from the main database (`backfill`).
 *
 * The index: one contentless FTS5 table (`contentless_delete=1`: rows can be replaced without
 * keeping a copy of the text), columns and BM25 weights from `search/document.ts`, tokenizer
 * `porter unicode61 remove_diacritics 2` (stems English words, keeps identifiers and codes whole;
 * the `terms` column adds identifier pieces and flags, see `search/code-terms.ts`).
 *
 * Document ids carry their session: `session number << SESSION_SHIFT | n`, n = 0 for the title
 * and 1, 2, … for messages in the order they were first indexed. So the matching sessions of a
 * query are counted from the ids alone (`count(DISTINCT rowid >> SESSION_SHIFT)`, no lookup per
 * match), and the owner of a match is its session's (`fts_sessions`).
 */

export { fulltextPathFor, openFulltextDatabase } from "./fulltext-schema.js";

/**
 * BM25 with the column weights. Written out in each query: a configured FTS5 `rank` with
 * arguments measured 3-5x slower per row here.
 */
const BM25 = `bm25(fts_index, ${FULLTEXT_COLUMNS.map((c) => COLUMN_WEIGHTS[c]).join(", ")})`;

/**
 * A new (or rebuilt) index file queues every message and title of the main database, once. The
 * queue commits before the mark: a crash between the two queues them again (indexing is
 * idempotent), never not at all.
 */
function backfillIfNew(main: BetterSqlite3.Database, fts: BetterSqlite3.Database): void {
  if (getMeta(fts, "backfilled")) return;
  main.transaction(() => {
    main.exec(`INSERT INTO fts_queue (kind, message_id) SELECT 'm', id FROM messages ORDER BY id`);
    main.exec(`INSERT INTO fts_queue (kind, session_id) SELECT 't', id FROM sessions WHERE title IS NOT NULL`);
  })();
  setMeta(fts, "backfilled", Date.now());
}

/** The last `fts_queue.seq` the index holds (meta key), and reading it. */
export const QUEUE_DONE = "queue_done";
const drainedUpTo = (fts: BetterSqlite3.Database) => Number(getMeta(fts, QUEUE_DONE) ?? 0);

const IN_LIST = 500;
function* chunked<T>(items: T[], size = IN_LIST): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
const marks = (n: number) => new Array(n).fill("?").join(", ");

interface QueueRow { seq: number; kind: "m" | "d" | "t" | "x"; message_id: number | null; session_id: string | null }
interface Owner { userId: string; sessionId: string }

/** The writing half: drains `fts_queue` into the index. Run by the worker thread, or inline. */
export class SqliteFulltextIndexer {
  private readonly main: BetterSqlite3.Database;
  private readonly fts: BetterSqlite3.Database;
  private readonly recent: RecentIndex;

  /** `options.recentSize`: the recent index's size for a number of documents (tests: small ones). */
  constructor(mainPath: string, ftsPath = fulltextPathFor(mainPath), options: { recentSize?: (documents: number) => number } = {}) {
    this.main = openSqliteDatabase({ path: mainPath });
    this.fts = openFulltextDatabase(ftsPath);
    this.recent = new RecentIndex(this.fts, options.recentSize);
  }

  /** A new index file queues every message and title once (see `backfillIfNew`). */
  backfill(): void {
    backfillIfNew(this.main, this.fts);
  }

  /** Indexes up to `limit` queued changes in one transaction; returns how many were taken. */
  drain(limit = 2000): number {
    const rows = this.main
      .prepare("SELECT seq, kind, message_id, session_id FROM fts_queue WHERE seq > ? ORDER BY seq LIMIT ?")
      .all(drainedUpTo(this.fts), limit) as QueueRow[];
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
    const docOfMessage = this.fts.prepare("SELECT doc FROM fts_docs WHERE message_id = ?");
    const addDoc = this.fts.prepare("INSERT INTO fts_docs (doc, message_id, created_at, role) VALUES (?, ?, ?, ?)");
    const updateDoc = this.fts.prepare("UPDATE fts_docs SET created_at = ?, role = ? WHERE doc = ?");
    const dropDoc = this.fts.prepare("DELETE FROM fts_docs WHERE doc = ?");
    const sessionNum = this.fts.prepare("SELECT num, user_id FROM fts_sessions WHERE session_id = ?");
    const ownerOfNum = this.fts.prepare("SELECT user_id FROM fts_sessions WHERE num = ?");
    const addSession = this.fts.prepare("INSERT INTO fts_sessions (session_id, user_id) VALUES (?, ?)");
    const nextDoc = this.fts.prepare("UPDATE fts_sessions SET next_doc = next_doc + 1 WHERE num = ? RETURNING next_doc - 1 AS n");
    const count = this.fts.prepare("INSERT INTO fts_users (user_id, docs) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET docs = docs + excluded.docs");
    const values = (d: FulltextDocument) => FULLTEXT_COLUMNS.map((c) => d[c]);
    const numOf = (owner: Owner): number => {
      const found = sessionNum.get(owner.sessionId) as { num: number } | undefined;
      return found ? found.num : Number(addSession.run(owner.sessionId, owner.userId).lastInsertRowid);
    };
    const ownerOf = (doc: number) => (ownerOfNum.get(Math.floor(doc / SESSION_DOCS)) as { user_id: string }).user_id;
    const hasDoc = this.fts.prepare("SELECT 1 FROM fts_docs WHERE doc = ?");
    const drop = (doc: number) => {
      remove.run(doc);
      this.recent.removed(doc);
      count.run(ownerOf(doc), -1);
    };
    const add = (doc: number, d: FulltextDocument, owner: Owner) => {
      insert.run(doc, ...values(d));
      this.recent.added(doc, d);
      count.run(owner.userId, 1);
    };
    // A backlog larger than the recent index (an import, a rebuild): every document would go into
    // it and be trimmed out again; it is emptied instead and filled once the queue is drained.
    const backlog = rows.length === limit && this.latestQueued() - rows[rows.length - 1].seq > this.recent.size();

    this.fts.transaction(() => {
      this.recent.begin();
      if (backlog) this.recent.reset();
      for (const [messageId] of messageOps) {
        const existing = docOfMessage.get(messageId) as { doc: number } | undefined;
        const next = docs.get(messageId);
        // Deleting only what is there keeps the index free of tombstones.
        if (existing) drop(existing.doc);
        if (!next) {
          if (existing) dropDoc.run(existing.doc);
          continue;
        }
        let doc = existing?.doc;
        if (doc === undefined) {
          const num = numOf(next.owner);
          const n = (nextDoc.get(num) as { n: number }).n;
          if (n >= SESSION_DOCS) continue; // 16M messages in one session: the rest stays unindexed
          doc = num * SESSION_DOCS + n;
          addDoc.run(doc, messageId, next.createdAt, next.role);
        } else updateDoc.run(next.createdAt, next.role, doc);
        add(doc, next.doc, next.owner);
      }
      for (const [sessionId] of titleOps) {
        const found = sessionNum.get(sessionId) as { num: number } | undefined;
        const title = titles.get(sessionId);
        const num = found?.num ?? (title ? numOf({ sessionId, userId: title.userId }) : undefined);
        if (num === undefined) continue;
        // A title is document 0 of its session, with an fts_docs row of no message.
        const doc = num * SESSION_DOCS;
        if (hasDoc.get(doc)) {
          drop(doc);
          dropDoc.run(doc);
        }
        if (title) {
          add(doc, titleDocument(title.title), { sessionId, userId: title.userId });
          addDoc.run(doc, null, title.updatedAt, null);
        }
      }
      this.recent.trim();
      this.recent.commit();
      setMeta(this.fts, "indexed_at", Date.now());
      // Progress commits with the index changes it covers.
      setMeta(this.fts, QUEUE_DONE, rows[rows.length - 1].seq);
    })();
    if (rows.length < limit) setMeta(this.fts, "caught_up_at", Date.now());
    return rows.length;
  }

  /**
   * Fills the recent index (`fulltext-recent.ts`) by up to `batch` documents; returns how many.
   * For when the queue is empty: the documents are read from the main database as they are now,
   * which is what the main index holds once every queued change is in it.
   */
  fillRecent(batch = 1_000): number {
    return this.fts.transaction(() => {
      this.recent.begin();
      const added = this.recent.fill({ documents: (docs) => this.currentDocuments(docs) }, batch);
      this.recent.commit();
      return added;
    })();
  }

  /** Empties the recent index (benchmarks: the main index alone); the loop fills it again when idle. */
  resetRecent(): void {
    this.fts.transaction(() => {
      this.recent.begin();
      this.recent.reset();
      this.recent.commit();
    })();
  }

  /** The documents of these ids as the main database holds them now (messages and titles). */
  private currentDocuments(docs: Array<{ doc: number; message_id: number | null }>): Map<number, FulltextDocument> {
    const out = new Map<number, FulltextDocument>();
    const messages = this.readMessageDocs(docs.flatMap((d) => (d.message_id === null ? [] : [d.message_id])));
    const titleDocs = docs.filter((d) => d.message_id === null);
    const sessionOf = this.fts.prepare("SELECT session_id FROM fts_sessions WHERE num = ?").pluck();
    const sessions = new Map(titleDocs.map((d) => [d.doc, sessionOf.get(Math.floor(d.doc / SESSION_DOCS)) as string | undefined]));
    const titles = this.readTitles([...sessions.values()].filter((id): id is string => id !== undefined));
    for (const d of docs) {
      if (d.message_id !== null) {
        const m = messages.get(d.message_id);
        if (m) out.set(d.doc, m.doc);
      } else {
        const title = titles.get(sessions.get(d.doc) ?? "");
        if (title) out.set(d.doc, titleDocument(title.title));
      }
    }
    return out;
  }

  /** Drains until the queue is empty (tests, tools). */
  drainAll(limit = 2000): number {
    let total = 0;
    for (let n = this.drain(limit); n > 0; n = this.drain(limit)) total += n;
    return total;
  }

  private readMessageDocs(ids: number[]): Map<number, { doc: FulltextDocument; owner: Owner; createdAt: number; role: string }> {
    const out = new Map<number, { doc: FulltextDocument; owner: Owner; createdAt: number; role: string }>();
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
            owner: { userId: m.user_id, sessionId: m.session_id },
            createdAt: Number(m.created_at),
            role: m.role,
          });
        }
      }
    })();
    return out;
  }

  private readTitles(ids: string[]): Map<string, { title: string; userId: string; updatedAt: number }> {
    const out = new Map<string, { title: string; userId: string; updatedAt: number }>();
    for (const group of chunked(ids)) {
      const rows = this.main
        .prepare(`SELECT id, user_id, title, updated_at FROM sessions WHERE id IN (${marks(group.length)}) AND title IS NOT NULL`)
        .all(...group) as Array<{ id: string; user_id: string; title: string; updated_at: number }>;
      for (const r of rows) out.set(r.id, { title: r.title, userId: r.user_id, updatedAt: Number(r.updated_at) });
    }
    return out;
  }

  /** The newest queued change's id: it moves while sync transactions are committing. */
  latestQueued(): number {
    return Number((this.main.prepare("SELECT max(seq) AS seq FROM fts_queue").get() as { seq: number | null }).seq ?? 0);
  }

  pending(): number {
    return (this.main.prepare("SELECT count(*) AS n FROM fts_queue WHERE seq > ?").get(drainedUpTo(this.fts)) as { n: number }).n;
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
/**
 * Matches a query ranks at most: a broader query ranks those of its most recently indexed
 * sessions (the highest document ids); counts still go on up to `COUNT_CAP`.
 */
export const RANK_WINDOW = COUNT_CAP;
/**
 * Matches ranked without BM25 (`rankByField`) at most: reading what each cites (its time, role,
 * message, session) is most of that ranking's cost, ~3-5 µs a match at 1M (2,000: 7-13 ms; 500:
 * 2-4 ms, measured with `limits`).
 */
export const FIELD_WINDOW = 500;
/** Prepared statements kept per SQL text (one per combination of filters: a few dozen at most). */
const STATEMENTS = 200;

interface Query { from: string; where: string; params: Record<string, unknown> }

/** Distinct sessions of document ids (the high bits: `SESSION_SHIFT`). */
function sessionCount(ids: number[]): number {
  return new Set(ids.map((id) => Math.floor(id / SESSION_DOCS))).size;
}

/**
 * What a match weighs without BM25 (`rankByField`): the column weight of the document's main text,
 * a title's (no message), a user's prompt, an assistant's reply; 1 for the rest.
 */
function roleWeight(r: { doc: number; message_id: number | null; role: string | null }): number {
  if (r.message_id === null) return COLUMN_WEIGHTS.title;
  if (r.role === "user") return COLUMN_WEIGHTS.prompt;
  if (r.role === "assistant") return COLUMN_WEIGHTS.reply;
  return 1;
}

/**
 * Scored (base score × recency boost) and sorted, best first. Equal scores (the same text in
 * several places) keep the newest document first: a total order, so pages never overlap. (A
 * string tie-break with localeCompare cost ~15 ms per 2,000 rows.)
 */
function ranked<R extends Omit<WindowRow, "rank">>(rows: R[], base: (r: R) => number, now: number): ScoredDoc[] {
  const scored = rows.map((r) => ({ r, score: base(r) * recency(now, Number(r.created_at)) }));
  scored.sort((a, b) => b.score - a.score || b.r.doc - a.r.doc);
  return scored.map(({ r, score }): ScoredDoc =>
    r.message_id === null ? { sessionId: r.session_id, score } : { sessionId: r.session_id, messageId: String(r.message_id), score });
}
interface WindowRow { doc: number; rank: number; message_id: number | null; created_at: number; session_id: string }

/** The reading half: queries over the index, always scoped by user, joined to the main database for session filters. */
export class SqliteFulltextIndex implements FulltextIndex {
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly rankWindow: number;
  private readonly countCap: number;
  private readonly fieldWindow: number;

  /** `limits`: smaller rank window and count cap for tests (a broad query without thousands of documents). */
  constructor(mainPath: string, ftsPath = fulltextPathFor(mainPath), limits: { rankWindow?: number; countCap?: number } = {}) {
    this.rankWindow = limits.rankWindow ?? RANK_WINDOW;
    this.countCap = limits.countCap ?? COUNT_CAP;
    this.fieldWindow = Math.min(this.rankWindow, FIELD_WINDOW);
    // The index file must exist with its schema before it is attached. A new one is queued for
    // rebuilding here, at start, so the status never shows an empty queue for an empty index.
    const fts = openFulltextDatabase(ftsPath);
    const main = openSqliteDatabase({ path: mainPath });
    try {
      backfillIfNew(main, fts);
    } finally {
      main.close();
      fts.close();
    }
    this.db = openSqliteDatabase({ path: mainPath });
    this.db.prepare("ATTACH DATABASE ? AS fts").run(ftsPath);
    // An attached file has its own page cache, of SQLite's default 2 MB: the index's pages (doclists,
    // fts_docs) were read again from the OS for most lookups (~5 µs each: 10 ms for a 2,000-match
    // window at 1M). The same 64 MB as the main file (open.ts).
    this.db.pragma("fts.cache_size = -65536");
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** True when every indexed document is this user's: the owner check can be skipped. */
  private soleOwner(userId: string): boolean {
    return !this.prepare("SELECT 1 FROM fts.fts_users WHERE user_id != ? AND docs > 0 LIMIT 1").get(userId);
  }

  /**
   * FROM/WHERE of the matches of `scope`: the document's session (its owner, unless they own
   * everything, and its id), the document's own row (message, time, role), the main database's
   * sessions (and messages, for `model`) only for the filters that need them. `cite`: with the
   * session and document rows whatever the filters (what a ranked hit cites).
   *
   * A rowid range (a session filter, `rankByField`) is bound as a BigInt: FTS5
   * only seeks on a rowid bound given as an INTEGER, and better-sqlite3 binds a JS number as REAL,
   * which FTS5 ignores (sqlite 3.53 fts5_main.c, `fts5GetRowidLimit`): `rowid >= ?` then read the
   * whole doclist (20 ms for a common word at 1M, 1 ms as an INTEGER).
   */
  private where(match: FulltextMatch, scope: FulltextScope, cite: boolean, table = "fts_index"): Query {
    const expression = toFts5(match.query, match.mode);
    if (!expression) throw new Error("empty full-text query");
    const f = scope.filters;
    const params: Record<string, unknown> = { match: expression };
    const where = [`f.${table} MATCH @match`];
    const joins: string[] = [];
    const sessionFilters: string[] = [];
    if (!this.soleOwner(scope.userId)) (where.push("fs.user_id = @user"), (params.user = scope.userId));
    // A title's row has no role (role filters skip it) and its session's last activity as time.
    if (f.role !== undefined) (where.push("d.role = @role"), (params.role = f.role));
    if (f.from !== undefined) (where.push("d.created_at >= @from"), (params.from = f.from));
    if (f.to !== undefined) (where.push("d.created_at < @to"), (params.to = f.to));
    if (f.source !== undefined) (sessionFilters.push("s.source = @source"), (params.source = f.source));
    if (f.project !== undefined) (sessionFilters.push("(s.project_name = @project OR s.project_path = @project)"), (params.project = f.project));
    if (f.machine !== undefined) (sessionFilters.push("s.machine = @machine"), (params.machine = f.machine));
    if (f.sessionId !== undefined) {
      sessionFilters.push("(s.id = @sessionId OR s.external_id = @sessionId)");
      params.sessionId = f.sessionId;
      // One session's documents are one id range (`SESSION_SHIFT`): FTS5 reads only that part of
      // the doclists (a common word in one session at 1M: 323 ms of filtering every match before).
      const nums = this.prepare(
        "SELECT fs.num FROM main.sessions s JOIN fts.fts_sessions fs ON fs.session_id = s.id WHERE s.id = ? OR s.external_id = ? LIMIT 2",
      ).pluck().all(f.sessionId, f.sessionId) as number[];
      if (nums.length <= 1) {
        where.push("f.rowid BETWEEN @lo AND @hi");
        // BigInt: see above. No session: an empty range.
        params.lo = nums.length ? BigInt(nums[0]) << BigInt(SESSION_SHIFT) : 1n;
        params.hi = nums.length ? ((BigInt(nums[0]) + 1n) << BigInt(SESSION_SHIFT)) - 1n : 0n;
      }
    }
    if (f.model !== undefined) {
      sessionFilters.push("(s.model = @model OR m.model = @model)");
      params.model = f.model;
    }
    const needsDoc = cite || f.role !== undefined || f.from !== undefined || f.to !== undefined || f.model !== undefined;
    if (needsDoc || sessionFilters.length > 0 || params.user !== undefined) joins.push(`JOIN fts.fts_sessions fs ON fs.num = (f.rowid >> ${SESSION_SHIFT})`);
    if (needsDoc) joins.push("JOIN fts.fts_docs d ON d.doc = f.rowid");
    if (sessionFilters.length) joins.push("JOIN main.sessions s ON s.id = fs.session_id");
    if (f.model !== undefined) joins.push("LEFT JOIN main.messages m ON m.id = d.message_id");
    where.push(...sessionFilters);
    return { from: `fts.${table} f ${joins.join(" ")}`, where: where.join(" AND "), params };
  }

  /**
   * A query's ranking. First the ids of its newest `countCap + 1` matches (`matchIds`: FTS5 walks
   * the doclists backwards and stops there), which give the counts and the window ranked. A query
   * of words and identifiers with at most `countCap` matches is then ranked by BM25: one
   * statement, its newest `rankWindow` matches with what a hit cites; BM25 costs those rows plus
   * FTS5's pass over each term's whole doclist for its IDF (`fts5Bm25GetData`, sqlite 3.53
   * fts5_aux.c).
   *
   * Without BM25 (`rankByField`): a query with more than `countCap` matches (a word in a large
   * part of all messages: the IDF pass alone read a common word's 385,000-document doclist in
   * ~10 ms at 1M messages, per term), and phrases and prefixes, for which that pass evaluates
   * the phrase over the whole index again (FTS5 checks a phrase's positions in every document
   * with all its words: `"null value"` cost ~60 ms per pass at 1M) or merges every expansion of
   * the prefix again (`session*`: 6,252 index words at 1M messages, 150-200 ms per pass).
   *
   * A query with a phrase of prose (in quotes) is counted only up to `fieldWindow`, the matches
   * it is ranked on: its total is exact up to 500 matches, a lower bound beyond.
   *
   * Measured at 1M messages (bench/search.mjs, docs/benchmarks.md): before, an exact count pass
   * over every match, then BM25 over every match or over a rowid range that FTS5 did not seek
   * (see `where`): three passes over a common word's doclist (~60 ms).
   */
  async rank(match: FulltextMatch, scope: FulltextScope): Promise<FulltextRanking> {
    const costly = match.query.terms.some((t) => t.kind === "phrase" || t.kind === "prefix");
    // A phrase is counted up to the window it is ranked on: its newest `fieldWindow + 1` matches
    // are where FTS5's backwards scan stops. Counting on to 2,000 checked its positions in every
    // document with its words, the whole index for a phrase with fewer matches (`"null value"` at
    // 1M messages: 1,810 matches, 43 ms; its newest 501: 12 ms).
    const cap = match.query.terms.some((t) => termCost(t) === "positions") ? this.fieldWindow : this.countCap;
    const ids = this.matchIds(match, scope, cap + 1);
    const counts: FulltextCounts = ids.length > cap
      ? { documents: cap, sessions: sessionCount(ids), estimated: true }
      : { documents: ids.length, sessions: sessionCount(ids), estimated: false };
    if (ids.length === 0) return { counts, docs: [] };
    if (costly || counts.estimated) return { counts, docs: this.rankByField(match, ids.slice(0, this.fieldWindow), scope.now) };
    const q = this.where(match, scope, true);
    const rows = this.prepare(
      `SELECT f.rowid AS doc, ${BM25} AS rank, d.message_id, d.created_at, fs.session_id
       FROM ${q.from} WHERE ${q.where} ORDER BY f.rowid DESC LIMIT @window`,
    ).all({ ...q.params, window: this.rankWindow }) as WindowRow[];
    return { counts, docs: ranked(rows, (r) => -r.rank, scope.now) };
  }

  /**
   * The ids of the newest `wanted` matches, newest first: one scan of the doclists, backwards,
   * that stops there. It stops for words; a prefix's expansions are all merged first, whatever
   * the limit or a rowid bound (sqlite 3.53 fts5_index.c `fts5SetupPrefixIter`), and a phrase
   * with fewer matches than `wanted` is checked in every document with its words.
   */
  private matchIds(match: FulltextMatch, scope: FulltextScope, wanted: number): number[] {
    const run = (table: string) => {
      const bare = this.where(match, scope, false, table);
      return this.prepare(`SELECT f.rowid FROM ${bare.from} WHERE ${bare.where} ORDER BY f.rowid DESC LIMIT @wanted`)
        .pluck()
        .all({ ...bare.params, wanted }) as number[];
    };
    if (!match.query.terms.some((t) => termCost(t) === "prefix")) return run("fts_index");
    // A prefix: the recent index first (`fulltext-recent.ts`). Its floor and its contents are read
    // in one transaction, so they agree whatever the indexer commits meanwhile.
    return this.db.transaction(() => {
      const floor = readRecentFloor((sql) => this.prepare(sql), "fts.");
      if (floor !== null) {
        const ids = run(RECENT_TABLE);
        // Enough matches, or it holds every document: they are the newest of the whole index.
        if (ids.length >= wanted || floor === 0) return ids;
      }
      return run("fts_index");
    })();
  }

  /**
   * Ranking without BM25: the newest `fieldWindow` (500) matches scored by the kind of document that
   * holds the match, in BM25's column weights (a title 10, a user's prompt 4, an assistant's
   * message 2, anything else 1: `roleWeight`) and, for a query of any of its words, by how many of
   * them it has; then the recency boost. Term frequency and document length are not looked at.
   */
  private rankByField(match: FulltextMatch, window: number[], now: number): ScoredDoc[] {
    // What the window's documents cite, by primary key; their sessions once each (a window of a
    // common word holds ~50 sessions: joining them per row cost 3 ms of the 6 at 1M).
    const docs = this.prepare(
      `SELECT d.doc, d.message_id, d.created_at, d.role FROM json_each(?) j CROSS JOIN fts.fts_docs d ON d.doc = j.value`,
    ).all(JSON.stringify(window)) as Array<Omit<WindowRow, "rank" | "session_id"> & { role: string | null }>;
    const nums = [...new Set(window.map((doc) => Math.floor(doc / SESSION_DOCS)))];
    const sessionOf = new Map(
      (this.prepare(`SELECT fs.num, fs.session_id FROM json_each(?) j CROSS JOIN fts.fts_sessions fs ON fs.num = j.value`).all(JSON.stringify(nums)) as Array<{ num: number; session_id: string }>)
        .map((r) => [r.num, r.session_id]),
    );
    const rows = docs.flatMap((d) => {
      const sessionId = sessionOf.get(Math.floor(d.doc / SESSION_DOCS));
      return sessionId === undefined ? [] : [{ ...d, session_id: sessionId }];
    });
    const terms = new Map<number, number>();
    if (match.mode === "any" && rows.length > 0) {
      // Each term once over the window's id range, bound as BigInt so FTS5 seeks to it (see `where`);
      // in the recent index when it holds the whole range (a prefix is merged whole, range or not).
      const lo = Math.min(...window);
      const range = { lo: BigInt(lo), hi: BigInt(Math.max(...window)) };
      this.db.transaction(() => {
        const floor = readRecentFloor((sql) => this.prepare(sql), "fts.");
        const table = floor !== null && lo >= floor ? RECENT_TABLE : "fts_index";
        const inRange = this.prepare(`SELECT rowid FROM fts.${table} WHERE ${table} MATCH @match AND rowid BETWEEN @lo AND @hi`).pluck();
        for (const term of match.query.terms) {
          for (const doc of inRange.all({ match: toFts5({ terms: [term] }), ...range }) as number[]) terms.set(doc, (terms.get(doc) ?? 0) + 1);
        }
      })();
    }
    return ranked(rows, (r) => roleWeight(r) * (terms.get(r.doc) ?? 1), now);
  }

  async sessionInfo(userId: string, sessionIds: string[]): Promise<Map<string, SessionInfo>> {
    const out = new Map<string, SessionInfo>();
    for (const group of chunked([...new Set(sessionIds)])) {
      // `+user_id`: looked up by primary key, the owner checked per row. With a plain `user_id = ?`
      // the planner walked one of the user's indexes over all their sessions (3 ms at 10,000).
      const rows = this.db
        .prepare(
          `SELECT id, external_id, title, source, model, project_name, project_path, machine, created_at, updated_at
           FROM sessions WHERE +user_id = ? AND id IN (${marks(group.length)})`,
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
      // A row value, so the index range stops at the message (session_id = ? AND created_at < ?); the
      // OR form counted every message of the session through the index (a session of 6,000
      // messages read whole for each hit).
      `SELECT count(*) AS n FROM messages WHERE session_id = ? AND (created_at, id) < (?, ?)`,
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
        const n = (position.get(r.session_id, r.created_at, r.id) as { n: number }).n;
        out.set(String(r.id), {
          id: String(r.id), externalId: r.external_id, sessionId: r.session_id, role: r.role as MessageRole, createdAt: Number(r.created_at),
          position: n, textContent: r.text_content, parts: parts.filter((p) => p.message_id === r.id),
        });
      }
    }
    return out;
  }

  async status(userId: string): Promise<FulltextStatus> {
    const indexed = (
      this.db
        .prepare(`SELECT count(*) AS n FROM fts.fts_docs d JOIN fts.fts_sessions fs ON fs.num = (d.doc >> ${SESSION_SHIFT}) WHERE fs.user_id = ? AND d.message_id IS NOT NULL`)
        .get(userId) as { n: number }
    ).n;
    const pending = (
      this.db.prepare(`SELECT count(*) AS n FROM main.fts_queue WHERE seq > COALESCE((SELECT value FROM fts.fts_meta WHERE key = '${QUEUE_DONE}'), 0)`).get() as { n: number }
    ).n;
    const caughtUp = (this.db.prepare("SELECT value FROM fts.fts_meta WHERE key = 'caught_up_at'").get() as { value: number } | undefined)?.value;
    return { indexed, pending, lagMs: pending === 0 ? 0 : caughtUp ? Math.max(0, Date.now() - caughtUp) : 0 };
  }

  /**
   * Deletes the queue rows the index holds, on the server's own thread (between its sync
   * transactions, so never waiting for the lock). The last drained row stays: ids then keep
   * growing past the index's mark even when the queue is otherwise empty.
   */
  async prune(): Promise<number> {
    const res = this.db.prepare(`DELETE FROM main.fts_queue WHERE seq < COALESCE((SELECT value FROM fts.fts_meta WHERE key = '${QUEUE_DONE}'), 0)`).run();
    return res.changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
