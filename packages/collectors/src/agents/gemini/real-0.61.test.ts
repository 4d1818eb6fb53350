import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema, type MessageInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { geminiCollector } from "./index.js";

/**
 * A chat file written by the real Gemini CLI 0.61.0 (`gemini --yolo -p`) against our mock Gemini
 * API (e2e/mock-llm/gemini.ts): a metadata line, `$set` patches (the first one injecting the
 * `<session_context>` user entry), the prompt, a `gemini` record written twice (again once its
 * `run_shell_command` call has a result), a `user` record echoing the functionResponse, the answer.
 * The mock's usage is known exactly:
 *   call 1: prompt 180 (0 cached), candidates 42, thoughts 25
 *   call 2: prompt 311 (77 cached), candidates 15, thoughts 0
 * (The router's `generateContent` call is billed by the mock but Gemini CLI records it nowhere.)
 */
const SID = "801a611c-8412-4273-bb84-186a5e299b1a";
const FIXTURE_ROOT = join(import.meta.dirname, "fixtures", "real-0.61");
const FILE = join("tmp", "project", "chats", "session-2026-11-30T05-47-801a611c.jsonl");
const PROMPT = "Please run the opensync-e2e marker command and tell me what it printed.";
const id = (record: string) => `${SID}:${record}`;

let ctx: CollectorContext;
let chatFile: string;
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "gemini-real-"));
  cpSync(FIXTURE_ROOT, join(home, ".gemini"), { recursive: true });
  ctx = { home, env: {}, machine: "test-box" };
  chatFile = join(home, ".gemini", FILE);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function readAll(checkpoint?: unknown): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of geminiCollector.read(geminiCollector.unitFor(chatFile), checkpoint, ctx)) chunks.push(chunk);
  return chunks;
}

const messagesOf = (chunks: Chunk[]): MessageInput[] => {
  const byId = new Map<string, MessageInput>();
  for (const c of chunks) for (const m of c.messages) byId.set(m.externalId as string, m);
  return [...byId.values()];
};

const TOKEN_FIELDS = ["promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens"] as const;
const totals = (messages: MessageInput[]) =>
  Object.fromEntries(TOKEN_FIELDS.map((f) => [f, messages.reduce((n, m) => n + (m[f] ?? 0), 0)]));

const BILLED = { promptTokens: 180 + (311 - 77), completionTokens: 42 + 15, cacheReadTokens: 77, cacheWriteTokens: 0, reasoningTokens: 25 };

describe("Gemini CLI 0.61 chat file (real binary, mock LLM)", () => {
  it("discovers the file under tmp/<project>/chats", async () => {
    const units = await geminiCollector.discover(ctx);
    expect(units.map((u) => u.path)).toEqual([chatFile]);
  });

  it("reads every message: injected context, prompt, the call with its result, the answer; the functionResponse echo is no message", async () => {
    const messages = messagesOf(await readAll());
    for (const m of messages) expect(() => messageInputSchema.parse(m)).not.toThrow();
    expect(messages.map((m) => [m.role, m.externalId])).toEqual([
      ["system", id("d04923d38bb0f6017037e74183378ef4")],
      ["user", id("8d84cff4-a866-4631-8072-39ae7b0e0c17")],
      ["assistant", id("ea669685-bb23-4587-82d3-e501db82ff36")],
      ["assistant", id("bb731393-5256-40c2-bb61-870337b2bad7")],
    ]);
    const [context, prompt, call, answer] = messages;
    expect(context.textContent.startsWith("<session_context>\nThis is the Gemini CLI.")).toBe(true);
    expect(prompt).toMatchObject({ textContent: PROMPT, createdAt: Date.parse("2026-11-30T05:47:37.441Z"), parts: [{ type: "text", content: { text: PROMPT } }] });
    const output = "<untrusted_context>\nOutput: opensync-e2e-marker\nProcess Group PGID: 9006\n</untrusted_context>";
    expect(call.parts).toEqual([
      { type: "reasoning", content: { text: "Running the marker\nThe user wants the marker command run; run_shell_command can do that." } },
      { type: "text", content: { text: "I'll run the command." } },
      { type: "tool-call", content: { toolName: "run_shell_command", args: { command: "echo opensync-e2e-marker", description: "Print the opensync marker" }, callId: expect.stringMatching(/^run_shell_command_/) } },
      { type: "tool-result", content: { callId: (call.parts[2].content as { callId: string }).callId, output, isError: false } },
    ]);
    expect(call).toMatchObject({ model: "gemini-3.8-flash", provider: "google", promptTokens: 180, cacheReadTokens: 0, completionTokens: 42, reasoningTokens: 25 });
    expect(answer).toMatchObject({
      textContent: "The command printed opensync-e2e-marker. Done.", model: "gemini-3.8-flash",
      promptTokens: 234, cacheReadTokens: 77, completionTokens: 15, reasoningTokens: 0,
    });
    expect(totals(messages)).toEqual(BILLED);
  });

  it("describes the session: id, project from .project_root, title from the typed prompt, times", async () => {
    const chunks = await readAll();
    const session = chunks[chunks.length - 1].sessions[0];
    expect(() => sessionInputSchema.parse(session)).not.toThrow();
    expect(session).toEqual({
      externalId: SID,
      source: "gemini-cli",
      machine: "test-box",
      provider: "google",
      projectName: "project",
      projectPath: "/tmp/x2/home/project",
      title: PROMPT,
      model: "gemini-3.8-flash",
      createdAt: Date.parse("2026-11-30T05:47:37.410Z"),
      updatedAt: Date.parse("2026-11-30T05:47:38.323Z"),
    });
  });

  it("gives the same messages and totals when read line by line from every checkpoint", async () => {
    const whole = messagesOf(await readAll());
    const lines = readFileSync(chatFile, "utf8").split("\n").filter(Boolean);
    writeFileSync(chatFile, "");
    let checkpoint: unknown;
    const chunks: Chunk[] = [];
    for (const line of lines) {
      appendFileSync(chatFile, `${line}\n`);
      for await (const chunk of geminiCollector.read(geminiCollector.unitFor(chatFile), checkpoint, ctx)) {
        chunks.push(chunk);
        checkpoint = chunk.checkpoint;
      }
    }
    expect(messagesOf(chunks)).toEqual(whole);
  });

  it("a rewind to the functionResponse echo drops only what came after it: the echo keeps its place though it is never sent", async () => {
    const first = await readAll();
    appendFileSync(chatFile, `${JSON.stringify({ $rewindTo: "cfc320ca-cbba-484d-8b85-491e00aa7f7d" })}\n`);
    // The answer was already sent: the read starts over and re-sends it marked rewound.
    const after = messagesOf(await readAll(first[first.length - 1].checkpoint));
    expect(after.map((m) => [m.externalId, m.metadata?.rewound ?? false])).toEqual([
      [id("d04923d38bb0f6017037e74183378ef4"), false],
      [id("8d84cff4-a866-4631-8072-39ae7b0e0c17"), false],
      [id("ea669685-bb23-4587-82d3-e501db82ff36"), false],
      [id("bb731393-5256-40c2-bb61-870337b2bad7"), true],
    ]);
  });
});
