import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient, SearchResponse } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { batchOf, RELEVANCE_CASES, SESSIONS } from "./corpus.js";
import { marked, rankOf, waitIndexed } from "./helpers.js";

/**
 * Issue 9's relevance tests: the fixture corpus synced through the API into a real server, each
 * query's known answer in the top 3, for full-text and hybrid (hybrid runs with semantic search
 * unavailable until an embedding provider is configured; then the same cases must still pass).
 */
let server: ServerProcess;
let client: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  client = server.client(await server.createKey("relevance@example.com"));
  const batch = batchOf(SESSIONS);
  expect(await client.syncBatch(batch)).toMatchObject({ sessions: SESSIONS.length, errors: [] });
  await waitIndexed(client);
});
afterAll(() => server?.cleanup());

describe.each(["fulltext", "hybrid"] as const)("%s search ranks the known answer in the top 3", (type) => {
  test.each(RELEVANCE_CASES)("$kind: $q", async ({ q, expect: answer }) => {
    const res = await client.search({ q, type, limit: 10 });
    const rank = rankOf(res.results, answer);
    expect(rank, `${answer} ranked ${rank} for ${q}: ${res.results.map((r) => r.sessionExternalId).join(", ")}`).toBeLessThanOrEqual(3);
  });
});

describe("results cite where the match is", () => {
  test("a tool output hit names its message, position, role, time, field and highlights the term", async () => {
    const res = await client.search({ q: "ECONNREFUSED", type: "fulltext" });
    const top = res.results[0];
    expect(top).toMatchObject({ sessionExternalId: "pg-refused", title: "Integration tests cannot reach Postgres", source: "claude-code", projectName: "billing-service", machine: "workstation" });
    const hit = top.hits[0];
    // m00 user prompt, m01 the Bash call, m02 its output.
    expect(hit).toMatchObject({ messageExternalId: "pg-refused-m02", position: 2, role: "tool", field: "tool-output" });
    expect(top.messageId).toBe(hit.messageId);
    expect(typeof hit.createdAt).toBe("number");
    expect(marked(hit.snippet, hit.highlights).map((s) => s.toUpperCase())).toContain("ECONNREFUSED");
    expect(hit.snippet).not.toMatch(/<[a-z]/i);
  });

  test("an identifier piece is highlighted inside the identifier", async () => {
    const res = await client.search({ q: "SessionStore", type: "fulltext" });
    const top = res.results.find((r) => r.sessionExternalId === "zustand-store")!;
    expect(top.hits.flatMap((h) => marked(h.snippet, h.highlights))).toContain("SessionStore");
  });

  test("a flag is highlighted as the flag, and the word alone does not match it", async () => {
    const res = await client.search({ q: "--force", type: "fulltext", groupBy: "message" });
    expect(res.results.length).toBeGreaterThan(0);
    for (const r of res.results) expect(r.sessionExternalId).toBe("npm-force");
    expect(marked(res.results[0].snippet, res.results[0].highlights)).toContain("--force");
  });

  test("a title match cites the session with the title as snippet", async () => {
    const res = await client.search({ q: "Force-directed layout", type: "fulltext" });
    expect(res.results[0].sessionExternalId).toBe("force-graph");
  });

  test("message-level results: one row per matching message, best first, exact total", async () => {
    const res = await client.search({ q: "RateLimiter", type: "fulltext", groupBy: "message", limit: 100 });
    expect(res.total).toBe(res.results.length);
    expect(res.results.length).toBeGreaterThanOrEqual(3);
    for (const r of res.results) expect(r.hits).toHaveLength(1);
    const scores = res.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  test("filters: source, project, model, role, machine, date range, session", async () => {
    const search = async (q: string, query: Record<string, unknown>) =>
      (await client.search({ q, type: "fulltext", limit: 100, ...query } as never)).results.map((r) => r.sessionExternalId).sort();
    expect(await search("useSessionStore", { source: "claude-code" })).toEqual(["zustand-store"]);
    expect(await search("useSessionStore", { source: "codex" })).toEqual([]);
    expect(await search("ECONNREFUSED", { project: "billing-service" })).toEqual(["pg-refused"]);
    expect(await search("ECONNREFUSED", { project: "/home/dev/billing-service" })).toEqual(["pg-refused"]);
    expect(await search("ECONNREFUSED", { project: "web-dashboard" })).toEqual([]);
    expect(await search("mapper", { model: "gpt-5-codex" })).toEqual(["ts2345"]);
    expect(await search("mapper", { model: "gemini-2.5-pro" })).toEqual([]);
    expect(await search("ECONNREFUSED", { role: "user" })).toEqual([]);
    expect(await search("ECONNREFUSED", { role: "tool" })).toEqual(["pg-refused"]);
    expect(await search("redis", { machine: "laptop" })).toEqual(["rate-limit"]);
    expect(await search("redis", { machine: "workstation" })).toEqual(["cookie-sessions"]);
    // rate-limit is 45 days old, cookie-sessions 25 (T0 = 2026-11-20).
    expect(await search("redis", { from: "2026-10-20" })).toEqual(["cookie-sessions"]);
    expect(await search("redis", { to: "2026-10-20" })).toEqual(["rate-limit"]);
    expect(await search("redis", { sessionId: "rate-limit" })).toEqual(["rate-limit"]);
  });
});

describe("pages and cursors", () => {
  test("walking every page returns each matching session once, as many as the total", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let total = -1;
    let pages = 0;
    do {
      const page: SearchResponse = await client.search({ q: "the", type: "fulltext", limit: 2, cursor });
      if (total === -1) total = page.total;
      expect(page.total).toBe(total);
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...page.results.map((r) => r.sessionId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(total).toBeGreaterThan(4);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 2));
  });

  test("a cursor is refused for another query", async () => {
    const first = await client.search({ q: "the", type: "fulltext", limit: 2 });
    const res = await server.request(`/api/search?q=redis&type=fulltext&cursor=${first.nextCursor}`, { key: client.apiKey });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/cursor/);
    const garbage = await server.request(`/api/search?q=redis&cursor=not-a-cursor`, { key: client.apiKey });
    expect(garbage.status).toBe(400);
  });
});

describe("semantic search without an embedding provider", () => {
  test("type=semantic answers 409 and says how to enable it", async () => {
    const res = await server.request("/api/search?q=rate%20limiting&type=semantic", { key: client.apiKey });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; code: string; details: { reason: string } };
    expect(body.code).toBe("conflict");
    expect(body.error).toMatch(/^semantic search is unavailable: /);
    // The reason says how to turn it on (the harness starts servers with OPENSYNC_EMBEDDINGS=off).
    expect(body.details.reason).toMatch(/OPENSYNC_EMBEDDINGS/);
    expect(body.error).toContain(body.details.reason);
  });

  test("hybrid falls back to full-text and says so", async () => {
    const res = await client.search({ q: "ECONNREFUSED", type: "hybrid" });
    expect(res.type).toBe("hybrid");
    expect(res.degraded).toBe("no embedding provider");
    expect(res.results[0].sessionExternalId).toBe("pg-refused");
    const status = await client.searchStatus();
    expect(status).toMatchObject({ available: false, provider: "off" });
    expect(status.fulltext.indexed).toBeGreaterThan(40);
  });
});

describe("POST /search (PROTOCOL.md)", () => {
  test("takes {query, type, limit, filters} and answers PROTOCOL.md's fields", async () => {
    const res = await client.searchPost({ query: "TS2345", type: "fulltext", limit: 5, filters: { project: "web-dashboard" } });
    expect(res.type).toBe("fulltext");
    const r = res.results[0];
    for (const key of ["sessionId", "messageId", "title", "snippet", "score", "source", "model", "projectName", "createdAt"]) expect(r).toHaveProperty(key);
    expect(r.sessionExternalId).toBe("ts2345");
  });

  test("needs authentication, and rejects an empty query naming the field", async () => {
    expect((await server.request("/search", { body: { query: "x" } })).status).toBe(401);
    const res = await server.request("/search", { key: client.apiKey, body: { query: "  " } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/query/);
  });
});
