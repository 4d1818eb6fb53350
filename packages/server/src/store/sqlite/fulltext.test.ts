import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema } from "@opensync/protocol";
import { parseQuery } from "../../search/query.js";
import { UnavailableSemanticRetriever } from "../../search/unavailable-semantic.js";
import { SearchService } from "../../services/search.js";
import type { Store } from "../types.js";
import { SqliteFulltextIndex, SqliteFulltextIndexer } from "./fulltext.js";
import { openSqliteStore } from "./open.js";

let dir: string;
let path: string;
let store: Store;
let userA: string;
let userB: string;

async function sync(userId: string, sessions: unknown[], messages: unknown[]) {
  await store.sync.applyBatch(
    userId,
    sessions.map((s) => sessionInputSchema.parse(s)),
    messages.map((m) => messageInputSchema.parse(m)),
    Date.now(),
  );
}

const scope = (userId: string, filters = {}) => ({ userId, filters, now: Date.now() });
const all = (q: string) => ({ query: parseQuery(q), mode: "all" as const });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opensync-fts-"));
  path = join(dir, "opensync.db");
  store = await openSqliteStore({ path });
  userA = (await store.users.create({ email: "a@example.com", role: "owner" })).id;
  userB = (await store.users.create({ email: "b@example.com", role: "member" })).id;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite full-text index", () => {
  it("indexes text, tool calls, tool output, reasoning and titles from the queue, per user", async () => {
    await sync(userA, [{ externalId: "s1", source: "claude-code", title: "Fix the auth middleware" }], [
      { sessionExternalId: "s1", externalId: "m1", role: "user", textContent: "why does useSessionStore throw?", createdAt: 1000 },
      {
        sessionExternalId: "s1", externalId: "m2", role: "assistant", createdAt: 2000,
        parts: [
          { type: "reasoning", content: { text: "probably a stale closure" } },
          { type: "tool-call", content: { toolName: "Bash", args: { command: "git push --force origin main" } } },
        ],
      },
      { sessionExternalId: "s1", externalId: "m3", role: "tool", createdAt: 3000, parts: [{ type: "tool-result", content: { output: "Error: connect ECONNREFUSED 127.0.0.1:5432" } }] },
    ]);
    await sync(userB, [{ externalId: "s9", source: "codex", title: "other user" }], [
      { sessionExternalId: "s9", externalId: "m1", role: "user", textContent: "useSessionStore ECONNREFUSED secret of B", createdAt: 1000 },
    ]);
    const indexer = new SqliteFulltextIndexer(path);
    indexer.backfill();
    expect(indexer.drainAll()).toBeGreaterThan(0);
    expect(indexer.pending()).toBe(0);
    const index = new SqliteFulltextIndex(path);
    try {
      const docs = async (q: string, user = userA) => (await index.rank(all(q), scope(user))).docs;
      expect((await docs("SessionStore")).map((d) => d.messageId)).toHaveLength(1);
      expect(await docs("ECONNREFUSED")).toHaveLength(1);
      expect(await docs("--force")).toHaveLength(1);
      expect(await docs("stale closure")).toHaveLength(1);
      expect(await docs("useSess*")).toHaveLength(1);
      const title = await docs("middleware");
      expect(title).toHaveLength(1);
      expect(title[0].messageId).toBeUndefined();
      // B's text is never matched for A, and the other way round.
      expect(await docs("secret")).toHaveLength(0);
      expect(await docs("middleware", userB)).toHaveLength(0);
      expect((await index.rank(all("ECONNREFUSED"), scope(userB))).counts).toEqual({ documents: 1, sessions: 1, estimated: false });
      expect((await index.rank(all("useSessionStore"), scope(userA))).counts).toEqual({ documents: 1, sessions: 1, estimated: false });
      // Filters: role, date range.
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { role: "user" }))).docs).toHaveLength(0);
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { from: 2500 }))).docs).toHaveLength(1);
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { to: 2500 }))).docs).toHaveLength(0);
      // A session filter reads that session's id range only: its own matches, never another user's
      // session of the same external id, nothing for an unknown one.
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { sessionId: "s1" }))).docs).toHaveLength(1);
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { sessionId: "s9" }))).docs).toHaveLength(0);
      expect((await index.rank(all("ECONNREFUSED"), scope(userB, { sessionId: "s9" }))).docs).toHaveLength(1);
      expect((await index.rank(all("ECONNREFUSED"), scope(userA, { sessionId: "nope" }))).counts).toEqual({ documents: 0, sessions: 0, estimated: false });
      expect((await index.status(userA)).pending).toBe(0);
    } finally {
      await index.close();
      indexer.close();
    }
  });

  it("re-indexes a re-synced message and drops deleted sessions from the index", async () => {
    await sync(userA, [{ externalId: "s1", title: "first title" }], [
      { sessionExternalId: "s1", externalId: "m1", role: "user", textContent: "alpha words", createdAt: 1000 },
    ]);
    const indexer = new SqliteFulltextIndexer(path);
    const index = new SqliteFulltextIndex(path);
    try {
      indexer.backfill();
      indexer.drainAll();
      await sync(userA, [{ externalId: "s1", title: "second title" }], [
        { sessionExternalId: "s1", externalId: "m1", role: "user", textContent: "bravo words", createdAt: 1000 },
      ]);
      indexer.drainAll();
      expect((await index.rank(all("alpha"), scope(userA))).docs).toHaveLength(0);
      expect((await index.rank(all("bravo"), scope(userA))).docs).toHaveLength(1);
      expect((await index.rank(all("first"), scope(userA))).docs).toHaveLength(0);
      expect((await index.rank(all("second"), scope(userA))).docs).toHaveLength(1);
      expect((await index.status(userA)).indexed).toBe(1);

      // The indexer never writes the main file; the server's thread prunes what it drained,
      // keeping the last row so new ids keep growing past the index's mark.
      expect(await index.prune()).toBeGreaterThan(0);
      expect(await index.prune()).toBe(0);
      await sync(userA, [], [{ sessionExternalId: "s1", externalId: "m2", role: "user", textContent: "charlie after prune", createdAt: 2000 }]);
      expect((await index.status(userA)).pending).toBe(1);
      indexer.drainAll();
      expect((await index.rank(all("charlie"), scope(userA))).docs).toHaveLength(1);

      await store.sessions.deleteAll(userA);
      indexer.drainAll();
      expect((await index.status(userA)).indexed).toBe(0);
      expect((await index.rank(all("words"), scope(userA))).counts).toEqual({ documents: 0, sessions: 0, estimated: false });
      expect((await index.rank(all("second"), scope(userA))).counts).toEqual({ documents: 0, sessions: 0, estimated: false });
    } finally {
      await index.close();
      indexer.close();
    }
  });

  it("ranks a broad query over its newest matches and counts up to the cap, then says the total is a lower bound", async () => {
    // 3 sessions × 10 messages with "alpha"; "bravo" in 6 of them. Window 5, cap 12 (production: 2,000 and 10,000).
    const sessions = [0, 1, 2].map((n) => ({ externalId: `s${n}`, title: `session ${n}` }));
    const messages = sessions.flatMap((s, n) =>
      Array.from({ length: 10 }, (_, i) => ({
        sessionExternalId: s.externalId, externalId: `m${n}-${i}`, role: "user", createdAt: 1000 + n * 100 + i,
        textContent: `alpha number ${i}${i % 5 === 0 ? " bravo" : ""}${n === 2 && i < 4 ? " bravo" : ""}`,
      })),
    );
    await sync(userA, sessions, messages);
    const indexer = new SqliteFulltextIndexer(path);
    const index = new SqliteFulltextIndex(path, undefined, { rankWindow: 5, countCap: 12 });
    try {
      indexer.backfill();
      indexer.drainAll();
      const broad = await index.rank(all("alpha"), scope(userA));
      expect(broad.counts).toEqual({ documents: 12, sessions: 2, estimated: true });
      // The window is the newest session's last five messages (documents are numbered per session in sync order).
      expect(broad.docs.map((d) => d.messageId).length).toBe(5);
      expect(new Set(broad.docs.map((d) => d.sessionId)).size).toBe(1);
      const bravo = await index.rank(all("bravo"), scope(userA));
      expect(bravo.counts).toEqual({ documents: 9, sessions: 3, estimated: false });
      expect(bravo.docs).toHaveLength(5);
      const narrow = await index.rank(all("number bravo"), scope(userA, { sessionId: "s0" }));
      expect(narrow.counts).toEqual({ documents: 2, sessions: 1, estimated: false });

      // Through the service: `total` flagged as a lower bound, and pages end with the ranked window.
      const search = new SearchService(index, new UnavailableSemanticRetriever());
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        pages++;
        const page = await search.search(userA, { q: "alpha", type: "fulltext", groupBy: "message", limit: 2, cursor, filters: {} });
        expect(page).toMatchObject({ total: 12, totalIsEstimate: true });
        seen.push(...page.results.map((r) => r.messageId!));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(5);
      expect(seen).toEqual(broad.docs.map((d) => d.messageId));
      const exact = await search.search(userA, { q: "bravo", type: "fulltext", groupBy: "session", limit: 20, filters: {} });
      expect(exact.total).toBe(3);
      expect(exact).not.toHaveProperty("totalIsEstimate");
    } finally {
      await index.close();
      indexer.close();
    }
  });

  it("counts a phrase of prose up to the ranked window: its newest matches, the same with filters, pages in rank order", async () => {
    const T0 = Date.parse("2026-11-20T12:00:00Z");
    // 3 sessions × 4 messages with "alpha beta" (session s2 synced last: the newest documents), and
    // "alpha" alone in one more message. Rank window 5, count cap 10: a phrase is counted to 5.
    const sessions = [0, 1, 2].map((n) => ({ externalId: `s${n}`, title: `session ${n}`, projectName: n === 0 ? "old" : "new" }));
    const messages = sessions.flatMap((s, n) => [
      ...Array.from({ length: 4 }, (_, i) => ({
        sessionExternalId: s.externalId, externalId: `m${n}-${i}`, role: "user", createdAt: T0 + n * 100 + i,
        textContent: `alpha beta number ${i}`,
      })),
      { sessionExternalId: s.externalId, externalId: `m${n}-x`, role: "user", createdAt: T0 + n * 100 + 9, textContent: "beta then alpha" },
    ]);
    for (const [n, s] of sessions.entries()) await sync(userA, [s], messages.filter((m) => m.sessionExternalId === `s${n}`));
    const indexer = new SqliteFulltextIndexer(path);
    const index = new SqliteFulltextIndex(path, undefined, { rankWindow: 5, countCap: 10 });
    const ids = async (docs: Array<{ messageId?: string }>) => {
      const details = await index.messageDetails(userA, docs.map((d) => d.messageId!));
      return docs.map((d) => details.get(d.messageId!)!.externalId).sort();
    };
    try {
      indexer.backfill();
      indexer.drainAll();
      // 12 matches: the newest 6 are read, 5 counted (a lower bound) and ranked: s2's four and s1's newest.
      const phrase = await index.rank(all('"alpha beta"'), scope(userA));
      expect(phrase.counts).toEqual({ documents: 5, sessions: 2, estimated: true });
      expect(await ids(phrase.docs)).toEqual(["m1-3", "m2-0", "m2-1", "m2-2", "m2-3"]);
      // Words (no positions to check) are still counted to the cap: 15 documents have both.
      expect((await index.rank(all("alpha beta"), scope(userA))).counts).toEqual({ documents: 10, sessions: 3, estimated: true });
      // At most the window: exact. One session; one project; a date range; a phrase of two words in order only.
      expect((await index.rank(all('"alpha beta"'), scope(userA, { sessionId: "s0" }))).counts).toEqual({ documents: 4, sessions: 1, estimated: false });
      const old = await index.rank(all('"alpha beta"'), scope(userA, { project: "old" }));
      expect(old.counts).toEqual({ documents: 4, sessions: 1, estimated: false });
      expect(await ids(old.docs)).toEqual(["m0-0", "m0-1", "m0-2", "m0-3"]);
      const dated = await index.rank(all('"alpha beta"'), scope(userA, { from: T0 + 100, to: T0 + 102 }));
      expect(await ids(dated.docs)).toEqual(["m1-0", "m1-1"]);
      expect(dated.counts).toEqual({ documents: 2, sessions: 1, estimated: false });
      expect((await index.rank(all('"beta then alpha"'), scope(userA))).counts).toEqual({ documents: 3, sessions: 3, estimated: false });

      // Through the service: the flag, and pages that walk the ranked matches once each, in order.
      const search = new SearchService(index, new UnavailableSemanticRetriever());
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await search.search(userA, { q: '"alpha beta"', type: "fulltext", groupBy: "message", limit: 2, cursor, filters: {} });
        expect(page).toMatchObject({ total: 5, totalIsEstimate: true });
        seen.push(...page.results.map((r) => r.messageId!));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(phrase.docs.map((d) => d.messageId));
      const few = await search.search(userA, { q: '"beta then alpha"', type: "fulltext", groupBy: "session", limit: 20, filters: {} });
      expect(few.total).toBe(3);
      expect(few).not.toHaveProperty("totalIsEstimate");
    } finally {
      await index.close();
      indexer.close();
    }
  });

  it("ranks phrases and broad queries by where the match is (title, prompt, reply, output), and by how many words of an any-word query", async () => {
    await sync(userA, [{ externalId: "s1", title: "alpha beta plan" }], [
      // The output is the newest, the prompt the oldest: the weights, not the recency boost, decide.
      { sessionExternalId: "s1", externalId: "m1", role: "tool", textContent: "alpha beta output", createdAt: Date.now() },
      { sessionExternalId: "s1", externalId: "m2", role: "assistant", textContent: "alpha beta it is, gamma and delta", createdAt: Date.now() - 1000 },
      { sessionExternalId: "s1", externalId: "m3", role: "user", textContent: "alpha beta?", createdAt: Date.now() - 2000 },
      { sessionExternalId: "s1", externalId: "m4", role: "tool", textContent: "delta only", createdAt: Date.now() - 3000 },
    ]);
    const indexer = new SqliteFulltextIndexer(path);
    const index = new SqliteFulltextIndex(path, undefined, { rankWindow: 3, countCap: 3 });
    try {
      indexer.backfill();
      indexer.drainAll();
      const external = async (ids: Array<string | undefined>) => {
        const details = await index.messageDetails(userA, ids.filter((id): id is string => id !== undefined));
        return ids.map((id) => (id === undefined ? "title" : details.get(id)!.externalId));
      };
      // A phrase (never BM25): 4 matches, the 3 newest ranked: the prompt, the reply, the output.
      const phrase = await index.rank(all('"alpha beta"'), scope(userA));
      expect(phrase.counts).toEqual({ documents: 3, sessions: 1, estimated: true });
      expect(await external(phrase.docs.map((d) => d.messageId))).toEqual(["m3", "m2", "m1"]);
      // Any of three words, more than the cap (all 5 documents match): of the newest three, the
      // reply with all three words (2 × 3) beats the prompt with one (4 × 1), then the output.
      const any = await index.rank({ query: parseQuery("alpha gamma delta"), mode: "any" }, scope(userA));
      expect(any.counts).toEqual({ documents: 3, sessions: 1, estimated: true });
      expect(await external(any.docs.map((d) => d.messageId))).toEqual(["m2", "m3", "m4"]);
    } finally {
      await index.close();
      indexer.close();
    }
  });
});
