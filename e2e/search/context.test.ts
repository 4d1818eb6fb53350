import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ContextMessagesResponse, ContextTextResponse, OpenSyncClient } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { batchOf, SESSIONS } from "./corpus.js";
import { waitIndexed } from "./helpers.js";

/** `GET /api/context`: cited excerpts per session within a token budget counted by a real tokenizer. */
let server: ServerProcess;
let client: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  client = server.client(await server.createKey("context@example.com"));
  await client.syncBatch(batchOf(SESSIONS));
  await waitIndexed(client);
});
afterAll(() => server?.cleanup());

describe("text format", () => {
  test("per session: a heading with title, project, model, date and id, then excerpts citing their messages", async () => {
    const ctx = (await client.context({ q: "where did I set up rate limiting" })) as ContextTextResponse;
    expect(ctx.format).toBe("text");
    expect(ctx.degraded).toBe("no embedding provider");
    const top = ctx.sources[0];
    expect(top).toMatchObject({ sessionExternalId: "rate-limit", title: "Protect the public API", projectName: "api-gateway", model: "claude-opus-4-1" });
    expect(ctx.text).toContain(`## Protect the public API — api-gateway · claude-opus-4-1 · 2026-10-06 (session ${top.sessionId})`);
    for (const id of top.messageIds) expect(ctx.text).toMatch(new RegExp(`> \\[message ${id}, (user|assistant|tool)\\] `));
    expect(top.messageIds.length, ctx.text).toBeGreaterThan(1);
    expect(ctx.sessionCount).toBe(ctx.sources.length);
    // Excerpts of a session are in conversation order.
    const first = ctx.text.indexOf(`[message ${top.messageIds[0]},`);
    const second = ctx.text.indexOf(`[message ${top.messageIds[1]},`);
    expect(first).toBeGreaterThan(-1);
    expect(second).toBeGreaterThan(first);
    expect(Number(top.messageIds[1])).toBeGreaterThan(Number(top.messageIds[0]));
  });

  test.each([100, 250, 1000, 4000])("maxTokens=%i: the whole answer fits, counted with o200k_base", async (maxTokens) => {
    const ctx = (await client.context({ q: "ECONNREFUSED postgres rate limiting useSessionStore TS2345", maxTokens, limit: 10 })) as ContextTextResponse;
    expect(ctx.tokenizer).toBe("o200k_base");
    expect(ctx.maxTokens).toBe(maxTokens);
    expect(ctx.tokenCount).toBe(countTokens(ctx.text));
    expect(ctx.tokenCount).toBeLessThanOrEqual(maxTokens);
    expect(ctx.text.length).toBeGreaterThan(0);
    if (maxTokens >= 1000) expect(ctx.sessionCount).toBeGreaterThan(1);
  });

  test("default budget is 4,000 tokens; a bad one is a 400 naming the field", async () => {
    const ctx = await client.context({ q: "the" });
    expect(ctx.maxTokens).toBe(4000);
    expect(ctx.tokenCount).toBeLessThanOrEqual(4000);
    const res = await server.request("/api/context?q=x&maxTokens=5", { key: client.apiKey });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/maxTokens/);
  });

  test("limit caps the sessions", async () => {
    const ctx = await client.context({ q: "the", limit: 2, maxTokens: 50_000 });
    expect(ctx.sessionCount).toBe(2);
    expect(ctx.sources).toHaveLength(2);
  });

  test("filters apply (project)", async () => {
    const ctx = await client.context({ q: "the", project: "api-gateway", limit: 10, maxTokens: 50_000 });
    expect(ctx.sources.length).toBeGreaterThan(0);
    for (const s of ctx.sources) expect(s.projectName).toBe("api-gateway");
  });
});

describe("messages format", () => {
  test("chat messages with metadata {sessionId, sessionTitle, messageId}, within the budget", async () => {
    const ctx = (await client.context({ q: "ECONNREFUSED", format: "messages", maxTokens: 1500 })) as ContextMessagesResponse;
    expect(ctx.format).toBe("messages");
    expect(ctx.messages.length).toBeGreaterThan(0);
    const first = ctx.messages[0];
    expect(first.metadata).toMatchObject({ sessionId: ctx.sources[0].sessionId, sessionTitle: "Integration tests cannot reach Postgres" });
    expect(ctx.sources[0].messageIds).toContain(first.metadata.messageId);
    for (const m of ctx.messages) expect(["user", "assistant", "system"]).toContain(m.role);
    expect(ctx.messages.some((m) => m.content.includes("ECONNREFUSED"))).toBe(true);
    const counted = ctx.messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);
    expect(ctx.tokenCount).toBe(counted);
    expect(ctx.tokenCount).toBeLessThanOrEqual(1500);
  });
});
