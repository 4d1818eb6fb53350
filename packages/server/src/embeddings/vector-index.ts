import type BetterSqlite3 from "better-sqlite3";
import { dot, kmeans, nearest, nearestN } from "./kmeans.js";

/**
 * The vector index: sqlite-vec's `vec0` holds a binary code (one sign bit per dimension) of every
 * chunk's vector, partitioned by user and by IVF list; `embedding_vectors` holds the float vectors.
 *
 * A query (1) picks the IVF lists whose centroids are nearest the query (a user with fewer than
 * `exactBelow` vectors, or any user before the lists are trained, has every code in the UNASSIGNED
 * list and is scanned whole), (2) asks vec0 for the nearest binary codes by Hamming distance
 * inside those partitions, and (3) rescores those candidates exactly with their float vectors. Binary codes make the scan 32x smaller than floats; the lists
 * make it touch a fraction of the rows. Measured in docs/benchmarks.md (recall@10 against exact
 * search, p95 at 1M chunks); bench/search-semantic.mjs runs it.
 *
 * The user is a partition key: a query only ever scans that user's codes.
 */

export interface IndexTuning {
  /** Train the IVF lists once this many vectors are indexed. */
  trainAt: number;
  lists: number;
  /** Lists probed per query. */
  probes: number;
  /** A user with fewer vectors than this keeps their codes unassigned and is scanned whole. */
  exactBelow: number;
  /** Binary-code candidates rescored with float vectors, per query. */
  candidates: number;
}

/**
 * IVF lists are trained once 50k vectors exist; a user under 50k is scanned whole (one partition).
 * Measured by bench/search-semantic.mjs (docs/benchmarks.md), one user, clustered 384-d vectors:
 * at 100k chunks, 16 of 256 lists probed and 500 candidates rescored find all of the exact top 10
 * (recall 1.00) at p95 27 ms of CPU (8 probes: 16 ms); at 1M chunks the same finds 0.78 at 67 ms,
 * short of the 0.95 / 50 ms goal: 256 lists are too few for 2,000 topics (see the benchmarks).
 * 500 candidates rather than 240: 240 found 0.92 at 100k.
 */
export const DEFAULT_TUNING: IndexTuning = { trainAt: 50_000, lists: 256, probes: 16, exactBelow: 50_000, candidates: 500 };

/** The list of a vector added before the lists were trained (or while they are reassigned). */
const UNASSIGNED = -1;
const TABLE = "vec.embedding_codes";

export interface IndexEntry {
  chunkId: number;
  userId: string;
  vector: Float32Array;
}

export interface ScoredChunk {
  chunkId: number;
  score: number;
}

export function binaryCode(vector: Float32Array): Buffer {
  const code = Buffer.alloc(Math.ceil(vector.length / 8));
  for (let i = 0; i < vector.length; i++) if (vector[i] > 0) code[i >> 3] |= 1 << (i & 7);
  return code;
}

export const vectorBytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const vectorFrom = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** How often the set of users large enough for lists is recounted (a scan of the chunks' user index). */
const LARGE_USERS_EVERY_MS = 60_000;

export class VectorIndex {
  private centroids: Float32Array[] | null = null;
  private dims: number | null = null;
  /**
   * Users with at least `exactBelow` vectors: only theirs are spread over the IVF lists. Everyone
   * else keeps their codes in the UNASSIGNED list, so that scanning all of a small user's codes
   * reads one partition (vec0 stores each partition in its own fixed-size chunks: a few vectors
   * spread over hundreds of lists would make their full scan read hundreds of mostly empty chunks).
   */
  private largeUsers = new Set<string>();
  private largeCheckedAt = 0;
  /** Large users whose codes have all been moved into lists (by this process). */
  private readonly settled = new Set<string>();

  constructor(private readonly db: BetterSqlite3.Database, readonly tuning: IndexTuning = DEFAULT_TUNING) {
    this.dims = Number(this.meta("index_dims")) || null;
    const stored = this.meta("centroids");
    if (stored && this.dims) {
      this.centroids = (JSON.parse(stored) as string[]).map((b) => vectorFrom(Buffer.from(b, "base64")));
      this.refreshLargeUsers(true);
    }
  }

  private refreshLargeUsers(force = false): void {
    if (!force && Date.now() - this.largeCheckedAt < LARGE_USERS_EVERY_MS) return;
    this.largeCheckedAt = Date.now();
    const users = this.db.prepare("SELECT user_id FROM embedding_chunks GROUP BY user_id HAVING count(*) >= ?").pluck().all(this.tuning.exactBelow) as string[];
    this.largeUsers = new Set(users);
  }

  /** The IVF list a new vector of `userId` goes to. */
  private listFor(userId: string, vector: Float32Array): number {
    return this.centroids && this.largeUsers.has(userId) ? nearest(vector, this.centroids) : UNASSIGNED;
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM embedding_meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }
  private setMeta(key: string, value: string | null): void {
    if (value === null) this.db.prepare("DELETE FROM embedding_meta WHERE key = ?").run(key);
    else this.db.prepare("INSERT INTO embedding_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  dimensions(): number | null {
    return this.dims;
  }

  trained(): boolean {
    return this.centroids !== null;
  }

  /** Creates the vec0 table for vectors of `dims` (dropping one of another width). Call in a write transaction. */
  ensure(dims: number): void {
    if (this.dims === dims && this.tableExists()) return this.repair();
    this.drop();
    const bits = Math.ceil(dims / 8) * 8;
    this.db.exec(`CREATE VIRTUAL TABLE ${TABLE} USING vec0(user_id text partition key, list integer partition key, code bit[${bits}])`);
    this.setMeta("index_dims", String(dims));
    this.dims = dims;
  }

  /**
   * Codes missing for stored vectors (the codes' file lost, or a crash between the two files'
   * commits: WAL commits are atomic per file) are rebuilt from the float vectors. Extra codes are
   * harmless (queries join the chunks) and swept with the tombstones.
   */
  private repair(): void {
    const missing = this.db
      .prepare("SELECT v.chunk_id AS chunkId, c.user_id AS userId, v.vector FROM embedding_vectors v JOIN embedding_chunks c ON c.id = v.chunk_id WHERE v.chunk_id NOT IN (SELECT id FROM vec.embedding_codes_rowids)")
      .all() as Array<{ chunkId: number; userId: string; vector: Buffer }>;
    if (missing.length) this.add(missing.map((m) => ({ chunkId: m.chunkId, userId: m.userId, vector: vectorFrom(m.vector) })));
  }

  /** Forgets every vector and the trained lists (model change). Call in a write transaction. */
  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS ${TABLE}`);
    this.db.exec("DELETE FROM embedding_vectors");
    this.setMeta("index_dims", null);
    this.setMeta("centroids", null);
    this.dims = null;
    this.centroids = null;
    this.settled.clear();
  }

  private tableExists(): boolean {
    return !!this.db.prepare("SELECT 1 FROM vec.sqlite_master WHERE name = 'embedding_codes'").get();
  }

  /** Adds (or replaces) vectors. Call in a write transaction, after `ensure`. */
  add(entries: IndexEntry[]): void {
    const putVector = this.db.prepare("INSERT OR REPLACE INTO embedding_vectors (chunk_id, vector) VALUES (?, ?)");
    for (const e of entries) putVector.run(e.chunkId, vectorBytes(e.vector));
    this.putCodes(entries);
  }

  /** Writes (or moves) the binary codes of these vectors into their lists. */
  private putCodes(entries: IndexEntry[]): void {
    const delCode = this.db.prepare(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    const putCode = this.db.prepare(`INSERT INTO ${TABLE} (rowid, user_id, list, code) VALUES (?, ?, ?, vec_bit(?))`);
    for (const e of entries) {
      delCode.run(BigInt(e.chunkId));
      putCode.run(BigInt(e.chunkId), e.userId, BigInt(this.listFor(e.userId, e.vector)), binaryCode(e.vector));
    }
  }

  /** Removes the codes of deleted chunks (their float vectors went with the chunk rows). */
  remove(chunkIds: number[]): void {
    if (!this.tableExists()) return;
    const del = this.db.prepare(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    for (const id of chunkIds) del.run(BigInt(id));
  }

  /** Vectors indexed, all users. */
  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM embedding_vectors").pluck().get() as number) ?? 0;
  }

  /**
   * The user's chunks nearest `query`, best first, scored by cosine similarity. `userCount`: how
   * many vectors the user has (decides between probing lists and scanning all of theirs).
   */
  search(userId: string, query: Float32Array, k: number, userCount: number, candidates = Math.max(this.tuning.candidates, k * 4)): ScoredChunk[] {
    if (!this.dims || !this.tableExists() || userCount === 0) return [];
    const code = binaryCode(query);
    const found: Array<{ id: number; distance: number }> = [];
    const want = Math.min(candidates, 4096);
    const scan = this.db.prepare(`SELECT rowid AS id, distance FROM ${TABLE} WHERE code MATCH vec_bit(?) AND k = ? AND user_id = ?`);
    const scanList = this.db.prepare(`SELECT rowid AS id, distance FROM ${TABLE} WHERE code MATCH vec_bit(?) AND k = ? AND user_id = ? AND list = ?`);
    const collect = (rows: unknown[]) => {
      for (const r of rows as Array<{ id: number | bigint; distance: number }>) found.push({ id: Number(r.id), distance: r.distance });
    };
    if (!this.centroids || userCount < this.tuning.exactBelow) collect(scan.all(code, want, userId));
    else {
      // Every probed list is asked for the whole candidate budget: the true neighbours usually sit
      // in one or two lists, so a share per list would starve exactly those. The best codes of all
      // probed lists are then merged by Hamming distance. (A list's scan costs its size, not k.)
      for (const list of [...nearestN(query, this.centroids, this.tuning.probes), UNASSIGNED]) collect(scanList.all(code, want, userId, BigInt(list)));
      found.sort((a, b) => a.distance - b.distance);
    }
    return this.rescore(found.slice(0, want).map((f) => f.id), query, k);
  }

  /** Exact cosine ranking of the given chunks (rescoring, or a small filtered set). */
  rescore(chunkIds: number[], query: Float32Array, k: number): ScoredChunk[] {
    if (chunkIds.length === 0) return [];
    // One statement for all candidates (a point lookup each costs ~10x more in statement overhead).
    const rows = this.db
      .prepare("SELECT chunk_id AS id, vector FROM embedding_vectors WHERE chunk_id IN (SELECT value FROM json_each(?))")
      .all(JSON.stringify(chunkIds)) as Array<{ id: number; vector: Buffer }>;
    const width = query.length;
    const scored: ScoredChunk[] = rows.map((row) => {
      // Read the float32 blob in place (no copy): SQLite blobs are not aligned, so via a DataView only when needed.
      const b = row.vector;
      let score = 0;
      if (b.byteOffset % 4 === 0) {
        const v = new Float32Array(b.buffer, b.byteOffset, width);
        for (let i = 0; i < width; i++) score += query[i] * v[i];
      } else {
        for (let i = 0; i < width; i++) score += query[i] * b.readFloatLE(i * 4);
      }
      return { chunkId: row.id, score };
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Exact search over every vector of the user (the reference for recall measurements). */
  exact(userId: string, query: Float32Array, k: number): ScoredChunk[] {
    const rows = this.db
      .prepare("SELECT c.id, v.vector FROM embedding_chunks c JOIN embedding_vectors v ON v.chunk_id = c.id WHERE c.user_id = ?")
      .iterate(userId) as IterableIterator<{ id: number; vector: Buffer }>;
    const top: ScoredChunk[] = [];
    for (const row of rows) {
      top.push({ chunkId: row.id, score: dot(query, vectorFrom(row.vector)) });
      if (top.length > 4 * k) top.sort((a, b) => b.score - a.score).splice(k);
    }
    return top.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /**
   * Trains the IVF lists (k-means on a sample) once enough vectors exist, then moves every code
   * into its list in small write transactions. Safe to interrupt: unmoved codes stay in the
   * UNASSIGNED list, which every query probes, and the next call carries on.
   */
  async maybeTrain(write: <T>(work: () => T) => Promise<T>, sampleSize = Math.min(20_000, 64 * this.tuning.lists)): Promise<boolean> {
    if (!this.dims || !Number.isFinite(this.tuning.trainAt)) return false;
    if (!this.centroids) {
      const total = this.count();
      if (total < this.tuning.trainAt) return false;
      const sample = this.db
        .prepare("SELECT vector FROM embedding_vectors WHERE chunk_id % ? = 0 LIMIT ?")
        .pluck()
        .all(Math.max(1, Math.floor(total / sampleSize)), sampleSize) as Buffer[];
      const centroids = await kmeans(sample.map(vectorFrom), this.tuning.lists);
      await write(() => this.setMeta("centroids", JSON.stringify(centroids.map((c) => vectorBytes(c).toString("base64")))));
      this.centroids = centroids;
      this.largeCheckedAt = 0;
    }
    this.refreshLargeUsers();
    return this.reassign(write);
  }

  private async reassign(write: <T>(work: () => T) => Promise<T>): Promise<boolean> {
    const anyUnassigned = this.db.prepare(`SELECT rowid FROM ${TABLE} WHERE user_id = ? AND list = ? LIMIT 1`).pluck();
    // Walk the user's chunks by id (an index range per page). Paging through the UNASSIGNED
    // partition itself would rescan its emptied slots from the start on every page (vec0 does not
    // compact deleted rows): quadratic at a million codes.
    const page = this.db.prepare(
      "SELECT c.id AS chunkId, v.vector FROM embedding_chunks c JOIN embedding_vectors v ON v.chunk_id = c.id WHERE c.user_id = ? AND c.id > ? ORDER BY c.id LIMIT 500",
    );
    // Only large users' codes move into lists; small users' stay in the UNASSIGNED partition.
    for (const userId of this.largeUsers) {
      if (this.settled.has(userId)) continue;
      if (anyUnassigned.get(userId, BigInt(UNASSIGNED)) !== undefined) {
        for (let after = 0; ; ) {
          const rows = page.all(userId, after) as Array<{ chunkId: number; vector: Buffer }>;
          if (rows.length === 0) break;
          after = rows[rows.length - 1].chunkId;
          await write(() => this.putCodes(rows.map((r) => ({ chunkId: r.chunkId, userId, vector: vectorFrom(r.vector) }))));
        }
      }
      // From now on this user's new vectors go straight to their lists.
      this.settled.add(userId);
    }
    return true;
  }

}
