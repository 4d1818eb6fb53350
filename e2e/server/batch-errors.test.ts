import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

let server: ServerProcess;
let key: string;
let api: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("batch@example.com");
  api = server.client(key);
});
afterAll(() => server?.cleanup());

async function batch(body: unknown): Promise<any> {
  const res = await server.request("/sync/batch", { key, body });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

describe("POST /sync/batch partial errors", () => {
  test("bad items are reported with kind, index and the field; good ones are applied", async () => {
    const result = await batch({
      sessions: [
        { externalId: "good-s1", title: "one" },
        { title: "no id at all" },
        { externalId: 42, title: "numeric ids are accepted as strings" },
        { externalId: "bad-tokens", promptTokens: "lots" },
        { externalId: "good-s2", cost: -1 },
        null,
      ],
      messages: [
        { sessionExternalId: "good-s1", externalId: "m1", role: "user", textContent: "hello" },
        { externalId: "orphan", role: "user", textContent: "no session id" },
        { sessionExternalId: "good-s1", externalId: "m2", role: 5 },
        { sessionExternalId: "good-s1", externalId: "m3", role: "assistant", parts: [{ content: "no type" }] },
        { sessionExternalId: "new-from-message", externalId: "m4", role: "assistant", textContent: "creates its session" },
        "not an object",
      ],
    });
    expect(result.ok).toBe(true);
    expect(result.sessions).toBe(2);
    expect(result.messages).toBe(2);
    expect(result.errors.map((e: any) => [e.kind, e.index])).toEqual([
      ["session", 1],
      ["session", 3],
      ["session", 4],
      ["session", 5],
      ["message", 1],
      ["message", 2],
      ["message", 3],
      ["message", 5],
    ]);
    const error = (kind: string, index: number) => result.errors.find((e: any) => e.kind === kind && e.index === index).error as string;
    expect(error("session", 1)).toMatch(/^externalId: /);
    expect(error("session", 3)).toMatch(/^promptTokens: /);
    expect(error("session", 4)).toMatch(/^cost: /);
    expect(error("session", 5)).toMatch(/object/);
    expect(error("message", 1)).toMatch(/^sessionExternalId: /);
    expect(error("message", 2)).toMatch(/^role: /);
    expect(error("message", 3)).toMatch(/^parts\.0\.type: /);
    expect(error("message", 5)).toMatch(/object/);

    expect((await api.listSessionIds()).sessionIds.sort()).toEqual(["42", "good-s1", "new-from-message"]);
    expect((await api.getSession("good-s1")).messages.map((m) => m.externalId)).toEqual(["m1"]);
    expect((await api.getSession("new-from-message")).messages.map((m) => m.textContent)).toEqual(["creates its session"]);
  });

  test("an oversized item is refused by field inside a batch under the default 16 MB body limit", async () => {
    const result = await batch({
      messages: [
        { sessionExternalId: "sizes", externalId: "huge", role: "tool", textContent: "x".repeat(8 * 1024 * 1024 + 1) },
        { sessionExternalId: "sizes", externalId: "fine", role: "tool", textContent: "y".repeat(1024 * 1024) },
      ],
    });
    expect(result).toEqual({ ok: true, sessions: 0, messages: 1, errors: [{ kind: "message", index: 0, error: expect.stringMatching(/^textContent: /) }], features: ["tool-text-from-output"] });
    expect((await api.getSession("sizes")).messages.map((m) => [m.externalId, m.textContent?.length])).toEqual([["fine", 1024 * 1024]]);
    // Over 16 MB in all: the body itself is refused.
    const res = await server.request("/sync/batch", { key, body: { messages: [{ sessionExternalId: "sizes", externalId: "x", textContent: "z".repeat(16 * 1024 * 1024) }] } });
    await expectError(res, 413, "payload_too_large", String(16 * 1024 * 1024));
  });

  test("a batch of only bad items answers 200 with nothing applied", async () => {
    expect(await batch({ sessions: [{}], messages: [{}] })).toEqual({
      ok: true,
      sessions: 0,
      messages: 0,
      errors: [
        { kind: "session", index: 0, error: expect.stringMatching(/^externalId: /) },
        { kind: "message", index: 0, error: expect.stringMatching(/sessionExternalId/) },
      ],
      features: ["tool-text-from-output"],
    });
  });

  test("empty and absent arrays are fine; a non-array is a 400 naming the field", async () => {
    expect(await batch({})).toEqual({ ok: true, sessions: 0, messages: 0, errors: [], features: ["tool-text-from-output"] });
    expect(await batch({ sessions: [], messages: null })).toEqual({ ok: true, sessions: 0, messages: 0, errors: [], features: ["tool-text-from-output"] });
    await expectError(await server.request("/sync/batch", { key, body: { sessions: {} } }), 400, "invalid_input", /^sessions: /);
    await expectError(await server.request("/sync/batch", { key, body: { messages: "m" } }), 400, "invalid_input", /^messages: /);
    await expectError(await server.request("/sync/batch", { key, body: [] }), 400, "invalid_input");
  });
});
