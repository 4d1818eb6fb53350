import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { writeTinyModel } from "../fixtures/tiny-model/generate.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { runCli } from "./serve-cli.js";

/** `opensync admin reindex` on a real data dir, with the server stopped and with it running. */
const tmp = mkdtempSync(join(tmpdir(), "opensync-reindex-"));
const modelDir = writeTinyModel(join(tmp, "models"));
const EMBED_ENV = { OPENSYNC_EMBEDDINGS: "local", OPENSYNC_EMBEDDINGS_MODEL_PATH: modelDir };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

const TEXTS = ["the sqlite migration broke the schema", "add an index to the table", "the react button css layout is off", "render the component in the browser"];

async function seeded(): Promise<{ server: ServerProcess; key: string }> {
  const s = await startServer({ env: EMBED_ENV });
  const key = await s.createKey("reindex@example.com");
  const res = await s.request("/sync/batch", {
    method: "POST",
    key,
    body: {
      sessions: [{ externalId: "s1", source: "claude-code", title: "schema work" }],
      messages: TEXTS.map((t, i) => ({ sessionExternalId: "s1", externalId: `m${i}`, role: i % 2 ? "assistant" : "user", textContent: t, createdAt: 1_700_000_000_000 + i })),
    },
  });
  expect(res.status).toBe(200);
  for (let i = 0; i < 200; i++) {
    const status = (await (await s.request("/api/search/status", { key })).json()) as { indexed: number; pending: number; available: boolean; fulltext: { pending: number } };
    if (status.available && status.pending === 0 && status.indexed >= TEXTS.length && status.fulltext.pending === 0) return { server: s, key };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("not indexed in time");
}

const dbAt = (dataDir: string, file = "opensync.db") => new Database(join(dataDir, file));
/** Every chunk's float vector, by chunk text. */
const vectors = (dataDir: string) => {
  const db = dbAt(dataDir);
  try {
    const rows = db.prepare("SELECT c.text, v.vector FROM embedding_chunks c JOIN embedding_vectors v ON v.chunk_id = c.id ORDER BY c.text").all() as Array<{ text: string; vector: Buffer }>;
    return Object.fromEntries(rows.map((r) => [r.text, r.vector.toString("base64")]));
  } finally {
    db.close();
  }
};
/** Overwrites every stored vector with zeros, as a broken model would have left them. */
const zeroVectors = (dataDir: string) => {
  const db = dbAt(dataDir);
  db.prepare("UPDATE embedding_vectors SET vector = zeroblob(length(vector))").run();
  db.close();
};
const allZero = (v: Record<string, string>) => Object.values(v).every((b) => Buffer.from(b, "base64").every((x) => x === 0));
/** Empties the full-text index behind the indexer's back (its "backfilled" mark stays). */
const wipeFulltext = (dataDir: string) => {
  const db = dbAt(dataDir, "opensync-fts.db");
  db.exec("DELETE FROM fts_index");
  db.close();
};
const fulltextHits = async (s: ServerProcess, key: string, q: string) => {
  const res = await s.request(`/api/search?q=${encodeURIComponent(q)}&type=fulltext`, { key });
  expect(res.status).toBe(200);
  return ((await res.json()) as { total: number }).total;
};

describe("opensync admin reindex", () => {
  it("with the server stopped: rebuilds the full-text index from a new file and embeds in its own process; --force embeds every chunk again", async () => {
    const seed = await seeded();
    server = seed.server;
    const dataDir = server.dataDir;
    expect(await fulltextHits(server, seed.key, "migration")).toBe(1);
    await server.stop();
    wipeFulltext(dataDir);
    const good = vectors(dataDir);
    expect(Object.keys(good).length).toBeGreaterThanOrEqual(TEXTS.length);
    zeroVectors(dataDir);

    // Both indexes when neither flag is given; not a terminal: plain progress lines.
    const both = await runCli(["admin", "reindex", "--data-dir", dataDir, "--url", "http://127.0.0.1:9"], EMBED_ENV);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toMatch(/full-text\s+\[#{24}\] 100%\s+5\/5/); // 4 messages + 1 title
    expect(both.stderr).toMatch(/embeddings\s+\[#{24}\] 100%\s+4\/4/);
    // Unforced: every chunk already had a vector (content-hash dedupe), so none was embedded again.
    expect(allZero(vectors(dataDir))).toBe(true);

    const forced = await runCli(["admin", "reindex", "--embeddings", "--force", "--data-dir", dataDir, "--url", "http://127.0.0.1:9"], EMBED_ENV);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).not.toContain("full-text");
    // Forced: every chunk embedded again, to the same vectors the server computed.
    expect(vectors(dataDir)).toEqual(good);

    await server.restart();
    expect(await fulltextHits(server, seed.key, "migration")).toBe(1);
    let semantic = await server.request("/api/search?q=postgres%20database&type=semantic", { key: seed.key });
    // 409 while the restarted server loads its model.
    for (let i = 0; i < 100 && semantic.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 100));
      semantic = await server.request("/api/search?q=postgres%20database&type=semantic", { key: seed.key });
    }
    expect(semantic.status).toBe(200);
    expect(((await semantic.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0);
  }, 60_000);

  it("with the server running: queues the work for its workers and follows it to the end", async () => {
    const seed = await seeded();
    server = seed.server;
    wipeFulltext(server.dataDir);
    expect(await fulltextHits(server, seed.key, "migration")).toBe(0);
    const good = vectors(server.dataDir);
    zeroVectors(server.dataDir);

    const run = await runCli(["admin", "reindex", "--embeddings", "--fulltext", "--force", "--data-dir", server.dataDir, "--url", server.url], EMBED_ENV);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`The server at ${server.url} is running on this data dir`);
    expect(run.stderr).toMatch(/full-text\s+\[#{24}\] 100%/);
    expect(run.stderr).toMatch(/embeddings\s+\[#{24}\] 100%\s+4\/4/);
    expect(await fulltextHits(server, seed.key, "migration")).toBe(1);
    expect(vectors(server.dataDir)).toEqual(good);
  }, 60_000);

  it("finds the server that owns the data dir through its server.json, not through the configured URL", async () => {
    const other = await seeded();
    const stopped = await seeded();
    server = other.server;
    try {
      await stopped.server.stop();
      // The configured address answers, but that server serves another data dir: the work is done here.
      const elsewhere = await runCli(["admin", "reindex", "--fulltext", "--data-dir", stopped.server.dataDir, "--url", other.server.url], { ...EMBED_ENV, OPENSYNC_PORT: String(other.server.port) });
      expect(elsewhere.code, elsewhere.stderr).toBe(0);
      expect(elsewhere.stderr).not.toContain("is running on this data dir");
      expect(elsewhere.stderr).toMatch(/full-text\s+\[#{24}\] 100%\s+5\/5/);
      // The data dir's own server listens on a port nobody configured: it is found, and does the work.
      const owned = await runCli(["admin", "reindex", "--fulltext", "--data-dir", other.server.dataDir], { ...EMBED_ENV, OPENSYNC_PORT: "9" });
      expect(owned.code, owned.stderr).toBe(0);
      expect(owned.stderr).toContain(`The server at ${other.server.url} is running on this data dir`);
    } finally {
      await stopped.server.cleanup();
    }
  }, 60_000);

  it("refuses to embed with embeddings off when no server runs (usage error, nothing queued)", async () => {
    const seed = await seeded();
    server = seed.server;
    await server.stop();
    const run = await runCli(["admin", "reindex", "--embeddings", "off", "--data-dir", server.dataDir, "--url", "http://127.0.0.1:9"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("embeddings are off");
    const db = dbAt(server.dataDir);
    expect(db.prepare("SELECT count(*) FROM embedding_jobs").pluck().get()).toBe(0);
    db.close();
  }, 60_000);
});
