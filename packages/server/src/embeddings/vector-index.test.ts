import { describe, expect, it } from "vitest";
import { openVectorConnection, writeWithRetry } from "./connection.js";
import { normalize } from "./providers/types.js";
import { VectorIndex } from "./vector-index.js";
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
    const index = new VectorIndex(db, { trainAt: Infinity, lists: 16, probes: 8, exactBelow: Infinity, candidates: 200 });
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

  it("IVF lists: a large user's codes move into k-means lists and probing them finds >= 95% of the exact top 10; a small user's stay in one partition", async () => {
    const db = openVectorConnection(await migratedPath());
    // 128 sign bits are coarser than a real model's 384: more candidates make up for it here.
    const dims = 128;
    const tuning = { trainAt: 3000, lists: 16, probes: 4, exactBelow: 1000, candidates: 400 };
    const index = new VectorIndex(db, tuning);
    const all = corpus(6050, dims, 7);
    const vectors = all.slice(0, 6000);
    const queries = all.slice(6000);
    const owner = (i: number) => (i % 10 === 0 ? "u2" : "u1");
    const write = <T>(w: () => T) => writeWithRetry(db, w);
    await write(() => {
      index.ensure(dims);
      const insert = db.prepare("INSERT INTO embedding_chunks (id, message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, ?, ?, ?, 'text', '', '')");
      vectors.forEach((_, i) => insert.run(i + 1, owner(i) === "u2" ? 2 : 1, owner(i) === "u2" ? "s2" : "s1", owner(i), i));
      index.add(vectors.map((vector, i) => ({ chunkId: i + 1, userId: owner(i), vector })));
    });
    expect(index.trained()).toBe(false);
    expect(await index.maybeTrain(write)).toBe(true);
    expect(index.trained()).toBe(true);

    const lists = (user: string) => db.prepare("SELECT list, count(*) AS n FROM vec.embedding_codes WHERE user_id = ? GROUP BY list").all(user) as Array<{ list: number; n: number }>;
    const large = lists("u1");
    expect(large.some((l) => l.list === -1)).toBe(false);
    expect(large.length).toBeGreaterThan(8);
    expect(large.reduce((sum, l) => sum + l.n, 0)).toBe(5400);
    expect(lists("u2")).toEqual([{ list: -1, n: 600 }]);

    let found = 0;
    for (const q of queries) {
      const exact = new Set(index.exact("u1", q, 10).map((h) => h.chunkId));
      const approx = index.search("u1", q, 10, 5400);
      expect(approx).toHaveLength(10);
      expect(approx.every((h) => owner(h.chunkId - 1) === "u1")).toBe(true);
      found += approx.filter((h) => exact.has(h.chunkId)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    // The small user is scanned whole, and only ever sees their own chunks.
    const small = index.search("u2", queries[0], 10, 600);
    expect(small.map((h) => h.chunkId)).toEqual(index.exact("u2", queries[0], 10).map((h) => h.chunkId));

    // A vector added later for the large user lands in its nearest list, not the unassigned one.
    await write(() => index.add([{ chunkId: 1, userId: "u1", vector: vectors[0] }]));
    expect((db.prepare("SELECT list FROM vec.embedding_codes WHERE rowid = 1").pluck().get() as number) >= 0).toBe(true);
    db.close();
  }, 120_000);
});
