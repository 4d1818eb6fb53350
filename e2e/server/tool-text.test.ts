import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OpenSyncClient } from "@opensync/protocol";
import { Uploader } from "@opensync/collectors";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * Feature `tool-text-from-output` (issue 8, import speed): a `tool` message sent without
 * `textContent` gets its output as its text, and our uploader leaves a repeated output out once the
 * server has announced the feature, so a large output crosses the wire once. Stored text must be
 * exactly what a full message would have stored.
 */
let server: ServerProcess;
let key: string;

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("tool-text@example.com", "laptop");
});
afterAll(() => server?.cleanup());

async function batch(body: unknown): Promise<any> {
  const res = await server.request("/sync/batch", { key, body });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function textsOf(sessionExternalId: string): Promise<Record<string, string | null>> {
  const detail = await server.client(key).getSession(sessionExternalId);
  return Object.fromEntries(detail.messages.map((m) => [m.externalId, m.textContent ?? null]));
}

const result = (callId: string, output: unknown) => ({ type: "tool-result", content: { callId, output } });

describe("tool messages without textContent", () => {
  test("the batch response announces the feature; a tool message's text is its output", async () => {
    const res = await batch({
      sessions: [{ externalId: "s-derive", source: "claude-code" }],
      messages: [
        { sessionExternalId: "s-derive", externalId: "one", role: "tool", parts: [result("c1", "total 3 → ✓ passed")] },
        { sessionExternalId: "s-derive", externalId: "two", role: "tool", parts: [result("c2", "first"), { type: "tool-result", content: "second" }] },
        { sessionExternalId: "s-derive", externalId: "text-wins", role: "tool", parts: [{ type: "text", content: { text: "said" } }, result("c3", "out")] },
        { sessionExternalId: "s-derive", externalId: "not-a-string", role: "tool", parts: [result("c4", { rows: 3 })] },
        { sessionExternalId: "s-derive", externalId: "assistant", role: "assistant", parts: [result("c5", "only tool messages derive")] },
        { sessionExternalId: "s-derive", externalId: "explicit", role: "tool", textContent: "given", parts: [result("c6", "out")] },
      ],
    });
    expect(res.features).toContain("tool-text-from-output");
    expect(await textsOf("s-derive")).toEqual({
      one: "total 3 → ✓ passed",
      two: "first\n\nsecond",
      "text-wins": "said",
      "not-a-string": null,
      assistant: null,
      explicit: "given",
    });
  });

  test("the uploader leaves a repeated output out after the first response, and the stored text is the same", async () => {
    const bodies: Array<{ messages: Array<Record<string, unknown>> }> = [];
    const recording = (async (url: URL, init: RequestInit) => {
      bodies.push(JSON.parse(Buffer.from(init.body as Uint8Array).toString("utf8")));
      return fetch(url, init);
    }) as typeof fetch;
    const client = new OpenSyncClient({ baseUrl: server.url, apiKey: key, fetch: recording });
    const uploader = new Uploader(client, { maxMessages: 2, concurrency: 1 });
    const output = (i: number) => `line ${i}: ${"├── 日本語 ✓ ".repeat(50)}`;
    const messages = Array.from({ length: 6 }, (_, i) => ({
      sessionExternalId: "s-upload",
      externalId: `m${i}`,
      role: "tool",
      textContent: output(i),
      parts: [result(`call${i}`, output(i))],
    }));
    // A tool message whose text is not its output keeps its text.
    messages.push({ sessionExternalId: "s-upload", externalId: "differs", role: "tool", textContent: "a summary", parts: [result("cx", "the output")] });
    for (const [i, m] of messages.entries()) {
      await uploader.push({ sessions: i === 0 ? [{ externalId: "s-upload", source: "claude-code" }] : [], messages: [m] }, () => {});
      await uploader.flush();
    }
    const sent = bodies.flatMap((b) => b.messages);
    expect(sent).toHaveLength(7);
    expect(sent[0].textContent).toBe(output(0)); // before the server said it derives the text
    for (const m of sent.slice(1, 6)) expect(m).not.toHaveProperty("textContent");
    expect(sent[6].textContent).toBe("a summary");
    expect(await textsOf("s-upload")).toEqual({ ...Object.fromEntries(messages.slice(0, 6).map((m) => [m.externalId, m.textContent])), differs: "a summary" });
  });

  test("the output is stored once and read back whole; a later text change keeps the parts' output", async () => {
    const output = "FAIL src/auth.test.ts › rejects ECONNREFUSED ✗\n".repeat(40);
    await batch({
      sessions: [{ externalId: "s-once", source: "claude-code" }],
      messages: [
        { sessionExternalId: "s-once", externalId: "derived", role: "tool", parts: [{ type: "tool-result", content: { callId: "c1", output, isError: true } }] },
        { sessionExternalId: "s-once", externalId: "both", role: "tool", textContent: output, parts: [{ type: "tool-result", content: { callId: "c2", output } }] },
      ],
    });
    const db = new Database(join(server.dataDir, "opensync.db"), { readonly: true });
    const stored = db
      .prepare("SELECT m.external_id AS id, p.content FROM parts p JOIN messages m ON m.id = p.message_id JOIN sessions s ON s.id = m.session_id WHERE s.external_id = 's-once' ORDER BY m.external_id")
      .all() as Array<{ id: string; content: string }>;
    db.close();
    expect(stored).toHaveLength(2);
    for (const row of stored) expect(row.content.length).toBeLessThan(100); // the output lives in text_content only

    const read = async () => Object.fromEntries((await server.client(key).getSession("s-once")).messages.map((m) => [m.externalId, m]));
    let messages = await read();
    expect(messages.derived.textContent).toBe(output);
    expect(messages.derived.parts.map((p) => p.content)).toEqual([{ callId: "c1", output, isError: true }]);
    expect(messages.both.parts.map((p) => p.content)).toEqual([{ callId: "c2", output }]);

    // The text is replaced, the parts are not re-sent: the parts still say what the tool printed.
    await batch({ messages: [{ sessionExternalId: "s-once", externalId: "both", role: "tool", textContent: "summarised by a later version" }] });
    messages = await read();
    expect(messages.both.textContent).toBe("summarised by a later version");
    expect(messages.both.parts.map((p) => p.content)).toEqual([{ callId: "c2", output }]);

    // Searchable by the output's words, through the full-text index.
    await expect.poll(async () => (await server.client(key).search({ q: "ECONNREFUSED", type: "fulltext" })).results.length, { timeout: 10_000 }).toBeGreaterThan(0);
  });
});
