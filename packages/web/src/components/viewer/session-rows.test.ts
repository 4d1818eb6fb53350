import { describe, expect, it } from "vitest";
import type { Message } from "@opensync/protocol";
import { buildRows, GAP_MS, marksOf, resultsByCallId, rowIndexOf } from "./session-rows";
import { viewParts } from "./parts";

let n = 0;
function msg(p: Partial<Message> & Pick<Message, "role" | "createdAt">): Message {
  n++;
  return {
    id: p.id ?? `m${n}`, externalId: `e${n}`, sessionId: "s", textContent: null, model: null, provider: null, source: null,
    promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0, cost: 0, durationMs: 0,
    metadata: {}, parts: [], ...p,
  };
}
const text = (t: string) => [{ id: `p${n}`, type: "text", content: { text: t }, order: 0 }];
const call = (id: string) => [{ id: `c${id}`, type: "tool-call", content: { toolName: "Bash", args: { command: "ls" }, callId: id }, order: 0 }];
const result = (id: string, isError = false) => [{ id: `r${id}`, type: "tool-result", content: { callId: id, output: "out", isError }, order: 0 }];

const t0 = 1_700_000_000_000;

describe("buildRows", () => {
  it("groups consecutive sidechain messages of one agent with their token and cost subtotal", () => {
    const messages = [
      msg({ id: "u", role: "user", createdAt: t0, parts: text("go") }),
      msg({ id: "s1", role: "user", createdAt: t0 + 1000, parts: text("sub task"), metadata: { isSidechain: true, agentId: "a1" } }),
      msg({ id: "s2", role: "assistant", createdAt: t0 + 2000, parts: text("done"), totalTokens: 120, cost: 0.5, metadata: { isSidechain: true, agentId: "a1" } }),
      msg({ id: "s3", role: "assistant", createdAt: t0 + 3000, parts: text("other agent"), totalTokens: 30, cost: 0.25, metadata: { isSidechain: true, agentId: "a2" } }),
      msg({ id: "a", role: "assistant", createdAt: t0 + 4000, parts: text("answer"), totalTokens: 999 }),
    ];
    const rows = buildRows(messages);
    expect(rows.map((r) => r.kind)).toEqual(["message", "sidechain", "sidechain", "message"]);
    const first = rows[1]!;
    if (first.kind !== "sidechain") throw new Error("not a group");
    expect(first.agentId).toBe("a1");
    expect(first.messages.map((m) => m.message.id)).toEqual(["s1", "s2"]);
    expect(first.subtotal).toEqual({ tokens: 120, cost: 0.5, messages: 2 });
    expect(rowIndexOf(rows, "s2")).toBe(1);
    expect(rowIndexOf(rows, "s3")).toBe(2);
  });

  it("marks a pause of more than 5 minutes, and not one of exactly 5", () => {
    const rows = buildRows([
      msg({ role: "user", createdAt: t0, parts: text("a") }),
      msg({ role: "assistant", createdAt: t0 + GAP_MS, parts: text("b") }),
      msg({ role: "user", createdAt: t0 + GAP_MS + GAP_MS + 1, parts: text("c") }),
    ]);
    expect(rows.map((r) => r.kind)).toEqual(["message", "message", "gap", "message"]);
    const gap = rows[2]!;
    expect(gap.kind === "gap" && gap.ms).toBe(GAP_MS + 1);
  });

  it("folds a message that only returns results of calls shown above into those calls", () => {
    const messages = [
      msg({ role: "assistant", createdAt: t0, parts: call("c1") }),
      msg({ role: "tool", createdAt: t0 + 1, parts: result("c1", true) }),
      msg({ role: "tool", createdAt: t0 + 2, parts: result("orphan") }),
    ];
    const rows = buildRows(messages);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.kind === "message" && rows[1]!.message.parts[0]!.content).toMatchObject({ callId: "orphan" });
    const results = resultsByCallId(messages.map((m) => ({ parts: viewParts(m) })));
    expect(results.get("c1")?.isError).toBe(true);
    expect(marksOf(rows, results).map((m) => m.kind)).toEqual(["error"]);
  });

  it("prompts mode keeps the typed prompts and each turn's last answer with text, nothing else", () => {
    const messages = [
      msg({ id: "p1", role: "user", createdAt: t0, parts: text("first prompt") }),
      msg({ id: "a1", role: "assistant", createdAt: t0 + 1, parts: [...text("working"), ...call("x")] }),
      msg({ id: "r1", role: "tool", createdAt: t0 + 2, parts: result("x") }),
      msg({ id: "a2", role: "assistant", createdAt: t0 + 3, parts: [...text("final one"), ...call("y")] }),
      msg({ id: "side", role: "assistant", createdAt: t0 + 4, parts: text("sub"), metadata: { isSidechain: true } }),
      msg({ id: "p2", role: "user", createdAt: t0 + 5, parts: text("second") }),
      msg({ id: "a3", role: "assistant", createdAt: t0 + 6, parts: text("final two") }),
    ];
    const rows = buildRows(messages, "prompts");
    expect(rows.map((r) => (r.kind === "message" ? r.message.id : r.kind))).toEqual(["p1", "a2", "p2", "a3"]);
    const a2 = rows[1]!;
    expect(a2.kind === "message" && a2.parts.map((p) => p.kind)).toEqual(["text"]);
  });
});

describe("viewParts: a tool message's text that repeats its output", () => {
  const result = (output: string) => ({ id: "p1", type: "tool-result", content: { callId: "c1", output }, order: 0 });
  it("shows the output once, as the tool result", () => {
    const parts = viewParts(msg({ role: "tool", createdAt: 1, textContent: "12 passed", parts: [result("12 passed")] }));
    expect(parts.map((p) => p.kind)).toEqual(["tool-result"]);
  });
  it("keeps a text that says something else", () => {
    const parts = viewParts(msg({ role: "tool", createdAt: 1, textContent: "summary", parts: [result("12 passed")] }));
    expect(parts.map((p) => p.kind)).toEqual(["text", "tool-result"]);
  });
});
