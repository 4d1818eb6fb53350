import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sessionInputSchema, messageInputSchema } from "@opensync/protocol";
import { writeTinyModel, TINY_MODEL_DIMENSIONS } from "../../../../e2e/fixtures/tiny-model/generate.js";
import { loadConfig } from "../config.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import type { Store } from "../store/types.js";
import { createSemanticSearch, type SemanticSearch } from "./index.js";
import { LocalEmbeddingProvider } from "./providers/local.js";
import { OpenAIEmbeddingProvider } from "./providers/openai.js";
import { normalize, ProviderError, type EmbeddingProvider } from "./providers/types.js";
import { dot, type IndexTuning } from "./vector-index.js";
import type { WorkerOptions } from "./worker.js";

const tmp = mkdtempSync(join(tmpdir(), "opensync-embeddings-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const modelDir = writeTinyModel(join(tmp, "models"));

/** A deterministic provider that counts what it embeds and can be told to fail. */
class CountingProvider implements EmbeddingProvider {
  readonly name = "openai" as const;
  embedded: string[] = [];
  failWith: ProviderError | null = null;
  refuse = new Set<string>();
  constructor(readonly model = "counting", private readonly width = 16) {}
  async load() {
    if (this.failWith) throw this.failWith;
    return this.width;
  }
  async embed(texts: string[]) {
    if (this.failWith) throw this.failWith;
    if (texts.some((t) => this.refuse.has(t))) throw new ProviderError("400: input refused", false);
    this.embedded.push(...texts);
    return texts.map((t) => {
      const v = new Float32Array(this.width);
      for (const word of t.toLowerCase().split(/\W+/).filter(Boolean)) {
        let h = 7;
        for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        v[h % this.width] += 1;
      }
      v[0] += 0.01;
      return normalize(v);
    });
  }
}

let dirCount = 0;
async function fixture(provider: EmbeddingProvider | null, dataDir = join(tmp, `data${dirCount++}`), tuning?: IndexTuning, worker: Partial<WorkerOptions> = {}) {
  const config = loadConfig({ dataDir }, {});
  const store = await openSqliteStore({ path: join(dataDir, "opensync.db") });
  const semantic = createSemanticSearch(config, undefined, { start: false, provider, worker: { minBackoffMs: 50, ...worker }, tuning });
  return { config, store, semantic, dataDir };
}

async function sync(store: Store, userId: string, sessionId: string, messages: Array<[string, string]>) {
  const sessions = [sessionInputSchema.parse({ externalId: sessionId, source: "claude-code", title: sessionId })];
  const msgs = messages.map(([id, text], i) => messageInputSchema.parse({ sessionExternalId: sessionId, externalId: id, role: i % 2 ? "assistant" : "user", textContent: text, createdAt: 1_700_000_000_000 + i }));
  await store.sync.applyBatch(userId, sessions, msgs, Date.now());
}

async function drain(semantic: SemanticSearch) {
  for (let i = 0; i < 100; i++) if ((await semantic.worker.runOnce()) === 0) return;
}

const open: Array<{ store: Store; semantic: SemanticSearch }> = [];
afterEach(async () => {
  for (const f of open.splice(0)) {
    await f.semantic.close();
    await f.store.close();
  }
});

async function user(store: Store, email: string) {
  return (await store.users.create({ email, role: "member" })).id;
}

describe("local provider (transformers.js on the generated BERT-shaped model)", () => {
  it("loads the model from a directory and embeds by meaning", async () => {
    const provider = new LocalEmbeddingProvider({ model: "unused", modelPath: modelDir, cacheDir: join(tmp, "cache"), timeoutMs: 30_000 });
    expect(await provider.load()).toBe(TINY_MODEL_DIMENSIONS);
    const [q, db, ui] = await provider.embed(["sqlite index", "postgres schema migration", "react button css"]);
    expect(dot(q, db)).toBeGreaterThan(dot(q, ui) + 0.3);
    expect(Math.abs(dot(q, q) - 1)).toBeLessThan(1e-5);
  });

  it("fails fast with a clear reason when the model directory is wrong, and when the hub is unreachable", async () => {
    const missing = new LocalEmbeddingProvider({ model: "x", modelPath: join(tmp, "nowhere"), cacheDir: join(tmp, "cache"), timeoutMs: 30_000 });
    await expect(missing.load()).rejects.toThrow(/has no config\.json/);
    const offline = new LocalEmbeddingProvider({ model: "Xenova/no-such-model-here", modelPath: null, cacheDir: join(tmp, "cache-offline"), timeoutMs: 20_000 });
    const started = Date.now();
    await expect(offline.load()).rejects.toThrow(/could not be loaded|cannot be reached|took longer/);
    expect(Date.now() - started).toBeLessThan(21_000);
  });
});

describe("openai provider against a mock /v1/embeddings", () => {
  let server: Server;
  let url: string;
  const requests: Array<{ auth?: string; body: { model: string; input: string[]; dimensions?: number } }> = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const body = JSON.parse(raw);
        requests.push({ auth: req.headers.authorization, body });
        if (req.url !== "/v1/embeddings") return res.writeHead(404).end();
        if (status !== 200) return res.writeHead(status, { "content-type": "application/json" }).end('{"error":{"message":"nope"}}');
        const data = body.input.map((t: string, index: number) => ({ object: "embedding", index, embedding: Array.from({ length: body.dimensions ?? 8 }, (_, j) => (j === t.length % (body.dimensions ?? 8) ? 3 : 0.1)) }));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: data.reverse(), model: body.model }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends model, input, dimensions and the key; answers normalised vectors in input order", async () => {
    const provider = new OpenAIEmbeddingProvider({ model: "text-embedding-3-small", url, apiKey: "sk-test", dimensions: 12, timeoutMs: 5000 });
    expect(await provider.load()).toBe(12);
    const [a, b] = await provider.embed(["abc", "abcd"]);
    expect(requests.at(-1)).toEqual({ auth: "Bearer sk-test", body: { model: "text-embedding-3-small", input: ["abc", "abcd"], dimensions: 12, encoding_format: "float" } });
    expect(a.indexOf(Math.max(...a))).toBe(3);
    expect(b.indexOf(Math.max(...b))).toBe(4);
    expect(Math.abs(dot(a, a) - 1)).toBeLessThan(1e-5);
  });

  it("tells provider failures (retry later) from refused input", async () => {
    const provider = new OpenAIEmbeddingProvider({ model: "m", url, apiKey: null, dimensions: null, timeoutMs: 5000 });
    status = 503;
    await expect(provider.embed(["x"])).rejects.toMatchObject({ retryable: true });
    status = 400;
    await expect(provider.embed(["x"])).rejects.toMatchObject({ retryable: false });
    status = 200;
    const down = new OpenAIEmbeddingProvider({ model: "m", url: "http://127.0.0.1:1/v1", apiKey: null, dimensions: null, timeoutMs: 5000 });
    await expect(down.embed(["x"])).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/unreachable/) });
  });
});

describe("embedding worker and job table", () => {
  it("embeds new messages once, dedupes unchanged text by content hash, and re-embeds only what changed", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider);
    open.push(f);
    const u = await user(f.store, "a@example.com");
    await sync(f.store, u, "s1", [["m1", "How do I add an index to the sessions table?"], ["m2", "Create it in a migration."], ["m3", "Create it in a migration."]]);
    expect((await f.semantic.status(u)).pending).toBe(3);
    await drain(f.semantic);
    // m3 repeats m2's text: embedded once.
    expect(provider.embedded).toEqual(["How do I add an index to the sessions table?", "Create it in a migration."]);
    expect(await f.semantic.status(u)).toMatchObject({ indexed: 3, pending: 0, failed: 0, available: true, dimensions: 16, model: "counting" });

    provider.embedded = [];
    await sync(f.store, u, "s1", [["m1", "How do I add an index to the sessions table?"], ["m2", "Create it in a migration, then run it."]]);
    await drain(f.semantic);
    expect(provider.embedded).toEqual(["Create it in a migration, then run it."]);
    expect((await f.semantic.status(u)).indexed).toBe(3);
  });

  it("leaves tool output to full-text search: a tool message's text is not embedded", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider);
    open.push(f);
    const u = await user(f.store, "tools@example.com");
    const session = sessionInputSchema.parse({ externalId: "s-tools", source: "claude-code" });
    const messages = [
      messageInputSchema.parse({ sessionExternalId: "s-tools", externalId: "ask", role: "user", textContent: "why does the build fail?", createdAt: 1 }),
      messageInputSchema.parse({ sessionExternalId: "s-tools", externalId: "out", role: "tool", textContent: "error TS2345: Argument of type string", createdAt: 2 }),
      messageInputSchema.parse({ sessionExternalId: "s-tools", externalId: "derived", role: "tool", parts: [{ type: "tool-result", content: { callId: "c", output: "npm ERR! code ELIFECYCLE" } }], createdAt: 3 }),
    ];
    await f.store.sync.applyBatch(u, [session], messages, Date.now());
    await drain(f.semantic);
    expect(provider.embedded).toEqual(["why does the build fail?"]);
    expect(await f.semantic.status(u)).toMatchObject({ indexed: 1, pending: 0, failed: 0 });
  });

  it("waits while a bulk import runs, then embeds everything (issue 8)", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider, undefined, undefined, { idleMs: 100 });
    open.push(f);
    const u = await user(f.store, "bulk@example.com");
    f.semantic.start();
    await new Promise((r) => setTimeout(r, 250)); // the worker's first look
    // Batches back to back for 1 s: thousands of messages a second, as `opensync import` sends.
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 1000) {
      await sync(f.store, u, `s${n}`, Array.from({ length: 200 }, (_, i) => [`m${i}`, `bulk message ${n} ${i} about imports`] as [string, string]));
      n++;
      if (performance.now() - started < 300) provider.embedded = []; // what the first look let through
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(provider.embedded).toEqual([]);
    const ended = performance.now();
    while ((await f.semantic.status(u)).pending > 0 && performance.now() - ended < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(await f.semantic.status(u)).toMatchObject({ indexed: n * 200, pending: 0 });
  });

  it("resumes after a restart: jobs left pending are embedded by the next worker", async () => {
    const provider = new CountingProvider();
    const first = await fixture(provider);
    const u = await user(first.store, "b@example.com");
    await sync(first.store, u, "s1", Array.from({ length: 10 }, (_, i) => [`m${i}`, `message number ${i} about testing`] as [string, string]));
    await first.semantic.close();
    await first.store.close();
    const second = await fixture(provider, first.dataDir);
    open.push(second);
    expect((await second.semantic.status(u)).pending).toBe(10);
    await drain(second.semantic);
    expect(await second.semantic.status(u)).toMatchObject({ indexed: 10, pending: 0 });
  });

  it("backs off while the provider fails, keeps the jobs, and fails only a message whose input is refused", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider);
    open.push(f);
    const u = await user(f.store, "c@example.com");
    await sync(f.store, u, "s1", [["m1", "first"], ["m2", "second"], ["m3", "poison"]]);
    provider.failWith = new ProviderError("embeddings API unreachable: ECONNREFUSED", true);
    expect(await f.semantic.worker.runOnce()).toBe(0);
    const s1 = await f.semantic.status(u);
    expect(s1).toMatchObject({ available: false, pending: 3, indexed: 0, lastError: "embeddings API unreachable: ECONNREFUSED" });
    expect(s1.reason).toMatch(/No embedding provider: .*ECONNREFUSED.*OPENSYNC_EMBEDDINGS=local/);
    expect(f.semantic.worker.state.backoffUntil).toBeGreaterThan(Date.now());
    // Within the backoff the provider is not called.
    provider.failWith = null;
    expect(await f.semantic.worker.runOnce()).toBe(0);
    expect(provider.embedded).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    provider.refuse.add("poison");
    for (let i = 0; i < 4; i++) {
      await f.semantic.worker.runOnce(Date.now() + 10 * 60_000);
    }
    expect(await f.semantic.status(u)).toMatchObject({ indexed: 2, pending: 0, failed: 1, lastError: "400: input refused" });
  });

  it("re-embeds everything when the model changes", async () => {
    const a = new CountingProvider("model-a");
    const f = await fixture(a);
    const u = await user(f.store, "d@example.com");
    await sync(f.store, u, "s1", [["m1", "alpha"], ["m2", "beta"]]);
    await drain(f.semantic);
    await f.semantic.close();
    const b = new CountingProvider("model-b", 24);
    const g = await fixture(b, f.dataDir);
    open.push(g);
    await f.store.close();
    await drain(g.semantic);
    expect(b.embedded.sort()).toEqual(["alpha", "beta"]);
    expect(await g.semantic.status(u)).toMatchObject({ model: "model-b", dimensions: 24, indexed: 2, pending: 0 });
  });

  it("searches only the asking user's chunks, and forgets deleted sessions", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider);
    open.push(f);
    const alice = await user(f.store, "alice@example.com");
    const bob = await user(f.store, "bob@example.com");
    await sync(f.store, alice, "a1", [["m1", "sqlite migration index"], ["m2", "unrelated words here"]]);
    await sync(f.store, bob, "b1", [["m1", "sqlite migration index"]]);
    await drain(f.semantic);
    const hits = await f.semantic.search({ userId: alice, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(hits[0]).toMatchObject({ chunkText: "sqlite migration index", field: "text" });
    const aliceSession = hits[0].sessionId;
    expect(hits.every((h) => h.sessionId === aliceSession)).toBe(true);
    expect(typeof hits[0].chunkId).toBe("string");
    expect(typeof hits[0].messageId).toBe("string");
    const bobHits = await f.semantic.search({ userId: bob, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(bobHits).toHaveLength(1);
    expect(bobHits[0].sessionId).not.toBe(aliceSession);
    // Filters: role user only.
    expect((await f.semantic.search({ userId: alice, query: "sqlite", filters: { role: "assistant" }, limit: 5 })).map((h) => h.chunkText)).toEqual(["unrelated words here"]);

    expect(await f.store.sessions.delete(alice, hits[0].sessionId)).toBe(true);
    expect((await f.semantic.status(alice)).indexed).toBe(0);
    await f.semantic.worker.runOnce();
    const codes = f.semantic.db.prepare("SELECT count(*) FROM vec.embedding_codes_rowids").pluck().get();
    expect(codes).toBe(1);
    expect(await f.semantic.search({ userId: alice, query: "sqlite migration index", filters: {}, limit: 5 })).toEqual([]);
  });

  it("a user past residentAt: the idle worker loads their codes into memory; searches read them there, only theirs; deletions leave the copy", async () => {
    const provider = new CountingProvider();
    const f = await fixture(provider, undefined, { residentAt: 3, candidates: 500 });
    open.push(f);
    const alice = await user(f.store, "alice2@example.com");
    const bob = await user(f.store, "bob2@example.com");
    await sync(f.store, alice, "a1", [["m1", "sqlite migration index"], ["m2", "unrelated words here"], ["m3", "docker deploy notes"]]);
    await sync(f.store, bob, "b1", [["m1", "sqlite migration index"], ["m2", "react button layout"]]);
    await drain(f.semantic);
    // Alice has 3 chunks (resident), Bob 2 (vec0).
    expect(f.semantic.index.residentUsers()).toEqual(new Map([[alice, 3]]));
    const hits = await f.semantic.search({ userId: alice, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(hits.map((h) => h.chunkText)).toEqual(["sqlite migration index", expect.any(String), expect.any(String)]);
    const aliceSession = hits[0].sessionId;
    expect(hits.every((h) => h.sessionId === aliceSession)).toBe(true);
    const bobHits = await f.semantic.search({ userId: bob, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(bobHits).toHaveLength(2);
    expect(bobHits.every((h) => h.sessionId !== aliceSession)).toBe(true);

    // After a restart, the first search of a large user waits for their codes to load (in slices)
    // instead of scanning vec0, and then answers from memory.
    const restarted = await fixture(provider, f.dataDir, { residentAt: 3, candidates: 500 });
    open.push(restarted);
    expect(await restarted.semantic.worker.ensureLoaded()).toBe(true);
    expect(restarted.semantic.index.residentUsers().size).toBe(0);
    const again = await restarted.semantic.search({ userId: alice, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(again.map((h) => h.chunkId)).toEqual(hits.map((h) => h.chunkId));
    expect(restarted.semantic.index.residentUsers()).toEqual(new Map([[alice, 3]]));
    await restarted.semantic.search({ userId: bob, query: "sqlite migration index", filters: {}, limit: 5 });
    expect(restarted.semantic.index.residentUsers().has(bob)).toBe(false);

    expect(await f.store.sessions.delete(alice, aliceSession)).toBe(true);
    await f.semantic.worker.runOnce();
    expect(f.semantic.index.residentUsers().get(alice)).toBe(0);
    expect(await f.semantic.search({ userId: alice, query: "sqlite migration index", filters: {}, limit: 5 })).toEqual([]);
  });
});
