import { appendFileSync, mkdirSync, mkdtempSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OpenSyncClient } from "@opensync/protocol";
import { claudeCodeCollector } from "../agents/claude-code/index.js";
import { createRedactor } from "../redaction/index.js";
import { StateStore } from "./state.js";
import { runSync } from "./sync.js";
import { UploadUnavailableError } from "./uploader.js";

/**
 * A stand-in for the server over the client's fetch: upserts keyed by external id (what the
 * real store guarantees), an account per key, and a switch to fail every sync request.
 */
function fakeServer(userId = "u1") {
  const messages = new Map<string, Record<string, unknown>>();
  const sessions = new Set<string>();
  const control = { down: false, acceptedBatches: 0, failAfterBatches: Infinity };
  const fetchImpl = (async (url: URL, init: RequestInit) => {
    const path = new URL(url).pathname;
    if (path.endsWith("/api/me")) return Response.json({ user: { id: userId, email: "me@example.com", name: null, role: "owner", createdAt: 0 } });
    if (control.down || control.acceptedBatches >= control.failAfterBatches) return Response.json({ error: "down", code: "unavailable" }, { status: 503 });
    const body = JSON.parse(String(init.body)) as { sessions: Array<{ externalId: string }>; messages: Array<{ sessionExternalId: string; externalId: string }> };
    for (const s of body.sessions) sessions.add(s.externalId);
    for (const m of body.messages) messages.set(`${m.sessionExternalId}/${m.externalId}`, m);
    control.acceptedBatches++;
    return Response.json({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] });
  }) as unknown as typeof fetch;
  const client = (key = "osk_test") => new OpenSyncClient({ baseUrl: `http://127.0.0.1:9/${userId}`, apiKey: key, fetch: fetchImpl });
  return { messages, sessions, control, client };
}

const ISO = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();

/** A Claude Code transcript of `n` user prompts, each answered, as Claude Code writes it. */
function transcriptLines(sessionId: string, n: number, tag = "p"): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ type: "user", sessionId, uuid: `${tag}-u${i}`, timestamp: ISO(2 * i), cwd: "/work/app", message: { role: "user", content: `${tag} question ${i}` } }));
    lines.push(
      JSON.stringify({
        type: "assistant", sessionId, uuid: `${tag}-a${i}`, requestId: `req-${tag}-${i}`, timestamp: ISO(2 * i + 1),
        message: { id: `msg-${tag}-${i}`, role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: `${tag} answer ${i}` }], usage: { input_tokens: 10, output_tokens: 5 } },
      }),
    );
  }
  return lines;
}

function setup() {
  const home = mkdtempSync(join(tmpdir(), "opensync-engine-"));
  const dir = join(home, ".claude/projects/-work-app");
  mkdirSync(dir, { recursive: true });
  const state = new StateStore(join(home, ".opensync/state"));
  const ctx = { home, env: { HOME: home }, machine: "box" };
  const sync = (client: OpenSyncClient, extra: { maxMessages?: number } = {}) =>
    runSync({ client, state, ctx, agents: [claudeCodeCollector], redactor: createRedactor({ disabled: true }), uploader: { attempts: 1, maxMessages: extra.maxMessages ?? 100, sleep: async () => {} } });
  return { home, dir, state, sync };
}

describe("defect 1: an interrupted sync skips the rest of a large file forever", () => {
  it("a 1,200-message transcript synced through a server that fails after the first batch arrives whole on the next sync", async () => {
    const { dir, sync, state } = setup();
    writeFileSync(join(dir, "s1.jsonl"), transcriptLines("s1", 600).join("\n") + "\n");
    const server = fakeServer();
    server.control.failAfterBatches = 1;
    await expect(sync(server.client())).rejects.toBeInstanceOf(UploadUnavailableError);
    const partial = server.messages.size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(1200);
    server.control.failAfterBatches = Infinity;
    const next = await sync(server.client());
    expect(next.messages).toBeGreaterThan(0);
    expect(server.messages.size).toBe(1200);
    // Now complete: the run after sends nothing.
    const after = await sync(server.client());
    expect(after.messages).toBe(0);
    state.close();
  });

  it("the file never changes between the runs: the checkpoint alone says the rest is pending", async () => {
    const { dir, sync } = setup();
    const file = join(dir, "s2.jsonl");
    writeFileSync(file, transcriptLines("s2", 300).join("\n") + "\n");
    const before = statSync(file);
    const server = fakeServer();
    server.control.failAfterBatches = 2;
    await expect(sync(server.client(), { maxMessages: 50 })).rejects.toBeInstanceOf(UploadUnavailableError);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    server.control.failAfterBatches = Infinity;
    await sync(server.client(), { maxMessages: 50 });
    expect(server.messages.size).toBe(600);
  });
});

describe("defect 4: Claude Code data is split between two destinations", () => {
  it("each destination (server and account) receives everything, whichever synced first", async () => {
    const { dir, sync } = setup();
    const file = join(dir, "s3.jsonl");
    writeFileSync(file, transcriptLines("s3", 20).join("\n") + "\n");
    const hooksServer = fakeServer("plugin-user");
    const loginServer = fakeServer("login-user");
    await sync(hooksServer.client());
    expect(hooksServer.messages.size).toBe(40);
    appendFileSync(file, transcriptLines("s3", 5, "late").join("\n") + "\n");
    await sync(loginServer.client());
    expect(loginServer.messages.size).toBe(50);
    await sync(hooksServer.client());
    expect(hooksServer.messages.size).toBe(50);
  });

  it("a new key for the same account keeps its checkpoints (the account, not the key, is the destination)", async () => {
    const { dir, sync } = setup();
    writeFileSync(join(dir, "s4.jsonl"), transcriptLines("s4", 10).join("\n") + "\n");
    const server = fakeServer("same-user");
    await sync(server.client("osk_first"));
    const again = await sync(server.client("osk_second"));
    expect(again.messages).toBe(0);
  });
});

describe("a file truncated and regrown past its old offset with the same inode", () => {
  it("is read again from the start, not from the middle of the new content", async () => {
    const { dir, sync } = setup();
    const file = join(dir, "s5.jsonl");
    writeFileSync(file, transcriptLines("s5", 10, "old").join("\n") + "\n");
    const server = fakeServer();
    await sync(server.client());
    const inode = statSync(file).ino;
    truncateSync(file, 0);
    appendFileSync(file, transcriptLines("s5", 25, "new").join("\n") + "\n");
    expect(statSync(file).ino).toBe(inode);
    await sync(server.client());
    const ids = [...server.messages.keys()];
    for (let i = 0; i < 25; i++) {
      expect(ids).toContain(`s5/new-u${i}`);
      expect(ids).toContain(`s5/msg-new-${i}`);
    }
  });
});

describe("a complete last line without a trailing newline", () => {
  afterEach(() => vi.useRealTimers());

  it("is synced once the file has been idle, even though the file never changes again", async () => {
    const { dir, sync } = setup();
    const file = join(dir, "s6.jsonl");
    const lines = transcriptLines("s6", 3);
    writeFileSync(file, lines.join("\n")); // the last line lacks its newline
    const server = fakeServer();
    await sync(server.client());
    expect(server.messages.has("s6/msg-p-2")).toBe(false); // fresh: it may still be being written
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 120_000);
    await sync(server.client());
    expect(server.messages.has("s6/msg-p-2")).toBe(true);
    expect(server.messages.size).toBe(6);
  });
});
