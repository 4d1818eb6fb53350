import { afterAll, beforeAll, expect, test } from "vitest";
import type { OpenSyncClient, SearchResponse } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { waitIndexed } from "./helpers.js";

/**
 * A broad full-text query over a real server (issue 9, search at scale): more than 2,000 matching
 * messages are counted up to 2,000 and flagged (`totalIsEstimate`), pages end with the ranked
 * matches (`nextCursor` null after them), narrower queries keep an exact total without the flag,
 * and another user's matches are never counted. A quoted phrase is counted up to the 500 matches
 * it is ranked on.
 */
let server: ServerProcess;
let a: OpenSyncClient;
let b: OpenSyncClient;

const T0 = Date.parse("2026-11-20T12:00:00Z");

async function syncMessages(client: OpenSyncClient, prefix: string, sessions: number, perSession: number, text: (i: number) => string) {
  const all = Array.from({ length: sessions * perSession }, (_, i) => ({
    sessionExternalId: `${prefix}-s${Math.floor(i / perSession)}`, externalId: `${prefix}-m${i}`, role: i % 2 ? "assistant" : "user",
    textContent: text(i), createdAt: T0 + i * 1000,
  }));
  for (let i = 0; i < all.length; i += 500) {
    const sessionIds = [...new Set(all.slice(i, i + 500).map((m) => m.sessionExternalId))];
    const res = await client.syncBatch({ sessions: sessionIds.map((externalId) => ({ externalId, source: "claude-code", title: `work ${externalId}` })), messages: all.slice(i, i + 500) } as never);
    expect(res.errors).toEqual([]);
  }
}

beforeAll(async () => {
  server = await startServer();
  a = server.client(await server.createKey("broad-a@example.com"));
  b = server.client(await server.createKey("broad-b@example.com"));
  // A: 2,100 messages with "alpha", every 300th with "gamma" too. B: "gamma" in 40 messages.
  await syncMessages(a, "a", 3, 700, (i) => `alpha step ${i}${i % 300 === 0 ? " gamma" : ""}`);
  await syncMessages(b, "b", 1, 40, () => "gamma of user b");
  await waitIndexed(a, 60_000);
}, 120_000);
afterAll(() => server?.cleanup());

/** Every page of user A's message-level results for `q`, each flagged with `total` as a lower bound. */
async function pageThrough(q: string, total: number): Promise<{ seen: Set<string>; pages: number }> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page: SearchResponse = await a.search({ q, type: "fulltext", groupBy: "message", limit: 100, cursor });
    expect(page).toMatchObject({ total, totalIsEstimate: true });
    for (const r of page.results) seen.add(r.messageId!);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 50);
  return { seen, pages };
}

test("more than 2,000 matches: total 2,000 flagged as a lower bound, pages end with the ranked matches", async () => {
  const { seen, pages } = await pageThrough("alpha", 2000);
  // Ranked without BM25 (a broad query): its 500 newest matches, each once.
  expect(seen.size).toBe(500);
  expect(pages).toBe(5);
  const sessions = await a.search({ q: "alpha", type: "fulltext", limit: 20 });
  expect(sessions.totalIsEstimate).toBe(true);
  expect(sessions.total).toBeGreaterThanOrEqual(1);
  expect(sessions.total).toBeLessThanOrEqual(3);
});

test("a narrow query keeps an exact total and no flag; another user's matches are not counted", async () => {
  const res = await a.search({ q: "gamma", type: "fulltext", groupBy: "message", limit: 100 });
  expect(res.total).toBe(7);
  expect(res.results).toHaveLength(7);
  expect(res).not.toHaveProperty("totalIsEstimate");
  expect(res.nextCursor).toBeNull();
  const other = await b.search({ q: "gamma", type: "fulltext", groupBy: "message", limit: 100 });
  expect(other.total).toBe(40);
  const raw = await server.request("/api/search?q=alpha&type=fulltext", { key: b.apiKey });
  expect(((await raw.json()) as SearchResponse).total).toBe(0);
});

test("a phrase is counted up to the 500 matches it is ranked on; fewer, or narrowed by filters, exactly", async () => {
  const { seen, pages } = await pageThrough('"alpha step"', 500);
  expect(seen.size).toBe(500);
  expect(pages).toBe(5);
  // Messages 600..699 by date (one second apart from T0): exact, no flag.
  const dated = await a.search({ q: '"alpha step"', type: "fulltext", groupBy: "message", limit: 100, from: T0 + 600_000, to: T0 + 700_000 });
  expect(dated.total).toBe(100);
  expect(dated).not.toHaveProperty("totalIsEstimate");
  // One session (700 matches): counted to 500 as well; a phrase out of order: none.
  const one = await a.search({ q: '"alpha step"', type: "fulltext", groupBy: "message", limit: 10, sessionId: "a-s0" });
  expect(one).toMatchObject({ total: 500, totalIsEstimate: true });
  expect((await a.search({ q: '"step alpha"', type: "fulltext" })).total).toBe(0);
  const gamma = await a.search({ q: '"300 gamma"', type: "fulltext", groupBy: "message" });
  expect(gamma.total).toBe(1);
  expect(gamma).not.toHaveProperty("totalIsEstimate");
});
