import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema } from "@opensync/protocol";
import { parseQuery } from "../../search/query.js";
import type { Store } from "../types.js";
import { recentSize } from "./fulltext-recent.js";
import { fulltextPathFor } from "./fulltext-schema.js";
import { SqliteFulltextIndex, SqliteFulltextIndexer } from "./fulltext.js";
import { openSqliteStore } from "./open.js";

let dir: string;
let path: string;
let store: Store;
let user: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opensync-fts-recent-"));
  path = join(dir, "opensync.db");
  store = await openSqliteStore({ path });
  user = (await store.users.create({ email: "a@example.com", role: "owner" })).id;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const WORDS = ["sessionStore", "sessionId", "sessions", "requestTimeout", "requester", "other"];

/** `n` messages in session `s`, each with two of `WORDS` (by index), created after `at`. */
async function syncMessages(session: string, from: number, n: number, at = 1_000) {
  await store.sync.applyBatch(
    user,
    [sessionInputSchema.parse({ externalId: session, source: "claude-code", title: `session title ${session}` })],
    Array.from({ length: n }, (_, i) =>
      messageInputSchema.parse({
        sessionExternalId: session, externalId: `m${from + i}`, role: i % 2 ? "assistant" : "user",
        textContent: `${WORDS[(from + i) % WORDS.length]} and ${WORDS[(from + i * 3) % WORDS.length]} ${from + i}`, createdAt: at + from + i,
      }),
    ),
    Date.now(),
  );
}

/**
 * The recent index's invariant, read straight from the index file: it holds exactly the main
 * index's documents at or above its floor, with the same words (checked by prefix queries).
 */
function expectRecentMirrorsMain(prefixes = ["session*", "request*", "other*", "title*"]) {
  const fts = new Database(fulltextPathFor(path), { readonly: true });
  try {
    const floor = (fts.prepare("SELECT value FROM fts_meta WHERE key = 'recent_floor'").get() as { value: number | null } | undefined)?.value ?? null;
    const docs = (fts.prepare("SELECT value FROM fts_meta WHERE key = 'recent_docs'").get() as { value: number } | undefined)?.value ?? 0;
    const ids = (table: string, q: string) =>
      fts.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC`).pluck().all(q) as number[];
    for (const prefix of prefixes) {
      const q = `"${prefix.replace("*", "")}" *`;
      expect(ids("fts_recent", q), prefix).toEqual(floor === null ? [] : ids("fts_index", q).filter((id) => id >= floor));
    }
    const held = floor === null ? 0 : (fts.prepare("SELECT count(*) AS n FROM fts_docs WHERE doc >= ?").get(floor) as { n: number }).n;
    expect(docs).toBe(held);
    return { floor, docs };
  } finally {
    fts.close();
  }
}

const fillAll = (indexer: SqliteFulltextIndexer) => {
  let total = 0;
  for (let n = indexer.fillRecent(7); n > 0; n = indexer.fillRecent(7)) total += n;
  return total;
};

describe("the recent index (fulltext-recent.ts)", () => {
  it("is sized by the square root of the documents, within its bounds", () => {
    expect(recentSize(0)).toBe(20_000);
    expect(recentSize(1_000_000)).toBe(63_246);
    expect(recentSize(10_000_000_000)).toBe(1_000_000);
  });

  it("fills downwards to its size, follows new, changed and deleted documents, and trims its oldest", async () => {
    const indexer = new SqliteFulltextIndexer(path, undefined, { recentSize: () => 40 });
    try {
      await syncMessages("s1", 0, 60);
      indexer.drainAll();
      // Drained, never filled: empty.
      expect(expectRecentMirrorsMain()).toEqual({ floor: null, docs: 0 });
      // Filled a batch (7) at a time, from the newest, up to its size.
      expect(fillAll(indexer)).toBe(40);
      const filled = expectRecentMirrorsMain();
      expect(filled.docs).toBe(40);

      // New documents above the floor go in; changed ones are replaced; deleted ones leave.
      await syncMessages("s2", 100, 5);
      await store.sync.applyBatch(user, [], [messageInputSchema.parse({ sessionExternalId: "s1", externalId: "m59", role: "user", textContent: "other words now", createdAt: 1_059 })], Date.now());
      indexer.drainAll();
      // s2: its title and 5 messages.
      expect(expectRecentMirrorsMain().docs).toBe(46);
      // A deleted session's documents leave both indexes (s2's 6 are all in the recent one).
      const s2 = (await store.sessions.get(user, "s2"))!;
      expect(await store.sessions.delete(user, s2.id)).toBe(true);
      indexer.drainAll();
      expect(expectRecentMirrorsMain().docs).toBe(40);
      await syncMessages("s2", 100, 5);
      indexer.drainAll();
      expect(expectRecentMirrorsMain().docs).toBe(46);
      // Past 1.25 times its size: the floor rises to keep the newest 40.
      await syncMessages("s3", 200, 10);
      indexer.drainAll();
      const trimmed = expectRecentMirrorsMain();
      expect(trimmed.docs).toBe(40);
      expect(trimmed.floor!).toBeGreaterThan(filled.floor!);
      // Full again: filling adds nothing.
      expect(indexer.fillRecent()).toBe(0);
    } finally {
      indexer.close();
    }
  });

  it("holds every document of a small index (floor 0), and is emptied by a backlog larger than itself", async () => {
    const indexer = new SqliteFulltextIndexer(path, undefined, { recentSize: () => 100 });
    try {
      await syncMessages("s1", 0, 30);
      indexer.drainAll();
      fillAll(indexer);
      expect(expectRecentMirrorsMain()).toEqual({ floor: 0, docs: 31 });
      // 150 queued changes drained 50 at a time: more than its size is waiting at the first batch.
      await syncMessages("s2", 100, 150);
      expect(indexer.drain(50)).toBe(50);
      expect(expectRecentMirrorsMain()).toEqual({ floor: null, docs: 0 });
      indexer.drainAll();
      expect(expectRecentMirrorsMain().docs).toBe(0);
      expect(fillAll(indexer)).toBe(100);
      expect(expectRecentMirrorsMain().docs).toBe(100);
    } finally {
      indexer.close();
    }
  });

  it("is added in place to an index file that predates it, empty, and filled from the documents there", async () => {
    await syncMessages("s1", 0, 30);
    const first = new SqliteFulltextIndexer(path, undefined, { recentSize: () => 100 });
    first.drainAll();
    first.close();
    // The file as an older version left it: no recent index, no floor.
    const fts = new Database(fulltextPathFor(path));
    fts.exec("DROP TABLE fts_recent; DELETE FROM fts_meta WHERE key LIKE 'recent%'");
    fts.close();
    const indexer = new SqliteFulltextIndexer(path, undefined, { recentSize: () => 100 });
    try {
      expect(expectRecentMirrorsMain()).toEqual({ floor: null, docs: 0 });
      expect(indexer.pending()).toBe(0); // nothing to rebuild
      fillAll(indexer);
      expect(expectRecentMirrorsMain()).toEqual({ floor: 0, docs: 31 });
    } finally {
      indexer.close();
    }
  });

  it("answers a prefix query when it holds enough matches, falls back to the main index when not, with the same result either way", async () => {
    const indexer = new SqliteFulltextIndexer(path, undefined, { recentSize: () => 40 });
    const index = new SqliteFulltextIndex(path, undefined, { countCap: 10, rankWindow: 10 });
    const scope = { userId: user, filters: {}, now: Date.now() };
    const rank = (q: string, mode: "all" | "any" = "all") => index.rank({ query: parseQuery(q), mode }, scope);
    try {
      await syncMessages("s1", 0, 200);
      indexer.drainAll();
      const before = { session: await rank("session*"), other: await rank("other*"), any: await rank("session* other", "any") };
      fillAll(indexer);
      expect(expectRecentMirrorsMain().docs).toBe(40);
      // `session*`: in half the messages, so the newest 40 hold 11 matches: the recent index answers.
      expect(await rank("session*")).toEqual(before.session);
      // `other*`: in a sixth, 7 of the newest 40: too few, the main index answers.
      expect(await rank("other*")).toEqual(before.other);
      expect(before.other.counts).toEqual({ documents: 10, sessions: 1, estimated: true });
      // Any of the words: the window's terms are counted in the recent index, which holds the window.
      expect(await rank("session* other", "any")).toEqual(before.any);

      // Which index answered: the newest message (m199: `sessionId`, `requestTimeout`) is given other
      // words in the recent index alone (never done outside this test).
      const fts = new Database(fulltextPathFor(path));
      const top = fts.prepare("SELECT doc, message_id FROM fts_docs ORDER BY doc DESC LIMIT 1").get() as { doc: number; message_id: number };
      fts.prepare("DELETE FROM fts_recent WHERE rowid = ?").run(top.doc);
      fts.prepare("INSERT INTO fts_recent (rowid, prompt) VALUES (?, ?)").run(top.doc, "otherMarker");
      fts.close();
      const cites = async (q: string) => (await rank(q)).docs.some((d) => d.messageId === String(top.message_id));
      expect(before.session.docs.some((d) => d.messageId === String(top.message_id))).toBe(true);
      // The recent index answers `session*`: the message is gone from it.
      expect(await cites("session*")).toBe(false);
      // It has 8 of `other*` now, still too few: the main index answers, without the message.
      expect(await cites("other*")).toBe(false);
      expect(await cites("request*")).toBe(false);
    } finally {
      await index.close();
      indexer.close();
    }
  });
});
