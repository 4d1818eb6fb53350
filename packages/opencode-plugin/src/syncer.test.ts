import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OcEvent } from "./mirror.js";
import { PendingStore, readSpool } from "./pending.js";
import { drainSpool } from "./spool.js";
import { OpencodeSyncer } from "./syncer.js";

const S = "ses_A";
const session = { id: S, title: "Fix the bug", directory: "/work/app", model: { id: "m1", providerID: "p1" }, time: { created: 1000, updated: 2000 } };
const user = { info: { id: "msg_1", sessionID: S, role: "user", time: { created: 1100 } }, parts: [{ id: "prt_1", type: "text", text: "fix it, key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }] };
const assistant = {
  info: { id: "msg_2", sessionID: S, role: "assistant", modelID: "m1", providerID: "p1", cost: 0.01, tokens: { input: 10, output: 5, reasoning: 1, cache: { read: 2, write: 0 } }, time: { created: 1200, completed: 1300 } },
  parts: [{ id: "prt_2", type: "text", text: "done" }],
};

interface Posted { sessions: Array<Record<string, unknown>>; messages: Array<Record<string, unknown>> }

function fakeServer() {
  const posted: Posted[] = [];
  let down = false;
  const fetchImpl = (async (url: string, init: { body: string; headers: Record<string, string> }) => {
    if (down) throw new TypeError("fetch failed: ECONNREFUSED");
    expect(url).toBe("http://sync.test/sync/batch");
    expect(init.headers.authorization).toBe("Bearer osk_test");
    const body = JSON.parse(init.body) as Posted;
    posted.push(body);
    return new Response(JSON.stringify({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] }), { status: 200 });
  }) as unknown as typeof fetch;
  return { posted, fetchImpl, setDown: (v: boolean) => (down = v) };
}

function fakeClient(entries = [user, assistant]) {
  const calls: unknown[] = [];
  return {
    calls,
    client: {
      session: {
        get: async (o: unknown) => (calls.push(o), { data: session }),
        messages: async () => ({ data: entries }),
      },
    },
  };
}

const events: OcEvent[] = [
  { type: "session.created", properties: { sessionID: S, info: session } },
  { type: "message.updated", properties: { sessionID: S, info: user.info } },
  { type: "message.part.updated", properties: { part: { ...user.parts[0], messageID: "msg_1", sessionID: S } } },
  { type: "message.updated", properties: { sessionID: S, info: assistant.info } },
  { type: "message.part.updated", properties: { part: { ...assistant.parts[0], messageID: "msg_2", sessionID: S } } },
];

describe("OpenCode syncer", () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "opensync-ocplugin-"));
    env = { OPENSYNC_HOME: home };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  function syncer(server: ReturnType<typeof fakeServer>, client = fakeClient().client, spawned: string[] = []) {
    return new OpencodeSyncer({
      client,
      config: { serverUrl: "http://sync.test", apiKey: "osk_test", machine: "box", redaction: { disabled: false, disable: [] }, disabled: false, home },
      env,
      log: () => {},
      debounceMs: 20,
      retryEveryMs: 0,
      fetch: server.fetchImpl,
      spawnFlusher: () => (spawned.push("flusher"), true),
    });
  }

  it("sends the whole session read through OpenCode's client, debounced, redacted, once per burst", async () => {
    const server = fakeServer();
    const { client, calls } = fakeClient();
    const s = syncer(server, client);
    for (const e of events) s.onEvent(e);
    await new Promise((r) => setTimeout(r, 60));
    await s.settle();
    expect(server.posted).toHaveLength(1);
    expect(calls).toEqual([{ path: { id: S }, sessionID: S }]);
    const [batch] = server.posted;
    expect(batch.sessions).toEqual([
      expect.objectContaining({ externalId: S, source: "opencode", title: "Fix the bug", projectPath: "/work/app", projectName: "app", model: "m1", provider: "p1", machine: "box", createdAt: 1000 }),
    ]);
    expect(batch.messages.map((m) => m.externalId)).toEqual(["msg_1", "msg_2"]);
    expect(batch.messages[0].textContent).toBe("fix it, key [REDACTED:anthropic-key]");
    expect(batch.messages[1]).toMatchObject({ promptTokens: 10, completionTokens: 5, reasoningTokens: 1, cacheReadTokens: 2, cost: 0.01, durationMs: 100 });
  });

  it("sends at once on session.idle", async () => {
    const server = fakeServer();
    const s = syncer(server);
    s.onEvent(events[0]);
    s.onEvent({ type: "session.idle", properties: { sessionID: S } });
    await s.settle();
    expect(server.posted).toHaveLength(1);
  });

  it("remembers a session the server did not take, and sends it on a later event", async () => {
    const server = fakeServer();
    const s = syncer(server);
    server.setDown(true);
    s.onEvent({ type: "session.idle", properties: { sessionID: S } });
    await s.settle();
    const pending = new PendingStore(env);
    expect(pending.sessions()).toEqual([S]);
    server.setDown(false);
    s.onEvent({ type: "server.connected", properties: {} });
    await s.settle();
    expect(server.posted).toHaveLength(1);
    expect(pending.sessions()).toEqual([]);
    expect(existsSync(pending.file)).toBe(false);
  });

  it("at exit spools unsent sessions from the events it saw, and starts the detached sender", async () => {
    const server = fakeServer();
    const spawned: string[] = [];
    const s = syncer(server, fakeClient().client, spawned);
    for (const e of events) s.onEvent(e); // debounced: not sent yet
    s.onExit();
    expect(spawned).toEqual(["flusher"]);
    const store = new PendingStore(env);
    expect(store.sessions()).toEqual([S]);
    const files = readdirSync(store.spoolDir).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(1);
    const spooled = readSpool(join(store.spoolDir, files[0]))!;
    expect(spooled.sessionId).toBe(S);
    expect(spooled.batch.messages.map((m) => m.externalId)).toEqual(["msg_1", "msg_2"]);

    // What the detached sender does: send, delete, clear the pending entry.
    expect(await drainSpool(store, { serverUrl: "http://sync.test", apiKey: "osk_test", fetch: server.fetchImpl }, () => {})).toBe(1);
    expect(server.posted[0].messages).toEqual(spooled.batch.messages);
    expect(store.spooled()).toEqual([]);
    expect(store.sessions()).toEqual([]);
  });

  it("keeps spooled batches while the server is down", async () => {
    const server = fakeServer();
    const store = new PendingStore(env);
    store.spool(S, { sessions: [{ externalId: S }], messages: [] });
    server.setDown(true);
    expect(await drainSpool(store, { serverUrl: "http://sync.test", apiKey: "osk_test", fetch: server.fetchImpl }, () => {})).toBe(0);
    expect(store.spooled()).toHaveLength(1);
  });

  it("forgets a deleted session", async () => {
    const server = fakeServer();
    const s = syncer(server);
    new PendingStore(env).add(S, "test");
    s.onEvent(events[0]);
    s.onEvent({ type: "session.deleted", properties: { sessionID: S, info: session } });
    s.onExit();
    await s.settle();
    expect(server.posted).toHaveLength(0);
    expect(new PendingStore(env).sessions()).toEqual([]);
  });
});
