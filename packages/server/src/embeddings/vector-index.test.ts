import { describe, expect, it } from "vitest";
import { openVectorConnection, writeWithRetry } from "./connection.js";
import { normalize } from "./providers/types.js";
import { binaryCode, VectorIndex } from "./vector-index.js";
import { openSqliteDatabase } from "../store/sqlite/open.js";
import { sqliteMigrations } from "../store/sqlite/migrations/index.js";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Seeded clustered vectors: topics (centres) plus noise, like sentence embeddings of many conversations. */
function corpus(n: number, dims: number, seed: number) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: 40 }, () => Array.from({ length: dims }, gauss));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rnd() * centres.length)];
    return normalize(c.map((x) => x + 1.2 * gauss()));
  });
}

async function migratedPath() {
  const path = join(mkdtempSync(join(tmpdir(), "opensync-vindex-")), "opensync.db");
  const raw = openSqliteDatabase({ path });
  const db = new Kysely({ dialect: new SqliteDialect({ database: raw }) });
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateToLatest();
  if (error) throw error;
  // Chunks need messages, sessions and users to exist.
  raw.exec(`INSERT INTO users (id, email, role, created_at) VALUES ('u1', 'u1@x', 'member', 0), ('u2', 'u2@x', 'member', 0)`);
  raw.exec(`INSERT INTO sessions (id, user_id, external_id, source, created_at, updated_at, synced_at) VALUES ('s1', 'u1', 's1', 'x', 0, 0, 0), ('s2', 'u2', 's2', 'x', 0, 0, 0)`);
  raw.exec(`INSERT INTO messages (id, session_id, user_id, external_id, role, created_at) VALUES (1, 's1', 'u1', 'm1', 'user', 0), (2, 's2', 'u2', 'm2', 'user', 0)`);
  await db.destroy();
  return path;
}

describe("vector index", () => {
  it("finds >= 95% of the exact top 10 (binary codes + float rescoring), and only the user's own", async () => {
    const db = openVectorConnection(await migratedPath());
    const dims = 384;
    const index = new VectorIndex(db, { residentAt: Infinity, candidates: 200 });
    const all = corpus(6050, dims, 42);
    const vectors = all.slice(0, 6000);
    const write = <T>(w: () => T) => writeWithRetry(db, w);
    // Queries from the same distribution (other texts on the same topics), not indexed themselves.
    const queries = all.slice(6000);
    await write(() => {
      index.ensure(dims);
      const insert = db.prepare("INSERT INTO embedding_chunks (id, message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, ?, ?, ?, 'text', '', '')");
      vectors.forEach((_, i) => insert.run(i + 1, i % 10 === 0 ? 2 : 1, i % 10 === 0 ? "s2" : "s1", i % 10 === 0 ? "u2" : "u1", i));
      index.add(vectors.slice(0, 4000).map((vector, i) => ({ chunkId: i + 1, userId: i % 10 === 0 ? "u2" : "u1", vector })));
    });
    await write(() => index.add(vectors.slice(4000).map((vector, j) => ({ chunkId: 4001 + j, userId: (4000 + j) % 10 === 0 ? "u2" : "u1", vector }))));
    let found = 0;
    for (const q of queries) {
      const exact = new Set(index.exact("u1", q, 10).map((h) => h.chunkId));
      const approx = index.search("u1", q, 10, 5400);
      expect(approx.every((h) => (h.chunkId - 1) % 10 !== 0)).toBe(true);
      found += approx.filter((h) => exact.has(h.chunkId)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    db.close();
  });

  it("resident codes: a large user's codes are loaded into memory and scanned there (>= 95% of the exact top 10, only their own); a small user's stay in vec0; writes keep the copy current", async () => {
    const path = await migratedPath();
    const db = openVectorConnection(path);
    // 128 sign bits are coarser than a real model's 384: more candidates make up for it here.
    const dims = 128;
    const index = new VectorIndex(db, { residentAt: 1000, candidates: 400 });
    const all = corpus(6050, dims, 7);
    const vectors = all.slice(0, 6000);
    const queries = all.slice(6000);
    const owner = (i: number) => (i % 10 === 0 ? "u2" : "u1");
    const write = <T>(w: () => T) => writeWithRetry(db, w);
    const insert = db.prepare("INSERT INTO embedding_chunks (id, message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, ?, ?, ?, 'text', '', '')");
    await write(() => {
      index.ensure(dims);
      vectors.forEach((_, i) => insert.run(i + 1, owner(i) === "u2" ? 2 : 1, owner(i) === "u2" ? "s2" : "s1", owner(i), i));
      index.add(vectors.slice(0, 5000).map((vector, i) => ({ chunkId: i + 1, userId: owner(i), vector })));
    });
    expect(index.residentUsers().size).toBe(0);

    // The first search of the large user is answered by vec0 and starts the load (its first slice
    // is read at once); rows written while it loads are in the copy.
    const first = index.search("u1", queries[0], 10, 4500);
    expect(first).toHaveLength(10);
    await write(() => index.add(vectors.slice(5000).map((vector, j) => ({ chunkId: 5001 + j, userId: owner(5000 + j), vector }))));
    await index.load("u1");
    expect(index.residentUsers()).toEqual(new Map([["u1", 5400]]));
    // maintain() finds no other user large enough.
    await index.maintain();
    expect([...index.residentUsers().keys()]).toEqual(["u1"]);

    let found = 0;
    for (const q of queries) {
      const exact = new Set(index.exact("u1", q, 10).map((h) => h.chunkId));
      const approx = index.search("u1", q, 10, 5400);
      expect(approx).toHaveLength(10);
      expect(approx.every((h) => owner(h.chunkId - 1) === "u1")).toBe(true);
      found += approx.filter((h) => exact.has(h.chunkId)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    // The small user is scanned whole in vec0, and only ever sees their own chunks.
    const small = index.search("u2", queries[0], 10, 600);
    expect(small.map((h) => h.chunkId)).toEqual(index.exact("u2", queries[0], 10).map((h) => h.chunkId));
    // A large user's query never returns the small user's chunks, even when it is one of theirs.
    expect(index.search("u1", vectors[0], 10, 5400).some((h) => h.chunkId === 1)).toBe(false);

    // The small user grows past residentAt: the next maintain() (counting only users who got
    // vectors since the last) loads them too; each copy answers for its own user only.
    const more = corpus(500, dims, 99);
    await write(() => {
      more.forEach((_, j) => insert.run(6001 + j, 2, "s2", "u2", 6000 + j));
      index.add(more.map((vector, j) => ({ chunkId: 6001 + j, userId: "u2", vector })));
    });
    await index.maintain();
    expect(index.residentUsers()).toEqual(new Map([["u1", 5400], ["u2", 1100]]));
    const u2Hits = index.search("u2", more[0], 10, 1100);
    expect(u2Hits[0].chunkId).toBe(6001);
    expect(u2Hits.every((h) => h.chunkId > 6000 || owner(h.chunkId - 1) === "u2")).toBe(true);

    // A replaced vector is found by its new value; a removed chunk is gone from the resident copy.
    const moved = queries[1];
    await write(() => index.add([{ chunkId: 2, userId: "u1", vector: moved }]));
    expect(index.search("u1", moved, 1, 5400)[0]).toEqual({ chunkId: 2, score: expect.closeTo(1, 5) });
    await write(() => {
      db.prepare("DELETE FROM embedding_chunks WHERE id = 2").run();
      index.remove([2]);
    });
    expect(index.residentUsers().get("u1")).toBe(5399);
    expect(index.search("u1", moved, 10, 5399).some((h) => h.chunkId === 2)).toBe(false);

    // Another process writing codes makes the copies stale: they are dropped and loaded again.
    const other = openVectorConnection(path);
    const otherIndex = new VectorIndex(other, { residentAt: 1000, candidates: 400 });
    await writeWithRetry(other, () => otherIndex.remove([3]));
    other.close();
    index.search("u1", queries[2], 10, 5399);
    expect(index.residentUsers().size).toBe(0);
    // Loaded again, from vec0's storage this time (chunk 3's code was deleted there, its vector
    // stays), and the same read from the float vectors: the same codes under the same ids.
    await index.load("u1");
    expect(index.residentUsers().get("u1")).toBe(5398);
    const fromVectors = new VectorIndex(db, { residentAt: 1000, candidates: 400 }, { storedCodes: false });
    await fromVectors.load("u1");
    expect(fromVectors.residentUsers().get("u1")).toBe(5399);
    const stored = index.residentCodes("u1")!;
    const computed = fromVectors.residentCodes("u1")!;
    for (let id = 1; id <= 6500; id++) {
      const own = id <= 6000 && owner(id - 1) === "u1" && id !== 2;
      expect(stored.has(id)).toBe(own && id !== 3);
      expect(computed.has(id)).toBe(own);
      if (own && id !== 3) {
        expect(Buffer.from(stored.code(id)!).equals(binaryCode(vectors[id - 1]))).toBe(true);
        expect(Buffer.from(computed.code(id)!).equals(binaryCode(vectors[id - 1]))).toBe(true);
      }
    }

    // A model change drops everything, the copies too.
    await write(() => index.drop());
    expect(index.residentUsers().size).toBe(0);
    db.close();
  }, 120_000);

  it("resident budget: past it, loading one user's copy drops the least recently searched; the idle worker loads no more", async () => {
    const db = openVectorConnection(await migratedPath());
    const dims = 64;
    const probe = new VectorIndex(db, { residentAt: 100, candidates: 100 });
    const all = corpus(3000, dims, 5);
    const owner = (i: number) => (i < 1000 ? "u1" : i < 2000 ? "u2" : "u3");
    const write = <T>(w: () => T) => writeWithRetry(db, w);
    db.exec(`INSERT INTO users (id, email, role, created_at) VALUES ('u3', 'u3@x', 'member', 0)`);
    db.exec(`INSERT INTO sessions (id, user_id, external_id, source, created_at, updated_at, synced_at) VALUES ('s3', 'u3', 's3', 'x', 0, 0, 0)`);
    db.exec(`INSERT INTO messages (id, session_id, user_id, external_id, role, created_at) VALUES (3, 's3', 'u3', 'm3', 'user', 0)`);
    await write(() => {
      probe.ensure(dims);
      const insert = db.prepare("INSERT INTO embedding_chunks (id, message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, ?, ?, ?, 'text', '', '')");
      all.forEach((_, i) => insert.run(i + 1, Number(owner(i).slice(1)), `s${owner(i).slice(1)}`, owner(i), i));
      probe.add(all.map((vector, i) => ({ chunkId: i + 1, userId: owner(i), vector })));
    });
    // A budget of 1 byte: room for one copy at a time (one user's copy is kept even when larger).
    const index = new VectorIndex(db, { residentAt: 100, candidates: 100, residentBudgetBytes: 1 });
    // Without a budget, the idle worker loads all three.
    await probe.maintain();
    expect([...probe.residentUsers().keys()].sort()).toEqual(["u1", "u2", "u3"]);

    // With it, the idle worker loads the first large user only.
    await index.maintain();
    expect(index.residentUsers().size).toBe(1);
    await index.load("u2");
    expect([...index.residentUsers().keys()]).toEqual(["u2"]);
    // u3's first search (the retriever waits for ready()) pushes u2 out; results are u3's own.
    await index.ready("u3", 1000);
    expect([...index.residentUsers().keys()]).toEqual(["u3"]);
    const hits = index.search("u3", all[2500], 10, 1000);
    expect(hits[0].chunkId).toBe(2501);
    expect(hits.every((h) => owner(h.chunkId - 1) === "u3")).toBe(true);
    // A user pushed out is searched through vec0 meanwhile (same answers), and loads again.
    expect(index.search("u2", all[1500], 10, 1000).map((h) => h.chunkId)).toEqual(probe.search("u2", all[1500], 10, 1000).map((h) => h.chunkId));
    await index.ready("u2", 1000);
    expect([...index.residentUsers().keys()]).toEqual(["u2"]);
    db.close();
  }, 120_000);
});
