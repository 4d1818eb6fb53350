import { describe, expect, it } from "vitest";
import { RULES_STORAGE, storedJson } from "../../collectors/src/agents/opencode/fixtures/helpers.js";
import type { OcMessage, OcPart, OcSession } from "../../collectors/src/agents/opencode/types.js";
import { redactorFor, sessionBatch, type OcMessageEntry } from "./batch.js";

/**
 * The collectors' rule fixtures (agents/opencode/fixtures/rules) as OpenCode's client returns them
 * to the plugin (`session.get`, `session.messages`: `{ info, parts }` in any order).
 */
function fromClient(sessionId: string): { session: OcSession; entries: OcMessageEntry[] } {
  const session = storedJson(RULES_STORAGE, "session").map((s) => s.data as unknown as OcSession).find((s) => s.id === sessionId)!;
  const parts = storedJson(RULES_STORAGE, "part").map((p) => p.data as unknown as OcPart & { messageID: string });
  const entries = storedJson(RULES_STORAGE, "message")
    .map((m) => m.data as unknown as OcMessage)
    .filter((m) => m.sessionID === sessionId)
    .map((info) => ({ info, parts: parts.filter((p) => p.messageID === info.id).reverse() }))
    .reverse();
  return { session, entries };
}

const redactor = redactorFor({ redaction: { disabled: false, disable: [] } });

describe("plugin batches", () => {
  it("apply the collectors' rules: prompt titles, step tokens, exit codes, start order", () => {
    const { session, entries } = fromClient("ses_7f2a10c3dffeRulesPlaceholder");
    const batch = sessionBatch(session, entries, "box", redactor);
    expect(batch.sessions).toEqual([expect.objectContaining({ externalId: session.id, title: "Make the build pass on CI and explain why it failed", model: "claude-sonnet-4-5" })]);
    expect(batch.messages.map((m) => m.externalId)).toEqual(["msg_a0d5ef3c1001RulesUser0001", "msg_a0d5ef3c2001RulesAsst0001", "msg_a0d5ef3c3001RulesAsst0002"]);
    const [, work, stepOnly] = batch.messages;
    expect(work).toMatchObject({ promptTokens: 1250, cacheReadTokens: 3000, cacheWriteTokens: 2500, completionTokens: 120, reasoningTokens: 30, cost: 0.03 });
    expect(stepOnly).toMatchObject({ promptTokens: 10, cacheReadTokens: 100, completionTokens: 5, cost: 0.001 });
    expect(work.parts!.map((p) => p.type)).toEqual(["step", "reasoning", "text", "tool-call", "tool-result", "step", "step", "tool-call", "tool-result", "text", "step"]);
    expect(work.parts![4].content).toMatchObject({ toolName: "bash", isError: true });
    expect(work.parts![8].content).toMatchObject({ toolName: "read", isError: false, output: expect.stringContaining("retries = 3") });
  });

  it("title an untitled session with its first prompt that has text", () => {
    const { session, entries } = fromClient("ses_7f2a0e91affeRulesUntitled00");
    expect(sessionBatch(session, entries, "box", redactor).sessions[0].title).toBe("Add a --json flag to the list command");
  });
});
