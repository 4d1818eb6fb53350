import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInput } from "@opensync/protocol";
import { billedTokenTotals, firstLineTokenTotals } from "./usage.js";
import { byId, fixtureLines, fixturePath, MACHINE, readUnit, tokenSum } from "./fixtures/support.js";

const at = (iso: string) => Date.parse(iso);
const partTypes = (m: MessageInput) => (m.parts ?? []).map((p) => p.type);
const content = (m: MessageInput, i: number) => (m.parts ?? [])[i].content as Record<string, unknown>;

/** Every tool-result answers a tool-call of the same session, matched by callId. */
function expectPairedToolCalls(messages: MessageInput[]) {
  const calls = new Set<string>();
  const results: string[] = [];
  for (const m of messages) for (const p of m.parts ?? []) {
    const c = p.content as { callId?: string };
    if (p.type === "tool-call") calls.add(String(c.callId));
    if (p.type === "tool-result") results.push(String(c.callId));
  }
  expect(results.length).toBeGreaterThan(0);
  for (const id of results) expect(calls.has(id)).toBe(true);
}

/** The collector's tokens are what the provider billed: the tally of each response's last line. */
async function expectTokensBilled(path: string, messages: MessageInput[]) {
  const billed = await billedTokenTotals(path);
  expect(tokenSum(messages)).toEqual({
    promptTokens: billed.promptTokens,
    completionTokens: billed.completionTokens,
    cacheReadTokens: billed.cacheReadTokens,
    cacheWriteTokens: billed.cacheWriteTokens,
  });
}

describe("claude-code parser: normal session with tool use", () => {
  const path = fixturePath("tool-use-session.jsonl");
  const sid = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f";

  it("merges streamed lines into one message per response, in file order", async () => {
    const { messages } = await readUnit(path);
    expect(messages.map((m) => `${m.role}:${m.externalId}`)).toEqual([
      "user:u-0001",
      "assistant:msg_01HcKq3vT9pXeYzW1",
      "tool:u-0002",
      "assistant:msg_01PzR7wLk2NcVbQ8",
      "tool:u-0003",
      "assistant:msg_01TqW3eXn5MbHs2K",
      "tool:u-0004",
      "assistant:msg_01XyZ8aBc4DeFgH6",
    ]);
    const first = byId(messages, "msg_01HcKq3vT9pXeYzW1");
    expect(partTypes(first)).toEqual(["reasoning", "text", "tool-call"]);
    expect(content(first, 0)).toEqual({ text: "The user wants a /health route. I should read src/server.js first." });
    expect(content(first, 2)).toEqual({ toolName: "Read", args: { file_path: "/home/dev/projects/webapp/src/server.js" }, callId: "toolu_01Rd8" });
    expect(first.textContent).toBe("I'll look at the server first.");
    expect(first.createdAt).toBe(at("2025-10-14T09:12:06.402Z"));
    expect(first).toMatchObject({ sessionExternalId: sid, model: "claude-sonnet-4-5-20250929", provider: "anthropic" });
    expect(messages.every((m) => m.sessionExternalId === sid)).toBe(true);
  });

  it("counts usage once per response, from its last line", async () => {
    const { messages } = await readUnit(path);
    // The third line of this response reports output_tokens 96 (billed); the first (which ccusage keeps) 3.
    expect(byId(messages, "msg_01HcKq3vT9pXeYzW1")).toMatchObject({
      promptTokens: 4, completionTokens: 96, cacheWriteTokens: 5120, cacheReadTokens: 12044,
    });
    expect(byId(messages, "u-0001").promptTokens).toBeUndefined();
    await expectTokensBilled(path, messages);
  });

  it("maps tool results to tool messages paired by callId, with errors flagged", async () => {
    const { messages } = await readUnit(path);
    expectPairedToolCalls(messages);
    const failed = byId(messages, "u-0004");
    expect(failed.role).toBe("tool");
    expect(content(failed, 0)).toEqual({
      callId: "toolu_01Bs9",
      output: "Exit code 1\n> webapp@1.0.0 test\n> jest\n\nNo tests found, exiting with code 1",
      isError: true,
    });
    expect(failed.textContent).toContain("No tests found");
    expect(content(byId(messages, "u-0003"), 0)).toMatchObject({ callId: "toolu_01Ed4", isError: false });
  });

  it("emits the session with the agent's own timestamps", async () => {
    const { sessions } = await readUnit(path);
    expect([...sessions.keys()]).toEqual([sid]);
    expect(sessions.get(sid)).toEqual({
      externalId: sid,
      source: "claude-code",
      provider: "anthropic",
      machine: MACHINE,
      projectPath: "/home/dev/projects/webapp",
      projectName: "webapp",
      gitBranch: "main",
      createdAt: at("2025-10-14T09:12:03.118Z"),
      updatedAt: at("2025-10-14T09:12:23.602Z"),
      durationMs: at("2025-10-14T09:12:23.602Z") - at("2025-10-14T09:12:03.118Z"),
      title: "Add a health check endpoint to the Express server in src/server.js",
      model: "claude-sonnet-4-5-20250929",
    });
  });
});

describe("claude-code parser: streamed duplicates", () => {
  const path = fixturePath("streamed-duplicates.jsonl");

  it("keeps every block of a four-line response in order", async () => {
    const { messages } = await readUnit(path);
    expect(messages.map((m) => m.externalId)).toEqual([
      "u-1", "msg_01StreamAAAA", "u-2", "msg_01NoRequestBB", "u-3", "2b5e7c10-8d2f-4a63-9e1b-5c4d3a2f1e0d",
    ]);
    const streamed = byId(messages, "msg_01StreamAAAA");
    expect(partTypes(streamed)).toEqual(["reasoning", "text", "text", "reasoning"]);
    expect(content(streamed, 3)).toEqual({ text: "[redacted thinking]", redacted: true });
    expect(streamed.textContent).toBe("The client retries up to 3 times.\n\nBackoff doubles from 200 ms.");
  });

  it("uses the last line's usage, merges lines without a requestId the same way, and drops zero synthetic usage", async () => {
    const { messages } = await readUnit(path);
    // output_tokens 1, 40, 80, 120 on the four lines: 120 was billed.
    expect(byId(messages, "msg_01StreamAAAA")).toMatchObject({ promptTokens: 10, completionTokens: 120, cacheWriteTokens: 2000, cacheReadTokens: 0 });
    // Two lines without a requestId (output 12, then 20): one response, not summed.
    expect(byId(messages, "msg_01NoRequestBB")).toMatchObject({ promptTokens: 3, completionTokens: 20, cacheReadTokens: 2010 });
    const synthetic = byId(messages, "2b5e7c10-8d2f-4a63-9e1b-5c4d3a2f1e0d");
    expect(synthetic.model).toBeUndefined();
    expect(synthetic.promptTokens).toBeUndefined();
    expect(synthetic.metadata).toEqual({ synthetic: true, isApiErrorMessage: true });
    await expectTokensBilled(path, messages);
    expect(await billedTokenTotals(path)).toMatchObject({ promptTokens: 13, completionTokens: 140, cacheWriteTokens: 2000, cacheReadTokens: 2010 });
    // ccusage's first-line rule: 1 instead of 120, and the two requestId-less lines summed.
    expect(await firstLineTokenTotals(path)).toMatchObject({ promptTokens: 16, completionTokens: 33, cacheWriteTokens: 2000, cacheReadTokens: 4020 });
  });
});

describe("claude-code parser: truncated last line", () => {
  it("stops before the partial line", async () => {
    const path = fixturePath("truncated-last-line.jsonl");
    const { messages, checkpoint } = await readUnit(path);
    expect(messages.map((m) => m.externalId)).toEqual(["u-10", "msg_01TruncAAAA", "u-11"]);
    const complete = fixtureLines("truncated-last-line.jsonl").slice(0, 3).join("\n").length + 1;
    expect(checkpoint?.state?.sentThrough).toBe(complete);
  });
});

describe("claude-code parser: sidechain lines in the main transcript", () => {
  const path = fixturePath("sidechain-inline.jsonl");
  const sid = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";

  it("keeps sidechain messages in the parent session, marked", async () => {
    const { messages, sessions } = await readUnit(path);
    expect(messages.map((m) => m.externalId)).toEqual([
      "u-20", "msg_01MainTask", "u-21", "msg_01SideGrep", "u-22", "msg_01SideDone", "u-23", "msg_01MainDone",
    ]);
    expect(messages.every((m) => m.sessionExternalId === sid)).toBe(true);
    for (const id of ["u-21", "msg_01SideGrep", "u-22", "msg_01SideDone"]) expect(byId(messages, id).metadata).toEqual({ isSidechain: true });
    expect(byId(messages, "u-20").metadata).toBeUndefined();
    expect(byId(messages, "msg_01SideGrep").model).toBe("claude-3-5-haiku-20241022");
    // The subagent's prompt never names the session, nor does its model become the session's.
    expect(sessions.get(sid)).toMatchObject({ title: "Find where the auth tokens are refreshed", model: "claude-sonnet-4-5-20250929" });
    expectPairedToolCalls(messages);
    await expectTokensBilled(path, messages);
  });

  it("joins the text blocks of a tool result", async () => {
    const { messages } = await readUnit(path);
    expect(content(byId(messages, "u-23"), 0).output).toBe("Tokens are refreshed in packages/auth/src/session.ts.");
  });
});

describe("claude-code parser: unknown and malformed lines", () => {
  it("skips them and keeps the conversation", async () => {
    const path = fixturePath("unknown-line-types.jsonl");
    const sid = "0f1e2d3c-4b5a-4968-8776-655443322110";
    const { messages, sessions } = await readUnit(path);
    expect(messages.map((m) => `${m.role}:${m.externalId}`)).toEqual([
      "user:u-30", "assistant:msg_01Unknown1", "tool:u-31", "assistant:msg_01Unknown2",
    ]);
    expect(content(byId(messages, "u-31"), 0).output).toBe("changed 14 packages\nfound 0 vulnerabilities");
    // The nested message inside a progress line is not counted: the subagent's own lines are.
    await expectTokensBilled(path, messages);
    expect(tokenSum(messages).promptTokens).toBe(7);
    // The summary line has no sessionId: it names the file's session.
    expect([...sessions.keys()]).toEqual([sid]);
    expect(sessions.get(sid)).toMatchObject({
      title: "Bump dependencies",
      createdAt: at("2026-01-05T10:00:00.000Z"),
      updatedAt: at("2026-01-05T10:00:11.000Z"),
      model: "claude-opus-4-5-20251101",
      projectName: "app",
    });
  });
});

describe("claude-code parser: titles", () => {
  const sid = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
  const lines = fixtureLines("summary-title.jsonl");
  const dir = mkdtempSync(join(tmpdir(), "cc-titles-"));
  const titleOfPrefix = async (n: number, skip: (l: string) => boolean = () => false) => {
    const path = join(dir, `${sid}.jsonl`);
    writeFileSync(path, lines.slice(0, n).filter((l) => !skip(l)).map((l) => `${l}\n`).join(""));
    return (await readUnit(path)).sessions.get(sid)?.title;
  };

  it("prefers custom title, then AI title, then the latest summary", async () => {
    expect(await titleOfPrefix(lines.length)).toBe("docs: link fixes");
    expect(await titleOfPrefix(lines.length - 1)).toBe("Fix docs links after /guide move");
    expect(await titleOfPrefix(7)).toBe("Fix broken links in the docs site build");
  });

  it("falls back to the first real prompt, skipping meta and command noise", async () => {
    const title = await titleOfPrefix(lines.length, (l) => /"type":"(summary|ai-title|custom-title)"/.test(l));
    expect(title).toBe("The docs build fails with broken links after the move to /guide. Can you fix them?");
  });

  it("keeps noise messages as messages, with images as file parts", async () => {
    const { messages } = await readUnit(fixturePath("summary-title.jsonl"));
    expect(messages.map((m) => m.externalId)).toEqual(["u-40", "u-41", "u-42", "u-43", "msg_01Title0001", "u-44", "msg_01Title0002"]);
    expect(byId(messages, "u-40").metadata).toEqual({ isMeta: true });
    expect(byId(messages, "u-44").metadata).toEqual({ isCompactSummary: true });
    const withImage = byId(messages, "u-43");
    expect(partTypes(withImage)).toEqual(["text", "file"]);
    expect(content(withImage, 1)).toEqual({ path: "[image]", mime: "image/png" });
    expect(JSON.stringify(withImage)).not.toContain("iVBOR"); // no base64 payloads
  });

  it("caps a long prompt title at 200 characters", async () => {
    const path = join(dir, "long.jsonl");
    const prompt = `Refactor ${"the payment module ".repeat(30)}`;
    writeFileSync(path, `${JSON.stringify({ type: "user", sessionId: "s-long", uuid: "u", timestamp: "2025-01-01T00:00:00Z", message: { role: "user", content: prompt } })}\n`);
    const title = (await readUnit(path)).sessions.get("s-long")?.title ?? "";
    expect(title.length).toBeLessThanOrEqual(200);
    expect(title.endsWith("…")).toBe(true);
    expect(title.startsWith("Refactor the payment module the payment")).toBe(true);
  });
});
