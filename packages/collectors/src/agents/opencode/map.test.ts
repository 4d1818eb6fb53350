import { describe, expect, it } from "vitest";
import { mapMessage, mapPart, mapSession, sessionTitle, textContentOf } from "./map.js";
import type { OcPart } from "./types.js";

const part = (p: Partial<OcPart> & { type: string }): OcPart => ({ id: "prt_1", ...p });

describe("OpenCode mapping", () => {
  it("maps an errored tool to a call and an error result", () => {
    const parts = mapPart(part({
      type: "tool", tool: "read", callID: "c1",
      state: { status: "error", input: { filePath: "/x" }, error: "File not found", time: { start: 10, end: 25 } },
    }));
    expect(parts).toEqual([
      { type: "tool-call", content: { toolName: "read", args: { filePath: "/x" }, callId: "c1", status: "error" } },
      { type: "tool-result", content: { callId: "c1", toolName: "read", output: "File not found", isError: true, durationMs: 15 } },
    ]);
  });

  it("drops tool metadata that is too big to sync (whole files of an edit)", () => {
    const [, result] = mapPart(part({
      type: "tool", tool: "edit", callID: "c2",
      state: { status: "completed", input: {}, output: "ok", metadata: { diff: "x".repeat(10_000) } },
    }));
    expect(result.content).not.toHaveProperty("metadata");
  });

  it("keeps unknown part types as steps, without OpenCode's ids", () => {
    expect(mapPart({ id: "p", type: "compaction", auto: true, sessionID: "s", messageID: "m" } as OcPart)).toEqual([
      { type: "step", content: { kind: "compaction", auto: true } },
    ]);
    expect(mapPart(part({ type: "step-start", snapshot: "abc" }))).toEqual([{ type: "step", content: { kind: "start", snapshot: "abc" } }]);
  });

  it("falls back to synthetic text when a message has nothing else", () => {
    expect(textContentOf([part({ type: "text", text: "injected", synthetic: true })])).toBe("injected");
    expect(textContentOf([part({ type: "text", text: "a" }), part({ type: "text", text: "x", ignored: true }), part({ type: "text", text: "b" })])).toBe("a\n\nb");
  });

  it("sends a recorded zero cost but no tokens for user messages", () => {
    const assistant = mapMessage({
      message: { id: "m1", sessionID: "s1", role: "assistant", cost: 0, tokens: { input: 5, output: 2, reasoning: 0, cache: { read: 0, write: 0 } }, time: { created: 100 } },
      parts: [],
    });
    expect(assistant).toMatchObject({ cost: 0, promptTokens: 5, completionTokens: 2, createdAt: 100 });
    expect(assistant.durationMs).toBeUndefined();
    const user = mapMessage({ message: { id: "m0", sessionID: "s1", role: "user", model: { providerID: "p", modelID: "x" }, time: { created: 90 } }, parts: [] });
    expect(user).not.toHaveProperty("cost");
    expect(user).not.toHaveProperty("model");
    expect(user.metadata).toEqual({ requestedModel: "x", requestedProvider: "p" });
  });

  it("takes the session model from the session, else from its latest assistant message", () => {
    expect(mapSession({ id: "s", model: { id: "m", providerID: "p" } }, "box", { model: "other" })).toMatchObject({ model: "m", provider: "p" });
    expect(mapSession({ id: "s" }, "box", { model: "other", provider: "q" })).toMatchObject({ model: "other", provider: "q" });
  });

  it("replaces only OpenCode's placeholder titles (and empty ones) by the first prompt, on one line and cut", () => {
    const prompt = "Fix   the\nflaky test";
    expect(sessionTitle("New session - 2025-06-01T10:00:00.000Z", prompt)).toBe("Fix the flaky test");
    expect(sessionTitle("Child session - 2025-06-01T10:00:00.000Z", prompt)).toBe("Fix the flaky test");
    expect(sessionTitle("  ", prompt)).toBe("Fix the flaky test");
    expect(sessionTitle(undefined, prompt)).toBe("Fix the flaky test");
    expect(sessionTitle("New session - about caching", prompt)).toBe("New session - about caching");
    expect(sessionTitle("New session - 2025-06-01T10:00:00.000Z", undefined)).toBe("New session - 2025-06-01T10:00:00.000Z");
    expect(sessionTitle("", undefined)).toBeUndefined();
    const long = sessionTitle("", "word ".repeat(60))!;
    expect(long).toHaveLength(100);
    expect(long.endsWith("…")).toBe(true);
  });

  it("a tool that exited 0, or whose exit code is unknown, is not a failure", () => {
    const result = (metadata: Record<string, unknown>) =>
      mapPart(part({ type: "tool", tool: "bash", callID: "c", state: { status: "completed", input: {}, output: "ok", metadata } }))[1].content;
    expect(result({ exit: 0 })).toMatchObject({ isError: false });
    expect(result({ exit: null })).toMatchObject({ isError: false });
    expect(result({ exitCode: 2 })).toMatchObject({ isError: true, output: "ok" });
  });
});
