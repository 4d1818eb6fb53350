import type BetterSqlite3 from "better-sqlite3";
import { FULLTEXT_COLUMNS, type FulltextDocument } from "../../search/document.js";
import { ftsTableSql, getMeta, RECENT_TABLE, setMeta } from "./fulltext-schema.js";

/**
 * The recent index: a second, small FTS5 table (`fts_recent`) holding the newest documents of the
 * main index again, exactly those with an id at or above a floor (`recent_floor` in `fts_meta`).
 *
 * Why: FTS5 answers a prefix (`session*`) by merging the doclists of every index word that starts
 * with it into one list before it returns a row, whatever the LIMIT (sqlite 3.53 fts5_index.c,
 * `fts5SetupPrefixIter`). For a common word at 1M messages that is ~6,000 words and most of the
 * index: 110-160 ms, where a search is otherwise ~5-15 ms. A query only needs the newest
 * `COUNT_CAP + 1` matches (`fulltext.ts` `matchIds`), and a search of the recent index for them is
 * exact: when it finds that many, they are the newest of the whole index, as every document it
 * lacks has a lower id than every one it holds. It finds fewer only for prefixes that are rare
 * among the newest documents, and those are cheap to merge in the main index. Measured at 1M
 * messages, with the newest 50,000 here: `request*` 7.2 ms instead of 162.6 ms (docs/benchmarks.md).
 *
 * Its size: about √(4,000 × documents), which balances the two costs (a common prefix merges a
 * share of the recent index; a prefix that misses it merges up to ~2,000 × documents ÷ size
 * entries of the main one): ~63,000 documents at 1M, 20,000 at least. Everything, when the index is
 * smaller than that (`floor` 0: the recent index then answers alone).
 *
 * How it is kept (all by the indexer, in its own transactions, so a reader sees the floor and the
 * table agree):
 * - a document indexed or removed at or above the floor is indexed or removed here too;
 * - above `TRIM_AT` times its size, the floor rises and the documents below it are deleted;
 * - when a large backlog is queued (an import, a rebuild), it is emptied rather than filled and
 *   trimmed once per document: every new document would otherwise be indexed twice;
 * - when the queue is empty and it holds fewer than its size, it is filled downwards from the
 *   floor (`fill`), a batch at a time, from the main database's current text.
 */

/** Floor meaning "empty"; 0 means "every document". */
const FLOOR_KEY = "recent_floor";
const DOCS_KEY = "recent_docs";
const TRIM_AT = 1.25;
const MIN_SIZE = 20_000;
const MAX_SIZE = 1_000_000;

export function recentSize(documents: number): number {
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.round(Math.sqrt(4_000 * documents))));
}

/**
 * The floor as stored: null when the recent index is empty. `prepare`: the caller's statement
 * cache (the reader looks it up for every prefix query); `schema`: `fts.` where the file is attached.
 */
export function readRecentFloor(prepare: (sql: string) => BetterSqlite3.Statement, schema = ""): number | null {
  const row = prepare(`SELECT value FROM ${schema}fts_meta WHERE key = '${FLOOR_KEY}'`).get() as { value: number | null } | undefined;
  return row?.value ?? null;
}

/** What the recent index needs from the indexer: the current text of documents, by id. */
export interface RecentSource {
  /** Documents of these ids; an id missing from the result (its message is gone) is indexed empty. */
  documents(docs: Array<{ doc: number; message_id: number | null }>): Map<number, FulltextDocument>;
}

/**
 * The indexer's handle on the recent index. Use it inside the indexer's transaction: `begin` reads
 * the floor and the count, `commit` writes them back with the changes they describe.
 */
export class RecentIndex {
  private readonly insert: BetterSqlite3.Statement;
  private readonly remove: BetterSqlite3.Statement;
  private state: { floor: number | null; docs: number } = { floor: null, docs: 0 };

  /** `sizeFor`: its size for a number of documents (`recentSize`; tests use small ones). */
  constructor(
    private readonly fts: BetterSqlite3.Database,
    private readonly sizeFor: (documents: number) => number = recentSize,
  ) {
    this.insert = fts.prepare(`INSERT INTO ${RECENT_TABLE} (rowid, ${FULLTEXT_COLUMNS.join(", ")}) VALUES (?, ${FULLTEXT_COLUMNS.map(() => "?").join(", ")})`);
    this.remove = fts.prepare(`DELETE FROM ${RECENT_TABLE} WHERE rowid = ?`);
  }

  begin(): void {
    this.state = { floor: readRecentFloor((sql) => this.fts.prepare(sql)), docs: Number(getMeta(this.fts, DOCS_KEY) ?? 0) };
  }

  commit(): void {
    setMeta(this.fts, FLOOR_KEY, this.state.floor);
    setMeta(this.fts, DOCS_KEY, this.state.docs);
  }

  /** The size it is kept at, for the main index's current number of documents. */
  size(): number {
    const total = (this.fts.prepare("SELECT coalesce(sum(docs), 0) AS n FROM fts_users").get() as { n: number }).n;
    return this.sizeFor(total);
  }

  private holds(doc: number): boolean {
    return this.state.floor !== null && doc >= this.state.floor;
  }

  /** A document the main index now holds (new, or replaced): here too, if it is at or above the floor. */
  added(doc: number, document: FulltextDocument): void {
    if (!this.holds(doc)) return;
    this.insert.run(doc, ...FULLTEXT_COLUMNS.map((c) => document[c]));
    this.state.docs++;
  }

  /** A document the main index no longer holds: removed here too, if it is at or above the floor. */
  removed(doc: number): void {
    if (!this.holds(doc)) return;
    this.remove.run(doc);
    this.state.docs = Math.max(0, this.state.docs - 1);
  }

  /** Empties it (a large backlog is coming: `fill` builds it again once the queue is drained). */
  reset(): void {
    if (this.state.floor === null && this.state.docs === 0) return;
    this.fts.exec(`DROP TABLE ${RECENT_TABLE}`);
    this.fts.exec(ftsTableSql(RECENT_TABLE));
    this.state = { floor: null, docs: 0 };
  }

  /** Above `TRIM_AT` times its size: the floor rises to keep the newest `size` documents. */
  trim(): number {
    const { floor, docs } = this.state;
    if (floor === null) return 0;
    const size = this.size();
    if (docs <= size * TRIM_AT) return 0;
    const next = this.fts.prepare("SELECT doc FROM fts_docs WHERE doc >= ? ORDER BY doc DESC LIMIT 1 OFFSET ?").pluck().get(floor, size - 1) as number | undefined;
    if (next === undefined) return 0;
    const below = this.fts.prepare("SELECT doc FROM fts_docs WHERE doc >= ? AND doc < ?").pluck().all(floor, next) as number[];
    for (const doc of below) this.remove.run(doc);
    this.state = { floor: next, docs: Math.max(0, docs - below.length) };
    return below.length;
  }

  /**
   * Fills it downwards from the floor, `batch` documents at a time, up to its size (or every
   * document: floor 0). Returns how many it added; 0 when there is nothing to do. Run when the queue
   * is drained: the text read is then what the main index holds.
   */
  fill(source: RecentSource, batch = 1_000): number {
    const { floor, docs } = this.state;
    if (floor === 0) return 0;
    const wanted = Math.min(batch, this.size() - docs);
    if (wanted <= 0) return 0;
    const rows = this.fts
      .prepare("SELECT doc, message_id FROM fts_docs WHERE doc < ? ORDER BY doc DESC LIMIT ?")
      .all(floor ?? Number.MAX_SAFE_INTEGER, wanted) as Array<{ doc: number; message_id: number | null }>;
    const texts = source.documents(rows);
    const empty = Object.fromEntries(FULLTEXT_COLUMNS.map((c) => [c, ""])) as FulltextDocument;
    for (const r of rows) this.insert.run(r.doc, ...FULLTEXT_COLUMNS.map((c) => (texts.get(r.doc) ?? empty)[c]));
    // Fewer than asked: the bottom was reached, it holds every document.
    this.state = { floor: rows.length < wanted ? 0 : rows[rows.length - 1].doc, docs: docs + rows.length };
    return rows.length;
  }
}
