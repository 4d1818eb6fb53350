import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema, type MessageInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { codexCollector } from "./index.js";

/**
 * A rollout written by the real Codex CLI 0.171.0 (`codex exec`) against our mock Responses API
 * (e2e/mock-llm/openai-responses.ts): prompt, one `exec_command` call, its output, the answer. The
 * mock billed two responses, so every token below is known exactly:
 *   resp_mock_0001: input 5171 (0 cached, 2585 cache writes), output 95 (17 reasoning)
 *   resp_mock_0002: input 5359 (1339 cached), output 48 (0 reasoning)
 * 0.171 writes each response's usage in a `token_usage_record` line right after its items, and
 * still writes `token_count` events (after the tool output) repeating it.
 */
const THREAD = "01a22afd-6814-7451-ac64-0f4f58f00bd2";
const FILE = `rollout-2026-11-30T05-46-20-${THREAD}.jsonl`;
const FIXTURE = join(import.meta.dirname, "fixtures", "real-0.171", "sessions", "2026", "11", "30", FILE);
const PROMPT = "Please run the opensync-e2e marker command and tell me what it printed.";

let home: string;
let ctx: CollectorContext;
let rollout: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "codex-real-"));
  ctx = { home, env: {}, machine: "test-box" };
  const dir = join(home, ".codex", "sessions", "2026", "11", "30");
  mkdirSync(dir, { recursive: true });
  rollout = join(dir, FILE);
  copyFileSync(FIXTURE, rollout);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function readAll(checkpoint?: unknown): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of codexCollector.read(codexCollector.unitFor(rollout), checkpoint, ctx)) chunks.push(chunk);
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

/** The mock's two responses in protocol terms (cached reads and cache writes out of input, reasoning out of output). */
const BILLED = {
  promptTokens: 5171 - 2585 + (5359 - 1339),
  completionTokens: 95 - 17 + 48,
  cacheReadTokens: 1339,
  cacheWriteTokens: 2585,
  reasoningTokens: 17,
};

describe("Codex CLI 0.171 rollout (real binary, mock LLM)", () => {
  it("reads every message in order: context, prompt, tool call with its own response's usage, exec output, answer", async () => {
    const chunks = await readAll();
    const messages = messagesOf(chunks);
    for (const m of messages) expect(() => messageInputSchema.parse(m)).not.toThrow();
    expect(messages.map((m) => m.role)).toEqual(["system", "system", "user", "assistant", "tool", "assistant"]);
    const [skills, environment, prompt, call, output, answer] = messages;
    expect(skills.textContent.startsWith("<skills_instructions>")).toBe(true);
    expect(environment.textContent.startsWith("<environment_context>")).toBe(true);
    expect(prompt).toMatchObject({ textContent: PROMPT, createdAt: Date.parse("2026-11-30T05:46:20.200Z") });

    expect(call.parts).toEqual([
      { type: "reasoning", content: { text: "The user wants the marker command run; the shell tool can do that." } },
      { type: "text", content: { text: "I'll run the command." } },
      { type: "tool-call", content: { toolName: "exec_command", args: { cmd: "echo opensync-e2e-marker" }, callId: "call_mock_0001" } },
    ]);
    expect(call).toMatchObject({
      model: "mock-model", provider: "openai",
      promptTokens: 2586, cacheWriteTokens: 2585, cacheReadTokens: 0, completionTokens: 78, reasoningTokens: 17,
    });
    // exec_command's output is a header, then what the command printed.
    expect(output.parts).toEqual([{ type: "tool-result", content: { callId: "call_mock_0001", output: "opensync-e2e-marker", isError: false } }]);
    expect(output).toMatchObject({ textContent: "opensync-e2e-marker", durationMs: 0 });
    expect(answer).toMatchObject({
      textContent: "The command printed opensync-e2e-marker. Done.", model: "mock-model",
      promptTokens: 4020, cacheReadTokens: 1339, completionTokens: 48, reasoningTokens: 0,
    });
    expect(answer.cacheWriteTokens).toBeUndefined();
  });

  it("bills exactly what the mock billed: token_count events repeating a token_usage_record add nothing", async () => {
    const messages = messagesOf(await readAll());
    expect(totals(messages)).toEqual(BILLED);
    // No usage-only step messages: each response's usage sits on the output it produced.
    expect(messages.flatMap((m) => m.parts).filter((p) => p.type === "step")).toEqual([]);
  });

  it("describes the session from session_meta and turn_context", async () => {
    const [first] = await readAll();
    const session = first.sessions[0];
    expect(() => sessionInputSchema.parse(session)).not.toThrow();
    expect(session).toEqual({
      externalId: THREAD,
      source: "codex-cli",
      machine: "test-box",
      provider: "openai",
      projectPath: "/tmp/x1/home/project",
      projectName: "project",
      model: "mock-model",
      title: PROMPT,
      createdAt: Date.parse("2026-11-30T05:46:20.061Z"),
      updatedAt: Date.parse("2026-11-30T05:46:20.569Z"),
      metadata: { cliVersion: "0.171.0", originator: "codex_exec" },
    });
  });

  it("gives the same messages and totals when read line by line from every checkpoint", async () => {
    const whole = messagesOf(await readAll());
    const lines = readFileSync(FIXTURE, "utf8").split("\n").filter(Boolean);
    writeFileSync(rollout, "");
    let checkpoint: unknown;
    const chunks: Chunk[] = [];
    for (const line of lines) {
      appendFileSync(rollout, `${line}\n`);
      for await (const chunk of codexCollector.read(codexCollector.unitFor(rollout), checkpoint, ctx)) {
        chunks.push(chunk);
        checkpoint = chunk.checkpoint;
      }
    }
    expect(messagesOf(chunks)).toEqual(whole);
    expect(totals(messagesOf(chunks))).toEqual(BILLED);
  });

  it("bills a repeated token_usage_record once and ignores one naming another thread", async () => {
    const lines = readFileSync(FIXTURE, "utf8").split("\n").filter(Boolean);
    const record = lines.map((l) => JSON.parse(l)).find((l) => l.type === "token_usage_record" && l.payload.response_id === "resp_mock_0002");
    const other = { ...record, payload: { ...record.payload, thread_id: "01a22afd-0000-7000-8000-000000000000", response_id: "resp_other" } };
    appendFileSync(rollout, `${JSON.stringify(record)}\n${JSON.stringify(other)}\n`);
    expect(totals(messagesOf(await readAll()))).toEqual(BILLED);
  });
});
