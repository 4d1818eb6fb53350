import { describe, expect, it } from "vitest";
import type { MessageInput } from "@opensync/protocol";
import { claudeCodeCollector, billedTokenTotals } from "./index.js";
import { byId, fixturePath, MACHINE, readUnit, tokenSum } from "./fixtures/support.js";

/**
 * Transcripts written by the real Claude Code 2.1.330 (npm @anthropic-ai/claude-code), run offline
 * against e2e/mock-llm/anthropic.ts. The mock answers with thinking + text + a Bash tool_use (three
 * transcript lines sharing one message.id), then a final text after the tool result.
 */
const content = (m: MessageInput, i: number) => (m.parts ?? [])[i].content as Record<string, unknown>;

describe("claude-code parser on a real transcript", () => {
  const path = fixturePath("real-session.jsonl");
  const sid = "70d63691-2aa2-42c0-8179-8e99da5d7d7f";

  it("yields the prompt, the merged tool-use response, the tool result and the answer", async () => {
    const { messages } = await readUnit(path);
    expect(messages.map((m) => `${m.role}:${m.externalId}`)).toEqual([
      "user:f40397f0-1f71-4b24-8c85-8ea63f7ea355",
      "assistant:msg_mock_0001",
      "tool:07c1af57-576f-4110-830f-f33639914292",
      "assistant:msg_mock_0002",
    ]);
    expect(messages[0].createdAt).toBe(Date.parse("2026-11-22T02:57:51.967Z"));
    expect(messages[0].textContent).toBe("Please run the opensync-e2e marker command and tell me what it printed.");
    const call = byId(messages, "msg_mock_0001");
    expect(call.parts?.map((p) => p.type)).toEqual(["reasoning", "text", "tool-call"]);
    expect(content(call, 2)).toEqual({
      toolName: "Bash",
      args: { command: "echo opensync-e2e-marker", description: "Print the opensync marker" },
      callId: "toolu_mock_0001",
    });
    const result = messages[2];
    expect(content(result, 0)).toEqual({ callId: "toolu_mock_0001", output: "opensync-e2e-marker", isError: false });
    expect(byId(messages, "msg_mock_0002").textContent).toBe("The command printed opensync-e2e-marker. Done.");
    expect(messages.every((m) => m.sessionExternalId === sid)).toBe(true);
  });

  it("counts each response's billed usage once (three lines, one usage)", async () => {
    const { messages } = await readUnit(path);
    expect(byId(messages, "msg_mock_0001")).toMatchObject({ promptTokens: 6240, completionTokens: 79, cacheWriteTokens: 6239, cacheReadTokens: 0 });
    const billed = await billedTokenTotals(path);
    expect(billed.responses).toBe(2);
    expect(tokenSum(messages)).toEqual({
      promptTokens: billed.promptTokens, completionTokens: billed.completionTokens, cacheReadTokens: billed.cacheReadTokens, cacheWriteTokens: billed.cacheWriteTokens,
    });
  });

  it("emits the session from the real fields", async () => {
    const { sessions } = await readUnit(path);
    const session = sessions.get(sid)!;
    expect(session).toMatchObject({
      source: "claude-code",
      machine: MACHINE,
      title: "Please run the opensync-e2e marker command and tell me what it printed.",
      projectPath: "/tmp/ccrun/basic/home/proj",
      projectName: "proj",
      gitBranch: "feature/e2e",
      model: "claude-opus-5-5",
      provider: "anthropic",
      createdAt: Date.parse("2026-11-22T02:57:51.929Z"),
    });
    expect(session.updatedAt).toBeGreaterThan(session.createdAt as number);
    expect(session.durationMs).toBe((session.updatedAt as number) - (session.createdAt as number));
  });
});

describe("claude-code collector on a real config dir with a subagent", () => {
  const root = fixturePath("real-subagent-config");
  const ctx = { home: "/nonexistent", env: { CLAUDE_CONFIG_DIR: root }, machine: MACHINE };
  const sid = "76d8ddea-15b7-4d85-9b1b-9c5167cf45aa";
  const agentId = "ad498b73cf0be0661";

  it("discovers the session and its subagent transcript, parent first", async () => {
    const units = await claudeCodeCollector.discover(ctx);
    expect(units.map((u) => u.path.slice(root.length))).toEqual([
      `/projects/-tmp-ccrun-sub-home-proj/${sid}.jsonl`,
      `/projects/-tmp-ccrun-sub-home-proj/${sid}/subagents/agent-${agentId}.jsonl`,
    ]);
    expect(units[0]).toEqual({ key: `claude-code:${units[0].path}`, agent: "claude-code", path: units[0].path });
  });

  it("files subagent messages under the parent session, marked as sidechain", async () => {
    const units = await claudeCodeCollector.discover(ctx);
    const read = async (i: number) => {
      const chunks = [];
      for await (const c of claudeCodeCollector.read(units[i], undefined, ctx)) chunks.push(c);
      return { messages: chunks.flatMap((c) => c.messages), sessions: chunks.flatMap((c) => c.sessions) };
    };
    const parent = await read(0);
    const sub = await read(1);
    expect(sub.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    for (const m of sub.messages) {
      expect(m.sessionExternalId).toBe(sid);
      expect(m.metadata).toEqual({ isSidechain: true, agentId });
    }
    expect(byId(sub.messages, "msg_mock_0002").parts?.map((p) => p.type)).toEqual(["reasoning", "text", "tool-call"]);
    // The subagent file does not rename the session or move its end.
    expect(sub.sessions.at(-1)).not.toHaveProperty("title");
    expect(sub.sessions.at(-1)).not.toHaveProperty("updatedAt");
    expect(parent.sessions.at(-1)?.title).toBe("Please use a subagent (opensync-e2e-subagent) to run the marker command.");
    // The Agent tool's result is a list of text blocks, joined.
    const agentCall = byId(parent.messages, "msg_mock_0001");
    expect((agentCall.parts ?? []).find((p) => p.type === "tool-call")?.content).toMatchObject({ toolName: "Agent", callId: "toolu_mock_0001" });
    const handBack = parent.messages.find((m) => m.role === "tool")!;
    expect(content(handBack, 0).output).toContain("opensync-e2e-marker");
    // Parent and subagent responses are distinct messages, each counted once.
    for (const i of [0, 1]) {
      const billed = await billedTokenTotals(units[i].path);
      const { responses: _, totalTokens: __, ...tokens } = billed;
      expect(tokenSum((i === 0 ? parent : sub).messages)).toEqual(tokens);
    }
  });
});
