import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { geminiCollector } from "./index.js";

/**
 * One fixture per Gemini CLI rule of issue 8 (fixtures/rules-home), written in the shapes Gemini
 * CLI writes (chatRecordingService.ts records, 0.61's `<session_context>` first entry). Token
 * expectations follow the billing rule: Gemini's `input` includes `cached`; `output` excludes
 * `thoughts`.
 */
const FIXTURE_HOME = join(import.meta.dirname, "fixtures", "rules-home");
const HASH = "552851ba6c349aea34cf81b480a56912b1297cf3248f01bd628511e43cee4e0c"; // sha256("/home/dev/my-app")

let root: string;
let ctx: CollectorContext;
beforeEach(() => {
  const home = mkdtempSync(join(tmpdir(), "gemini-rules-"));
  root = join(home, ".gemini");
  cpSync(FIXTURE_HOME, root, { recursive: true });
  ctx = { home, env: {}, machine: "test-box" };
});
afterEach(() => rmSync(ctx.home, { recursive: true, force: true }));

async function readAll(path: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of geminiCollector.read(geminiCollector.unitFor(path), undefined, ctx)) chunks.push(chunk);
  return chunks;
}
const messagesOf = (chunks: Chunk[]): MessageInput[] => chunks.flatMap((c) => c.messages);
function billed(messages: MessageInput[]) {
  const t = { promptTokens: 0, cacheReadTokens: 0, completionTokens: 0, reasoningTokens: 0 };
  for (const m of messages) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += m[k] ?? 0;
  return t;
}
const hashed = (file: string) => join(root, "tmp", HASH, "chats", file);

describe("gemini rules", () => {
  it("the <session_context> first user entry of Gemini CLI 0.61 is context, never a user message nor the title", async () => {
    const chunks = await readAll(join(root, "tmp", "my-app", "chats", "session-2026-03-20T10-00-5a1c0e11.jsonl"));
    const messages = messagesOf(chunks);
    expect(messages.map((m) => [m.role, m.textContent.split("\n")[0]])).toEqual([
      ["system", "<session_context>"],
      ["user", "list the files here"],
      ["assistant", "There is one file: package.json."],
    ]);
    expect(chunks.at(-1)!.sessions[0]).toMatchObject({ title: "list the files here", projectPath: "/home/dev/my-app", projectName: "my-app" });
    expect(billed(messages)).toEqual({ promptTokens: 6120, cacheReadTokens: 0, completionTokens: 9, reasoningTokens: 0 });
  });

  it("keeps messages without an id, with their tokens, under ids derived from position and time", async () => {
    const path = hashed("session-2025-11-04T09-00-7c3e2a33.json");
    const chunks = await readAll(path);
    const messages = messagesOf(chunks);
    const sid = "7c3e2a33-4d5e-4f60-8b12-c3d4e5f6a7b8";
    expect(messages.map((m) => [m.externalId, m.role, m.textContent])).toEqual([
      [`${sid}:noid-0@2025-11-04T09:00:01.000Z`, "user", "summarise README.md"],
      [`${sid}:noid-1@2025-11-04T09:00:06.000Z`, "assistant", "It explains setup and scripts."],
      [`${sid}:noid-2@2025-11-04T09:01:00.000Z`, "user", "shorter"],
      [`${sid}:noid-3@2025-11-04T09:01:10.000Z`, "assistant", "Setup and scripts."],
    ]);
    expect(billed(messages)).toEqual({ promptTokens: 3200 + 300, cacheReadTokens: 1000 + 4000, completionTokens: 30 + 5, reasoningTokens: 44 });
    expect(chunks[0].sessions[0].title).toBe("summarise README.md");
    expect(messagesOf(await readAll(path)).map((m) => m.externalId)).toEqual(messages.map((m) => m.externalId));
  });

  it("resolves a hash project dir through the folders Gemini CLI trusts (sha256 of the path)", async () => {
    const path = hashed("session-2025-11-03T09-00-6b2d1f22.json");
    expect((await readAll(path))[0].sessions[0]).toMatchObject({ projectPath: "/home/dev/my-app", projectName: "my-app" });
    rmSync(join(root, "trustedFolders.json"));
    const [chunk] = await readAll(path);
    expect(chunk.sessions[0]).toMatchObject({ projectName: HASH.slice(0, 8) });
    expect(chunk.sessions[0].projectPath).toBeUndefined();
  });

  it("invents no result for a tool call that has none, and keeps a parts list's parts separate", async () => {
    const messages = messagesOf(await readAll(hashed("session-2025-11-05T09-00-8d4f3b44.json")));
    const [user, calls, answer] = messages;
    expect(user).toMatchObject({
      role: "user",
      textContent: "Compare these two files:\n@a.txt @b.txt",
      parts: [{ type: "text", content: { text: "Compare these two files:" } }, { type: "text", content: { text: "@a.txt @b.txt" } }],
    });
    expect(calls.parts).toEqual([
      { type: "tool-call", content: { toolName: "read_file", args: { absolute_path: "/home/dev/my-app/b.txt" }, callId: "read_file-1762333210001-aa11" } },
      { type: "tool-call", content: { toolName: "run_shell_command", args: { command: "diff a.txt b.txt" }, callId: "run_shell_command-1762333210002-bb22" } },
    ]);
    expect(answer).toMatchObject({
      textContent: "The files differ in one line.\na.txt says alpha; b.txt was not read.",
      parts: [{ type: "text", content: { text: "The files differ in one line." } }, { type: "text", content: { text: "a.txt says alpha; b.txt was not read." } }],
    });
    expect(billed(messages)).toEqual({ promptTokens: 2500 + 200, cacheReadTokens: 2400, completionTokens: 60, reasoningTokens: 12 });
  });

  it("every chunk that carries messages carries their session", async () => {
    for (const unit of await geminiCollector.discover(ctx)) {
      for (const chunk of await readAll(unit.path)) {
        const sessions = new Set(chunk.sessions.map((s) => s.externalId));
        for (const m of chunk.messages) expect(sessions.has(m.sessionExternalId)).toBe(true);
      }
    }
  });
});
