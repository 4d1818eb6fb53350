import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema } from "@opensync/protocol";
import { openSqliteStore } from "../store/sqlite/open.js";
import { foldEmbeddingQueue, queuedNotPending } from "./queue.js";

const tmp = mkdtempSync(join(tmpdir(), "opensync-embedding-queue-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const message = (externalId: string, fields: Record<string, unknown>) =>
  messageInputSchema.parse({ sessionExternalId: "s", externalId, role: "assistant", createdAt: 1_700_000_000_000, ...fields });

describe("embedding queue (migration 0008): sync appends, the worker folds into jobs", () => {
  it("queues inserts, text changes and part rewrites; folding makes one pending job each and bumps seq on a change", async () => {
    const path = join(tmp, "opensync.db");
    const store = await openSqliteStore({ path });
    const alice = (await store.users.create({ email: "alice@example.com", role: "member" })).id;
    const bob = (await store.users.create({ email: "bob@example.com", role: "member" })).id;
    const session = [sessionInputSchema.parse({ externalId: "s", source: "claude-code" })];
    const call = { type: "tool-call", content: { toolName: "Bash", args: { command: "ls" } } };
    await store.sync.applyBatch(alice, session, [message("a", { textContent: "one" }), message("b", { parts: [call, call, call] })], Date.now());
    await store.sync.applyBatch(bob, session, [message("c", { textContent: "bob's" })], Date.now());
    const db = new Database(path);
    const queued = () => db.prepare("SELECT count(*) FROM embedding_queue").pluck().get() as number;
    const jobs = () => db.prepare("SELECT m.external_id AS id, j.user_id AS user, j.seq, j.state FROM embedding_jobs j JOIN messages m ON m.id = j.message_id ORDER BY m.external_id").all();
    // a, c: their insert; b: its insert and its parts once (not once per part).
    expect(queued()).toBe(4);
    expect(jobs()).toEqual([]);
    expect(queuedNotPending(db, alice)).toBe(2);
    expect(queuedNotPending(db, bob)).toBe(1);

    expect(db.transaction(() => foldEmbeddingQueue(db))()).toBe(4);
    expect(queued()).toBe(0);
    expect(jobs()).toEqual([
      { id: "a", user: alice, seq: 0, state: "pending" },
      { id: "b", user: alice, seq: 0, state: "pending" },
      { id: "c", user: bob, seq: 0, state: "pending" },
    ]);

    // The worker finished a and b; then a's text changes, b's parts are re-sent, c is re-sent unchanged.
    db.prepare("DELETE FROM embedding_jobs WHERE user_id = ?").run(alice);
    await store.sync.applyBatch(alice, [], [message("a", { textContent: "two" }), message("b", { parts: [call] })], Date.now());
    await store.sync.applyBatch(bob, [], [message("c", { textContent: "bob's" })], Date.now());
    expect(queued()).toBe(2);
    expect(queuedNotPending(db, alice)).toBe(2);
    db.transaction(() => foldEmbeddingQueue(db))();
    expect(jobs()).toEqual([
      { id: "a", user: alice, seq: 0, state: "pending" },
      { id: "b", user: alice, seq: 0, state: "pending" },
      { id: "c", user: bob, seq: 0, state: "pending" },
    ]);

    // A pending job changed again gets a new seq; a message deleted before the fold is skipped.
    await store.sync.applyBatch(alice, [], [message("a", { textContent: "three" })], Date.now());
    await store.sync.applyBatch(bob, [], [message("c", { textContent: "gone soon" })], Date.now());
    db.prepare("DELETE FROM messages WHERE external_id = 'c'").run();
    expect(db.transaction(() => foldEmbeddingQueue(db, 1))()).toBe(1); // slices
    db.transaction(() => foldEmbeddingQueue(db))();
    expect(jobs()).toEqual([
      { id: "a", user: alice, seq: 1, state: "pending" },
      { id: "b", user: alice, seq: 0, state: "pending" },
    ]);
    db.close();
    await store.close();
  });
});
