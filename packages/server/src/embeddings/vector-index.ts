import type BetterSqlite3 from "better-sqlite3";
import { ResidentCodes } from "./resident-codes.js";

/**
 * The vector index: sqlite-vec's `vec0` holds a binary code (one sign bit per dimension) of every
 * chunk's vector, partitioned by user; `embedding_vectors` holds the float vectors.
 *
 * A query (1) finds the user's nearest binary codes by Hamming distance, and (2) rescores those
 * candidates exactly with their float vectors. Binary codes are 32x smaller than floats, and at
 * 500 candidates the rescoring recovers the exact top 10 (docs/benchmarks.md). Where the codes are
 * scanned depends on the user's size:
 *
 * - a user with fewer than `residentAt` vectors: vec0's scan of their partition (a few ms);
 * - a larger user: a copy of their codes resident in memory (`ResidentCodes`, 52 bytes a vector
 *   plus an id map), scanned whole with WebAssembly SIMD: ~10 ms of CPU at 1M chunks, where vec0
 *   takes 40-70 ms at k = 10-50 and more at k = 500. It is loaded in the background, in slices,
 *   the first time the user searches or the worker is idle; until then vec0 answers.
 *
 * vec0 stays the persistent copy (and is what a restart loads from nowhere: the resident copy is
 * rebuilt from the float vectors). Measured in docs/benchmarks.md; bench/search-semantic.mjs runs it.
 *
 * The user is a partition key, and the resident copies are per user: a query only ever scans that
 * user's codes.
 *
 * Earlier versions spread large users' codes over k-means IVF lists (the `list` partition key,
 * kept in the table so existing files need no rebuild: a user's scan covers all of their lists).
 * The lists could not reach recall@10 0.95 at 1M chunks within 50 ms; they are no longer trained.
 */

export interface IndexTuning {
  /** A user with at least this many vectors has their codes scanned in memory (see above). */
  residentAt: number;
  /**
   * Memory for all resident copies together. Past it, loading a user's copy drops the copies of
   * the users who searched least recently (they load again at their next search); the idle worker
   * loads nothing more. One user's copy is kept even when it alone is larger.
   */
  residentBudgetBytes?: number;
  /** Binary-code candidates rescored with float vectors, per query. */
  candidates: number;
}

/**
 * Resident from 10k vectors: vec0's scan of a 50k partition at 500 candidates costs ~37 ms of CPU
 * (docs/benchmarks.md), the resident scan well under 1 ms; 10k vectors hold ~0.9 MB in memory.
 * 500 candidates rather than 240: 240 found 0.92 of the exact top 10 at 100k (a topic has ~500
 * members and the sign bits alone cannot order them finely). 1 GiB of resident codes: ~15M
 * vectors of 384 dimensions (~70 MB per 1M).
 */
export const DEFAULT_TUNING: IndexTuning = { residentAt: 10_000, candidates: 500, residentBudgetBytes: 1 << 30 };

/** The vec0 `list` of every code (see "Earlier versions" above). */
const UNASSIGNED = -1;
const TABLE = "vec.embedding_codes";
/**
 * Rows read per slice while loading a user's resident codes (~0.75 MB of float vectors, ~5 ms of
 * CPU; measured at 1M chunks by bench/search-semantic.mjs: the longest stall of the event loop).
 */
const LOAD_PAGE = 500;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Inner product of two vectors of the same width (cosine for L2-normalised vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

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

/** `binaryCode` of a stored float32 blob, read in place when aligned (loading 1M of them copies 1.5 GB otherwise). */
function binaryCodeOf(blob: Buffer): Buffer {
  return binaryCode(blob.byteOffset % 4 === 0 ? new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4) : vectorFrom(blob));
}

export const vectorBytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const vectorFrom = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export class VectorIndex {
  private dims: number | null = null;
  /** Users whose codes are resident in memory and complete, least recently searched first. */
  private readonly resident = new Map<string, ResidentCodes>();
  /** Users whose codes are being loaded: the partial copy (kept current by add/remove) and the load. */
  private readonly loading = new Map<string, { codes: ResidentCodes; done: Promise<void> }>();
  /** Bumped by `drop` (and by another process's writes): loads started before it are abandoned. */
  private generation = 0;
  /** `PRAGMA vec.data_version` when last looked: it moves only when another connection commits codes. */
  private vecVersion = -1;
  /** Whether `maintain` has counted every user's vectors once; after that it counts `touched` users only. */
  private maintained = false;
  private readonly touched = new Set<string>();

  /** `storedCodes: false` loads resident codes from the float vectors only (tests compare the two ways). */
  constructor(
    private readonly db: BetterSqlite3.Database,
    readonly tuning: IndexTuning = DEFAULT_TUNING,
    private readonly options: { storedCodes?: boolean } = {},
  ) {
    this.dims = Number(this.meta("index_dims")) || null;
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

  /** Users whose codes are resident in memory (complete), and how many codes each. */
  residentUsers(): Map<string, number> {
    return new Map([...this.resident].map(([user, codes]) => [user, codes.count]));
  }

  /** The resident copy of a user's codes, once loaded (for tests and benchmarks). */
  residentCodes(userId: string): ResidentCodes | undefined {
    return this.resident.get(userId);
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
    // The k-means centroids of earlier versions (see the top of this file) are not used any more.
    this.setMeta("centroids", null);
  }

  /** Forgets every vector (model change). Call in a write transaction. */
  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS ${TABLE}`);
    this.db.exec("DELETE FROM embedding_vectors");
    this.setMeta("index_dims", null);
    this.setMeta("centroids", null);
    this.dims = null;
    this.forgetResident();
  }

  private forgetResident(): void {
    this.generation++;
    this.resident.clear();
    this.loading.clear();
    this.maintained = false;
  }

  private tableExists(): boolean {
    return !!this.db.prepare("SELECT 1 FROM vec.sqlite_master WHERE name = 'embedding_codes'").get();
  }

  /** The copy of `userId`'s codes to keep current, if any (complete or being loaded). */
  private residentOf(userId: string): ResidentCodes | undefined {
    return this.resident.get(userId) ?? this.loading.get(userId)?.codes;
  }

  /** Adds (or replaces) vectors. Call in a write transaction, after `ensure`. */
  add(entries: IndexEntry[]): void {
    const putVector = this.db.prepare("INSERT OR REPLACE INTO embedding_vectors (chunk_id, vector) VALUES (?, ?)");
    const delCode = this.db.prepare(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    const putCode = this.db.prepare(`INSERT INTO ${TABLE} (rowid, user_id, list, code) VALUES (?, ?, ?, vec_bit(?))`);
    for (const e of entries) {
      putVector.run(e.chunkId, vectorBytes(e.vector));
      const code = binaryCode(e.vector);
      delCode.run(BigInt(e.chunkId));
      putCode.run(BigInt(e.chunkId), e.userId, BigInt(UNASSIGNED), code);
      // Applied before the commit: if the transaction rolls back, the copy holds a code whose
      // vector is not stored, and rescoring (which reads the stored vectors) drops it.
      const resident = this.residentOf(e.userId);
      if (resident) resident.put(e.chunkId, code);
      else this.touched.add(e.userId);
    }
  }

  /** Removes the codes of deleted chunks (their float vectors went with the chunk rows). */
  remove(chunkIds: number[]): void {
    for (const codes of [...this.resident.values(), ...[...this.loading.values()].map((l) => l.codes)]) for (const id of chunkIds) codes.remove(id);
    if (!this.tableExists()) return;
    const del = this.db.prepare(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    for (const id of chunkIds) del.run(BigInt(id));
  }

  /**
   * How many vectors `userId` has: the resident copy's size when there is one (counting a large
   * user's chunks in SQL reads ~1M index entries per query: tens of ms), else a count of their chunks.
   */
  userCount(userId: string): number {
    const resident = this.resident.get(userId);
    if (resident) return resident.count;
    return this.db.prepare("SELECT count(*) FROM embedding_chunks WHERE user_id = ?").pluck().get(userId) as number;
  }

  /** Resolves once a user of `userCount` vectors can be searched in memory, if they are large enough to be. */
  async ready(userId: string, userCount: number): Promise<void> {
    if (!this.dims || !this.tableExists()) return;
    this.checkOutsideWrites();
    if (userCount >= this.tuning.residentAt && !this.resident.has(userId)) await this.load(userId);
  }

  /** Vectors indexed, all users. */
  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM embedding_vectors").pluck().get() as number) ?? 0;
  }

  /**
   * Another process wrote codes (two servers on one data dir, or a tool): the resident copies may
   * be stale, so they are dropped and loaded again. This connection's own commits do not move
   * data_version (SQLite: "PRAGMA data_version"), so the server's own worker costs nothing here.
   */
  private checkOutsideWrites(): void {
    const version = this.db.pragma("vec.data_version", { simple: true }) as number;
    if (this.vecVersion !== -1 && version !== this.vecVersion) this.forgetResident();
    this.vecVersion = version;
  }

  /**
   * The user's chunks nearest `query`, best first, scored by cosine similarity. `userCount`: how
   * many vectors the user has (decides whether their codes belong in memory).
   */
  search(userId: string, query: Float32Array, k: number, userCount: number, candidates = Math.max(this.tuning.candidates, k * 4)): ScoredChunk[] {
    if (!this.dims || !this.tableExists() || userCount === 0) return [];
    this.checkOutsideWrites();
    const code = binaryCode(query);
    // vec0 answers at most 4,096 neighbours; the resident scan is held to the same, which also
    // bounds the rescoring (4,096 float vectors read) of a filtered search asking for more.
    const want = Math.min(candidates, 4096);
    const resident = this.resident.get(userId);
    if (resident) {
      // Map order is insertion order: re-inserting makes this user the most recently searched.
      this.resident.delete(userId);
      this.resident.set(userId, resident);
      return this.rescore(resident.nearest(code, want), query, k);
    }
    if (userCount >= this.tuning.residentAt) void this.load(userId);
    const rows = this.db
      .prepare(`SELECT rowid AS id FROM ${TABLE} WHERE code MATCH vec_bit(?) AND k = ? AND user_id = ?`)
      .pluck()
      .all(code, want, userId) as Array<number | bigint>;
    return this.rescore(rows.map(Number), query, k);
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
   * Loads `userId`'s codes into memory, from their float vectors (the source of truth), a slice of
   * rows at a time with the event loop free in between (~10 ms a slice). Writes during the load go
   * to the partial copy too, so it is complete when the last slice is read. Resolves when resident
   * (or abandoned: the index was dropped, or the connection closed).
   */
  load(userId: string): Promise<void> {
    if (this.resident.has(userId) || !this.dims) return Promise.resolve();
    const pending = this.loading.get(userId);
    if (pending) return pending.done;
    const generation = this.generation;
    const codes = new ResidentCodes(this.dims);
    const current = () => generation === this.generation && this.db.open;
    const done = (async () => {
      // Not in the caller's turn: a search that starts the load is answered without waiting for a slice.
      await nextTurn();
      let read = false;
      try {
        read = this.options.storedCodes !== false && (await this.readStoredCodes(userId, codes, current));
      } catch {
        read = false;
      }
      // Codes put by a partial read are the stored ones: harmless if the vectors put them again.
      if (!read) await this.codesFromVectors(userId, codes, current);
      if (current()) {
        this.resident.set(userId, codes);
        this.keepWithinBudget(userId);
      }
    })()
      // A closed connection (shutdown) or a dropped table ends the load; the next search retries.
      .catch(() => undefined)
      .finally(() => {
        if (this.loading.get(userId)?.codes === codes) this.loading.delete(userId);
      });
    this.loading.set(userId, { codes, done });
    return done;
  }

  private residentBytes(): number {
    let bytes = 0;
    for (const codes of this.resident.values()) bytes += codes.memoryBytes;
    return bytes;
  }

  /** Drops the least recently searched copies (never `keep`'s) while the copies exceed the budget. */
  private keepWithinBudget(keep: string): void {
    const budget = this.tuning.residentBudgetBytes ?? Infinity;
    for (const user of [...this.resident.keys()]) {
      if (this.residentBytes() <= budget) return;
      if (user !== keep) this.resident.delete(user);
    }
  }

  /** Fills `codes` with the binary codes of the user's float vectors (the source of truth), a slice at a time. */
  private async codesFromVectors(userId: string, codes: ResidentCodes, current: () => boolean): Promise<void> {
    const page = this.db.prepare(
      "SELECT c.id, v.vector FROM embedding_chunks c JOIN embedding_vectors v ON v.chunk_id = c.id WHERE c.user_id = ? AND c.id > ? ORDER BY c.id LIMIT ?",
    );
    for (let after = 0; current(); ) {
      const rows = page.all(userId, after, LOAD_PAGE) as Array<{ id: number; vector: Buffer }>;
      if (rows.length === 0) return;
      for (const r of rows) codes.put(r.id, binaryCodeOf(r.vector));
      after = rows[rows.length - 1].id;
      await nextTurn();
    }
  }

  /**
   * Fills `codes` from vec0's own storage: 48 bytes a code where the float vectors are 1.5 KB, so
   * ~30x less to read (at 1M chunks: ~1 s of CPU against ~12 s). This reads sqlite-vec's shadow
   * tables, an internal layout (sqlite-vec.c of the pinned 0.1.9: `<table>_chunks` holds, per
   * partition, chunks of `size` slots with a `validity` bitmap (bit i of byte i/8 set: slot i is
   * live) and the slots' rowids as little-endian int64s; `<table>_vector_chunks00` holds the chunk's
   * codes packed, `size` x bytes; `<table>_rowids` maps a rowid to its chunk and offset). So it is
   * checked as it goes (columns, blob sizes, every chunk's first live slots against `_rowids`, the
   * first code against its float vector) and answers false at the first surprise: the caller then
   * reads the float vectors instead. A newer sqlite-vec with another layout costs time, not results.
   */
  private async readStoredCodes(userId: string, codes: ResidentCodes, current: () => boolean): Promise<boolean> {
    const bytes = Math.ceil(this.dims! / 8);
    const columns = new Set(this.db.prepare("SELECT name FROM pragma_table_info('embedding_codes_chunks', 'vec')").pluck().all() as string[]);
    if (!["chunk_id", "size", "partition00", "validity", "rowids"].every((c) => columns.has(c))) return false;
    const chunkPage = this.db.prepare("SELECT chunk_id AS id, size, validity, rowids FROM vec.embedding_codes_chunks WHERE partition00 = ? AND chunk_id > ? ORDER BY chunk_id LIMIT 4");
    const vectorsOf = this.db.prepare("SELECT vectors FROM vec.embedding_codes_vector_chunks00 WHERE rowid = ?").pluck();
    const placeOf = this.db.prepare("SELECT chunk_id AS chunk, chunk_offset AS offset FROM vec.embedding_codes_rowids WHERE rowid = ?");
    const floatOf = this.db.prepare("SELECT vector FROM embedding_vectors WHERE chunk_id = ?").pluck();
    let codeChecked = false;
    for (let after = 0; current(); ) {
      const chunks = chunkPage.all(userId, after) as Array<{ id: number; size: number; validity: Buffer; rowids: Buffer }>;
      if (chunks.length === 0) return true;
      for (const chunk of chunks) {
        const vectors = vectorsOf.get(chunk.id) as Buffer | undefined;
        if (!vectors || vectors.length < chunk.size * bytes || chunk.rowids.length < chunk.size * 8 || chunk.validity.length * 8 < chunk.size) return false;
        let placesChecked = 0;
        for (let slot = 0; slot < chunk.size; slot++) {
          if (!(chunk.validity[slot >> 3] & (1 << (slot & 7)))) continue;
          const id = Number(chunk.rowids.readBigInt64LE(slot * 8));
          const code = vectors.subarray(slot * bytes, (slot + 1) * bytes);
          if (placesChecked < 4) {
            const place = placeOf.get(id) as { chunk: number; offset: number } | undefined;
            if (!place || place.chunk !== chunk.id || place.offset !== slot) return false;
            placesChecked++;
          }
          if (!codeChecked) {
            const vector = floatOf.get(id) as Buffer | undefined;
            if (vector) {
              if (!binaryCodeOf(vector).equals(code)) return false;
              codeChecked = true;
            }
          }
          codes.put(id, code);
        }
        after = chunk.id;
      }
      await nextTurn();
    }
    return true;
  }

  /**
   * The worker's idle-time upkeep: loads the codes of every user at or above `residentAt` that is
   * not resident yet (so that their first search is fast too; a search would start the load itself).
   */
  async maintain(): Promise<void> {
    if (!this.dims || !this.tableExists()) return;
    this.checkOutsideWrites();
    let users: string[];
    if (!this.maintained) {
      // Once per process: every user's count (reads the whole user index, ~0.1 s at 1M chunks).
      this.maintained = true;
      this.touched.clear();
      users = this.db.prepare("SELECT user_id FROM embedding_chunks GROUP BY user_id HAVING count(*) >= ?").pluck().all(this.tuning.residentAt) as string[];
    } else {
      // Then only the users who got vectors since, and are not resident: small counts, cheap.
      const count = this.db.prepare("SELECT count(*) FROM embedding_chunks WHERE user_id = ?").pluck();
      users = [...this.touched].filter((user) => !this.resident.has(user) && (count.get(user) as number) >= this.tuning.residentAt);
      this.touched.clear();
    }
    for (const user of users) {
      // The idle worker does not push anyone out: past the budget, searches decide who is resident.
      if (this.residentBytes() >= (this.tuning.residentBudgetBytes ?? Infinity)) return;
      await this.load(user);
    }
  }
}
