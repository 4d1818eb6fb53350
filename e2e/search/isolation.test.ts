import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ContextTextResponse, OpenSyncClient } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { batchOf, OTHER_USER, SESSIONS } from "./corpus.js";
import { waitIndexed } from "./helpers.js";

/**
 * Isolation (issue 9): no search or context call ever returns another user's text, whatever the
 * query, type, grouping or filter, and deleting sessions or one's data takes them out of search.
 */
let server: ServerProcess;
let alice: OpenSyncClient;
let bob: OpenSyncClient;
let bobSessionIds: Set<string>;

beforeAll(async () => {
  server = await startServer();
  const [a, b] = await Promise.all([server.createKey("alice@example.com"), server.createKey("bob@example.com")]);
  alice = server.client(a);
  bob = server.client(b);
  await alice.syncBatch(batchOf(SESSIONS));
  await bob.syncBatch(batchOf(OTHER_USER));
  await waitIndexed(alice);
  bobSessionIds = new Set((await bob.listSessions({ limit: 100 })).sessions.map((s) => s.id));
});
afterAll(() => server?.cleanup());

const QUERIES = ["zebracorn", "useSessionStore", "ECONNREFUSED", "--force-with-lease", "src/lib/auth.ts", "rate limiting", "Private", "secret-project", "useSess*"];

describe("another user's text never appears", () => {
  test.each(QUERIES)("search %s: Alice sees only her sessions", async (q) => {
    for (const type of ["fulltext", "hybrid"] as const) {
      for (const groupBy of ["session", "message"] as const) {
        const res = await alice.search({ q, type, groupBy, limit: 100 });
        for (const r of res.results) {
          expect(bobSessionIds.has(r.sessionId)).toBe(false);
          expect(r.snippet + r.hits.map((h) => h.snippet).join(" ")).not.toMatch(/zebracorn|secret-project/i);
        }
      }
    }
  });

  test("words only Bob has: nothing for Alice (search, POST /search, context), found for Bob", async () => {
    expect((await alice.search({ q: "zebracorn", type: "fulltext" })).total).toBe(0);
    expect((await alice.searchPost({ query: "zebracorn", type: "hybrid" })).results).toEqual([]);
    const ctx = (await alice.context({ q: "zebracorn" })) as ContextTextResponse;
    expect(ctx.sessionCount).toBe(0);
    expect(ctx.text).not.toMatch(/zebracorn/);
    const own = await bob.search({ q: "zebracorn", type: "fulltext" });
    expect(own.results.map((r) => r.sessionExternalId)).toEqual(["other-secret"]);
  });

  test("Bob's session id as a filter gives Alice nothing", async () => {
    const [bobSession] = [...bobSessionIds];
    expect((await alice.search({ q: "useSessionStore", sessionId: bobSession })).results).toEqual([]);
    expect((await alice.search({ q: "useSessionStore", sessionId: "other-secret" })).results).toEqual([]);
  });

  test("context for shared words cites only the caller's sessions", async () => {
    for (const format of ["text", "messages"] as const) {
      const ctx = await alice.context({ q: "useSessionStore ECONNREFUSED", format, limit: 50, maxTokens: 20_000 });
      for (const s of ctx.sources) expect(bobSessionIds.has(s.sessionId)).toBe(false);
      expect(JSON.stringify(ctx)).not.toMatch(/zebracorn|secret-project/);
    }
  });

  test("the status counts the caller's own indexed messages", async () => {
    const [a, b] = await Promise.all([alice.searchStatus(), bob.searchStatus()]);
    expect(b.fulltext.indexed).toBe(2);
    expect(a.fulltext.indexed).toBeGreaterThan(40);
  });
});

describe("deleted text leaves search", () => {
  test("DELETE /api/sessions/:id: gone from results at once and from the index after it drains", async () => {
    const before = await bob.searchStatus();
    await bob.deleteSession("other-secret");
    // Results are read from the main database: a deleted session is never cited, even before
    // the indexer has dropped it (the total follows once it has, within a poll).
    expect((await bob.search({ q: "zebracorn", type: "fulltext" })).results).toEqual([]);
    await waitIndexed(bob);
    expect((await bob.search({ q: "zebracorn", type: "fulltext" })).total).toBe(0);
    expect((await bob.searchStatus()).fulltext.indexed).toBe(before.fulltext.indexed - 2);
  });

  test("DELETE /api/me/data: nothing of the user is searchable or indexed", async () => {
    const probe = await server.createKey("carol@example.com");
    const carol = server.client(probe);
    await carol.syncBatch(batchOf(SESSIONS.slice(0, 3)));
    await waitIndexed(carol);
    expect((await carol.search({ q: "useSessionStore", type: "fulltext" })).total).toBe(1);
    await carol.deleteMyData();
    expect((await carol.search({ q: "useSessionStore", type: "fulltext" })).results).toEqual([]);
    await waitIndexed(carol);
    expect((await carol.search({ q: "useSessionStore", type: "fulltext" })).total).toBe(0);
    expect((await carol.searchStatus()).fulltext.indexed).toBe(0);
    // Alice's copy of the same sessions is untouched.
    expect((await alice.search({ q: "useSessionStore", type: "fulltext" })).total).toBe(1);
  });
});
