import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Batch } from "./batch.js";
import { PendingStore } from "./pending.js";
import { drainSpool } from "./spool.js";
import { OpencodeSyncer } from "./syncer.js";

const S = "ses_B";
const session = { id: S, title: "Spool order", directory: "/work/app", time: { created: 1000, updated: 2000 } };
const userInfo = { id: "msg_1", sessionID: S, role: "user", time: { created: 1100 } };
const userParts = [{ id: "prt_1", type: "text", text: "go on" }];
const assistantInfo = { id: "msg_2", sessionID: S, role: "assistant", time: { created: 1200, completed: 1900 } };
/** The assistant message as the exiting process saw it (one part), and as it is now (two). */
const before = [{ id: "prt_2", type: "text", text: "Working", time: { start: 1210 } }];
const after = [...before, { id: "prt_3", type: "text", text: "Done: all green", time: { start: 1500 } }];

interface Posted { sessions: Array<Record<string, unknown>>; messages: Array<{ externalId: string; parts?: unknown[] }> }

function fakeServer() {
  const posted: Posted[] = [];
  const fetchImpl = (async (_url: string, init: { body: string }) => {
    const body = JSON.parse(init.body) as Posted;
    posted.push(body);
    return new Response(JSON.stringify({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] }), { status: 200 });
  }) as unknown as typeof fetch;
  return { posted, fetchImpl };
}

const batchWith = (parts: unknown[]): Batch => ({
  sessions: [{ externalId: S, source: "opencode" }],
  messages: [{ sessionExternalId: S, externalId: "msg_2", role: "assistant", parts: parts.map(() => ({ type: "text", content: { text: "x" } })) }],
});

describe("spooled batches", () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "opensync-ocspool-"));
    env = { OPENSYNC_HOME: home };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const target = (server: ReturnType<typeof fakeServer>) => ({ serverUrl: "http://sync.test", apiKey: "osk_test", fetch: server.fetchImpl });

  function liveSyncer(server: ReturnType<typeof fakeServer>) {
    return new OpencodeSyncer({
      client: { session: { get: async () => ({ data: session }), messages: async () => ({ data: [{ info: userInfo, parts: userParts }, { info: assistantInfo, parts: after }] }) } },
      config: { serverUrl: "http://sync.test", apiKey: "osk_test", machine: "box", redaction: { disabled: false, disable: [] }, disabled: false, home },
      env,
      log: () => {},
      debounceMs: 10,
      retryEveryMs: 60_000,
      fetch: server.fetchImpl,
    });
  }

  it("never sends a snapshot older than what another upload of the session already sent", async () => {
    const server = fakeServer();
    const store = new PendingStore(env);
    // Process A exits mid-way and spools what it saw; its sender has not run yet.
    store.spool(S, batchWith(before), Date.now() - 1_000);
    // Process B continues the session and uploads it, read fresh from OpenCode.
    const b = liveSyncer(server);
    await b.flush(S);
    expect(server.posted).toHaveLength(1);
    expect(server.posted[0].messages.find((m) => m.externalId === "msg_2")!.parts).toHaveLength(2);
    // A's sender runs now: the older snapshot is dropped, not sent over B's.
    expect(await drainSpool(store, target(server), () => {})).toBe(1);
    expect(server.posted).toHaveLength(1);
    expect(store.spooled()).toEqual([]);
  });

  it("sends a spooled snapshot newer than the last upload", async () => {
    const server = fakeServer();
    const store = new PendingStore(env);
    await liveSyncer(server).flush(S);
    const exitedAt = Date.now() + 1_000;
    store.spool(S, batchWith(after), exitedAt);
    expect(await drainSpool(store, target(server), () => {})).toBe(1);
    expect(server.posted).toHaveLength(2);
    // The same snapshot again (two senders raced for it) or an older one: not sent.
    store.spool(S, batchWith(after), exitedAt);
    store.spool(S, batchWith(before), exitedAt - 1);
    expect(await drainSpool(store, target(server), () => {})).toBe(2);
    expect(server.posted).toHaveLength(2);
  });

  it("waits while another process uploads the same session, then judges the spooled snapshot against it", async () => {
    const server = fakeServer();
    const store = new PendingStore(env);
    store.spool(S, batchWith(before), Date.now() - 1_000);
    const other = (await store.ledger.lock(S, 0))!; // another process is uploading S right now
    const drained = drainSpool(store, target(server), () => {});
    await new Promise((r) => setTimeout(r, 150));
    expect(server.posted).toHaveLength(0);
    store.ledger.record(S, Date.now()); // ...and its newer snapshot is acknowledged
    other.release();
    expect(await drained).toBe(1);
    expect(server.posted).toHaveLength(0);
  });
});
