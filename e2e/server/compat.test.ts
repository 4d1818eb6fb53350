import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * The payloads the original plugins send, byte for byte, posted raw (not through the typed client)
 * so nothing on our side reshapes them.
 */
let server: ServerProcess;
let key: string;
let api: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("compat@example.com", "laptop");
  api = server.client(key);
});
afterAll(() => server?.cleanup());

async function post(path: string, body: unknown): Promise<any> {
  const res = await server.request(path, { key, body });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

const T0 = Date.parse("2025-03-01T09:00:00.000Z");

describe("OpenCode plugin (opencode-sync-plugin)", () => {
  test("session.created then session.idle, messages as metadata + text parts, totals summed", async () => {
    // session.created: no title yet, zeros for every usage figure, no source.
    const created = await post("/sync/session", {
      externalId: "ses_oc_01",
      title: "Untitled Session",
      projectPath: "/home/dev/acme-api",
      projectName: "acme-api",
      model: "claude-sonnet-4",
      provider: "anthropic",
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(created).toEqual({ ok: true, sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });

    const user = await post("/sync/message", {
      sessionExternalId: "ses_oc_01",
      externalId: "msg_u1",
      role: "user",
      textContent: "fix the failing test in src/app.test.ts",
      createdAt: T0 + 1_000,
    });
    expect(user).toEqual({ ok: true, messageId: expect.any(String) });
    const assistant = await post("/sync/message", {
      sessionExternalId: "ses_oc_01",
      externalId: "msg_a1",
      role: "assistant",
      textContent: "I'll run the tests first.",
      parts: [
        { type: "text", content: "I'll run the tests first." },
        { type: "tool-call", content: { toolName: "bash", args: { command: "npm test" }, callId: "call_1" } },
        { type: "tool-result", content: { callId: "call_1", output: "1 failing", isError: false } },
      ],
      model: "claude-sonnet-4",
      promptTokens: 1200,
      completionTokens: 340,
      cacheReadTokens: 5000,
      cost: 0.0123,
      durationMs: 4200,
      createdAt: T0 + 5_000,
    });
    expect(assistant.messageId).not.toBe(user.messageId);

    // session.idle: the real title; the plugin still sends 0 for every usage figure.
    const idle = await post("/sync/session", {
      externalId: "ses_oc_01",
      title: "Fix failing app test",
      projectPath: "/home/dev/acme-api",
      projectName: "acme-api",
      model: "claude-sonnet-4",
      provider: "anthropic",
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
      updatedAt: T0 + 6_000,
    });
    expect(idle.sessionId).toBe(created.sessionId);

    const { session, messages } = await api.getSession("ses_oc_01");
    expect(session).toEqual({
      id: created.sessionId,
      externalId: "ses_oc_01",
      source: "opencode",
      title: "Fix failing app test",
      projectPath: "/home/dev/acme-api",
      projectName: "acme-api",
      model: "claude-sonnet-4",
      provider: "anthropic",
      gitBranch: null,
      machine: null,
      promptTokens: 1200,
      completionTokens: 340,
      cacheReadTokens: 5000,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 6540,
      cost: 0.0123,
      durationMs: 5_000,
      messageCount: 2,
      isPublic: false,
      publicSlug: null,
      createdAt: T0,
      updatedAt: T0 + 6_000,
      metadata: {},
    });
    expect(messages.map((m) => [m.externalId, m.role, m.textContent, m.totalTokens])).toEqual([
      ["msg_u1", "user", "fix the failing test in src/app.test.ts", 0],
      ["msg_a1", "assistant", "I'll run the tests first.", 6540],
    ]);
    expect(messages[1]).toMatchObject({ id: assistant.messageId, sessionId: created.sessionId, model: "claude-sonnet-4", cost: 0.0123, durationMs: 4200, createdAt: T0 + 5_000 });
    expect(messages[1].parts.map((p) => [p.order, p.type, p.content])).toEqual([
      [0, "text", "I'll run the tests first."],
      [1, "tool-call", { toolName: "bash", args: { command: "npm test" }, callId: "call_1" }],
      [2, "tool-result", { callId: "call_1", output: "1 failing", isError: false }],
    ]);
  });

  test("a message whose text comes only from parts gets textContent from its text parts", async () => {
    await post("/sync/message", {
      sessionExternalId: "ses_oc_02",
      externalId: "msg_p1",
      role: "assistant",
      parts: [{ type: "reasoning", content: { text: "thinking" } }, { type: "text", content: { text: "first" } }, { type: "text", content: "second" }],
      createdAt: T0,
    });
    const { session, messages } = await api.getSession("ses_oc_02");
    expect(session.source).toBe("opencode");
    expect(messages[0].textContent).toBe("first\nsecond");
  });
});

describe("Claude Code plugin (claude-code-sync)", () => {
  test("its SessionData as sent: sessionId, tokenUsage, messageCount, toolCallCount, startType, endReason", async () => {
    const res = await post("/sync/session", {
      sessionId: "6f1c2a8e-1b7d-4f0e-9c55-3d2a9b8e7f10",
      source: "claude-code",
      title: "refactor-auth-module",
      projectPath: "/Users/dev/projects/web-app",
      projectName: "web-app",
      cwd: "/Users/dev/projects/web-app",
      gitBranch: "feature/auth",
      model: "claude-sonnet-4-20250514",
      startType: "new",
      endReason: "user_stop",
      thinkingEnabled: false,
      permissionMode: "default",
      mcpServers: ["github"],
      messageCount: 12,
      toolCallCount: 5,
      tokenUsage: { input: 15000, output: 3200 },
      costEstimate: 0.093,
      startedAt: "2025-03-01T09:00:00.000Z",
      endedAt: "2025-03-01T09:42:30.000Z",
    });
    const { session, messages } = await api.getSession(res.sessionId);
    expect(messages).toEqual([]);
    expect(session).toMatchObject({
      externalId: "6f1c2a8e-1b7d-4f0e-9c55-3d2a9b8e7f10",
      source: "claude-code",
      title: "refactor-auth-module",
      projectPath: "/Users/dev/projects/web-app",
      projectName: "web-app",
      gitBranch: "feature/auth",
      model: "claude-sonnet-4-20250514",
      promptTokens: 15000,
      completionTokens: 3200,
      totalTokens: 18200,
      // Its own names for the agent's times and cost stand in for createdAt/updatedAt/cost.
      cost: 0.093,
      createdAt: Date.parse("2025-03-01T09:00:00.000Z"),
      updatedAt: Date.parse("2025-03-01T09:42:30.000Z"),
      // No message stored yet: the declared count stands in.
      messageCount: 12,
    });
    expect(session.metadata).toEqual({
      cwd: "/Users/dev/projects/web-app",
      startType: "new",
      endReason: "user_stop",
      thinkingEnabled: false,
      permissionMode: "default",
      mcpServers: ["github"],
      messageCount: 12,
      toolCallCount: 5,
      costEstimate: 0.093,
      startedAt: "2025-03-01T09:00:00.000Z",
      endedAt: "2025-03-01T09:42:30.000Z",
    });
  });

  test("its transformed payloads (externalId, cost, durationMs) and tool_use parts, batch", async () => {
    const batch = await post("/sync/batch", {
      sessions: [
        {
          externalId: "cc-batch-1",
          title: "add-rate-limiter",
          projectPath: "/srv/api",
          model: "claude-opus-4-5-20251101",
          source: "claude-code",
          promptTokens: 900,
          completionTokens: 100,
          cost: 0.021,
          durationMs: 60_000,
        },
      ],
      messages: [
        { sessionExternalId: "cc-batch-1", externalId: "cc-m1", role: "user", textContent: "add a rate limiter", source: "claude-code" },
        {
          sessionExternalId: "cc-batch-1",
          externalId: "cc-m2",
          role: "assistant",
          textContent: "done",
          durationMs: 1500,
          source: "claude-code",
          parts: [{ type: "tool_use", content: { toolName: "Edit", args: { file_path: "/srv/api/limit.ts" }, result: "ok" } }],
        },
      ],
    });
    expect(batch).toEqual({ ok: true, sessions: 1, messages: 2, errors: [], features: ["tool-text-from-output"] });
    const { session, messages } = await api.getSession("cc-batch-1");
    expect(session).toMatchObject({
      source: "claude-code",
      projectName: "api",
      promptTokens: 900,
      completionTokens: 100,
      totalTokens: 1000,
      cost: 0.021,
      durationMs: 60_000,
      messageCount: 2,
    });
    expect(messages.map((m) => [m.externalId, m.source])).toEqual([
      ["cc-m1", "claude-code"],
      ["cc-m2", "claude-code"],
    ]);
    expect(messages[1].parts).toEqual([
      { id: expect.any(String), order: 0, type: "tool_use", content: { toolName: "Edit", args: { file_path: "/srv/api/limit.ts" }, result: "ok" } },
    ]);
  });
});

describe("sources", () => {
  test("default opencode, cursor -> cursor-sync, case folded, a message's source creates its session", async () => {
    await post("/sync/session", { externalId: "src-default" });
    await post("/sync/session", { externalId: "src-cursor", source: "cursor" });
    await post("/sync/session", { externalId: "src-upper", source: "Claude-Code" });
    await post("/sync/session", { externalId: "src-custom", source: "my-agent" });
    await post("/sync/message", { sessionExternalId: "src-by-message", externalId: "m", role: "user", textContent: "hi", source: "codex-cli" });
    const sources = await Promise.all(
      ["src-default", "src-cursor", "src-upper", "src-custom", "src-by-message"].map(async (id) => (await api.getSession(id)).session.source),
    );
    expect(sources).toEqual(["opencode", "cursor-sync", "claude-code", "my-agent", "codex-cli"]);
    // A later sync without a source keeps the one stored.
    await post("/sync/session", { externalId: "src-cursor", title: "later" });
    expect((await api.getSession("src-cursor")).session.source).toBe("cursor-sync");
  });
});

describe("metadata and timestamps", () => {
  test("unknown fields are kept in metadata, merged across syncs, on sessions and messages", async () => {
    await post("/sync/session", { externalId: "meta-1", foo: 1, nested: { a: [1, 2] }, metadata: { team: "core" } });
    await post("/sync/session", { externalId: "meta-1", bar: true, foo: 2 });
    expect((await api.getSession("meta-1")).session.metadata).toEqual({ foo: 2, nested: { a: [1, 2] }, team: "core", bar: true });

    await post("/sync/message", { sessionExternalId: "meta-1", externalId: "mm", role: "Developer", textContent: "x", agentName: "build", tokens: { input: 3 } });
    const [message] = (await api.getSession("meta-1")).messages;
    expect(message.role).toBe("unknown");
    expect(message.metadata).toEqual({ agentName: "build", tokens: { input: 3 }, originalRole: "Developer" });
  });

  test("ISO strings, epoch ms and epoch seconds; createdAt kept unless an earlier one arrives", async () => {
    const iso = "2025-01-15T10:00:00.000Z";
    const ms = Date.parse(iso);
    await post("/sync/session", { externalId: "ts-1", createdAt: iso, updatedAt: ms + 60_000 });
    let s = (await api.getSession("ts-1")).session;
    expect([s.createdAt, s.updatedAt]).toEqual([ms, ms + 60_000]);

    // A later createdAt does not move it; updatedAt only moves forward.
    await post("/sync/session", { externalId: "ts-1", createdAt: ms + 3_600_000, updatedAt: ms + 30_000 });
    s = (await api.getSession("ts-1")).session;
    expect([s.createdAt, s.updatedAt]).toEqual([ms, ms + 60_000]);

    // An earlier createdAt (epoch seconds) wins.
    await post("/sync/session", { externalId: "ts-1", createdAt: ms / 1000 - 3600, updatedAt: String(ms + 120_000) });
    s = (await api.getSession("ts-1")).session;
    expect([s.createdAt, s.updatedAt]).toEqual([ms - 3_600_000, ms + 120_000]);

    await post("/sync/message", { sessionExternalId: "ts-1", externalId: "m1", role: "user", textContent: "x", createdAt: "2025-01-15T10:05:00+00:00" });
    expect((await api.getSession("ts-1")).messages[0].createdAt).toBe(ms + 300_000);

    const bad = await server.request("/sync/session", { key, body: { externalId: "ts-2", createdAt: "yesterday" } });
    await expectError(bad, 400, "invalid_input", /createdAt/);
  });
});

describe("GET /sync/sessions/list", () => {
  test("lists the caller's externalIds, optionally by source (aliases folded)", async () => {
    const all = await api.listSessionIds();
    expect([...all.sessionIds].sort()).toEqual(
      [
        "6f1c2a8e-1b7d-4f0e-9c55-3d2a9b8e7f10", "cc-batch-1", "meta-1", "ses_oc_01", "ses_oc_02",
        "src-by-message", "src-cursor", "src-custom", "src-default", "src-upper", "ts-1",
      ].sort(),
    );
    expect([...(await api.listSessionIds("claude-code")).sessionIds].sort()).toEqual(["6f1c2a8e-1b7d-4f0e-9c55-3d2a9b8e7f10", "cc-batch-1", "src-upper"]);
    expect((await api.listSessionIds("cursor-sync")).sessionIds).toEqual(["src-cursor"]);
    expect((await api.listSessionIds("cursor")).sessionIds).toEqual(["src-cursor"]);
    expect((await api.listSessionIds("nobody")).sessionIds).toEqual([]);
  });
});
