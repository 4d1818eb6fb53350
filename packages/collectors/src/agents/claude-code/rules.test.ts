import { describe, expect, it } from "vitest";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInput } from "@opensync/protocol";
import { claudeCodeCollector } from "./index.js";
import { MAX_TOOL_OUTPUT_CHARS } from "./content.js";
import { IDLE_TAIL_MS } from "./read.js";
import { billedTokenTotals, firstLineTokenTotals } from "./usage.js";
import { applyUpserts, byId, fixturePath, MACHINE, readUnit, tokenSum } from "./fixtures/support.js";

/** One test per rule of issue 8 (Claude Code), each on its own fixture written in Claude Code's shapes. */

const at = (iso: string) => Date.parse(iso);
const partTypes = (m: MessageInput) => (m.parts ?? []).map((p) => p.type);
const content = (m: MessageInput, i: number) => (m.parts ?? [])[i].content as Record<string, unknown>;
const tokensOf = (m: MessageInput) => ({ promptTokens: m.promptTokens, completionTokens: m.completionTokens, cacheWriteTokens: m.cacheWriteTokens, cacheReadTokens: m.cacheReadTokens });
const tokens = (promptTokens: number, completionTokens: number, cacheWriteTokens: number, cacheReadTokens: number) => ({ promptTokens, completionTokens, cacheWriteTokens, cacheReadTokens });
const billedOf = async (path: string) => {
  const { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens } = await billedTokenTotals(path);
  return { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens };
};

/** A copy of a fixture in a fresh project folder, named `<name>.jsonl`, as Claude Code names transcripts. */
function copyAs(fixture: string, name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "cc-rules-")), "projects", "-home-dev-project");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.jsonl`);
  copyFileSync(fixturePath(fixture), path);
  return path;
}

/** Makes a file look untouched for longer than the idle limit. */
const settle = (path: string) => {
  const old = (Date.now() - IDLE_TAIL_MS - 5_000) / 1000;
  utimesSync(path, old, old);
};

describe("rule: lines sharing a message.id are one message, billed by the last line's usage", () => {
  const path = fixturePath("streamed-usage-grows.jsonl");

  it("keeps the last line's usage of every response, counted once", async () => {
    const { messages } = await readUnit(path);
    expect(messages.map((m) => `${m.role}:${m.externalId}`)).toEqual([
      "user:u-100", "assistant:msg_01GrowA", "tool:u-101", "assistant:msg_01GrowB", "user:u-102",
      "assistant:msg_01GrowC", "tool:u-103", "assistant:msg_01GrowD",
    ]);
    // output_tokens 2, 2, 187 over three lines: 187 was billed.
    expect(tokensOf(byId(messages, "msg_01GrowA"))).toEqual(tokens(6, 187, 3100, 15020));
    // Written again after the next prompt: still one message, one usage.
    expect(tokensOf(byId(messages, "msg_01GrowB"))).toEqual(tokens(3, 64, 0, 18250));
    expect(tokensOf(byId(messages, "msg_01GrowC"))).toEqual(tokens(4, 142, 900, 18400));
    // No requestId: merged the same way, not summed (3 then 21).
    expect(tokensOf(byId(messages, "msg_01GrowD"))).toEqual(tokens(2, 21, 0, 19000));
    expect(tokenSum(messages)).toEqual({ promptTokens: 15, completionTokens: 414, cacheWriteTokens: 4000, cacheReadTokens: 70670 });
    expect(tokenSum(messages)).toEqual(await billedOf(path));
  });

  it("differs from ccusage's first-line rule by exactly the streamed output", async () => {
    const first = await firstLineTokenTotals(path);
    // First lines: 2 + 1 + 5 output, and the requestId-less response summed (3 + 21, inputs 2 + 2, cache read twice).
    expect(first).toMatchObject({ promptTokens: 17, completionTokens: 32, cacheWriteTokens: 4000, cacheReadTokens: 89670 });
  });

  it("merges content blocks by identity: a tool call never twice, a growing text replaced", async () => {
    const { messages } = await readUnit(path);
    const a = byId(messages, "msg_01GrowA");
    expect(partTypes(a)).toEqual(["reasoning", "text", "tool-call"]);
    expect(content(a, 2)).toEqual({ toolName: "Read", args: { file_path: "/home/dev/projects/shop/src/cart/validate.ts" }, callId: "toolu_01GrowRead" });
    expect(partTypes(byId(messages, "msg_01GrowB"))).toEqual(["text", "text"]);
    expect(byId(messages, "msg_01GrowB").textContent).toBe("`MAX_ITEMS` is 50 in src/cart/validate.ts: carts above it are rejected.\n\nRaise it or make it configurable.");
    expect(partTypes(byId(messages, "msg_01GrowC"))).toEqual(["tool-call"]);
    expect(byId(messages, "msg_01GrowD").parts).toEqual([{ type: "text", content: { text: "Done: MAX_CART_ITEMS now sets the limit (default 50)." } }]);
  });

  it("snapshots that repeat the blocks so far, with a growing text and a tool input that grows", async () => {
    const snap = fixturePath("streamed-snapshots.jsonl");
    const { messages } = await readUnit(snap);
    expect(messages.map((m) => m.externalId)).toEqual(["u-200", "msg_01SnapA", "u-201", "msg_01SnapB"]);
    expect(byId(messages, "msg_01SnapA").parts).toEqual([
      { type: "text", content: { text: "I'll search the migrations folder." } },
      { type: "tool-call", content: { toolName: "Grep", args: { pattern: "orders", path: "db/migrations", output_mode: "files_with_matches" }, callId: "toolu_01SnapGrep" } },
    ]);
    expect(byId(messages, "msg_01SnapB").parts).toEqual([
      { type: "reasoning", content: { text: "Two files. Both are about orders." } },
      { type: "text", content: { text: "Two: 004_orders.sql and 011_orders_index.sql." } },
    ]);
    expect(tokensOf(byId(messages, "msg_01SnapA"))).toEqual(tokens(5, 58, 2000, 9000));
    expect(tokensOf(byId(messages, "msg_01SnapB"))).toEqual(tokens(2, 40, 0, 9400));
    expect(tokenSum(messages)).toEqual(await billedOf(snap));
  });

  it("a response whose lines straddle two reads is one message with the last usage", async () => {
    const bytes = readFileSync(path);
    const cut = bytes.indexOf("a-102") - 200; // inside the line before msg_01GrowA's last line
    const copy = copyAs("streamed-usage-grows.jsonl", "b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
    writeFileSync(copy, bytes.subarray(0, bytes.lastIndexOf("\n", cut) + 1));
    const first = await readUnit(copy);
    expect(byId(first.messages, "msg_01GrowA").completionTokens).toBe(2);
    appendFileSync(copy, bytes.subarray(bytes.lastIndexOf("\n", cut) + 1));
    const second = await readUnit(copy, first.checkpoint);
    const server = applyUpserts(applyUpserts(new Map(), first.messages), second.messages);
    expect(server.get("b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e/msg_01GrowA")?.completionTokens).toBe(187);
    expect(tokenSum(server.values())).toEqual(await billedOf(path));
  });
});

describe("rule: a session is sent with its facts whatever its lines lack", () => {
  it("lines without a sessionId belong to the file's session, with all its facts", async () => {
    const sid = "b3e7c8d9-0f1a-4b2c-8d3e-5f6a7b8c9da4";
    const { messages, sessions } = await readUnit(copyAs("no-session-id.jsonl", sid));
    expect(messages.map((m) => `${m.sessionExternalId}/${m.externalId}`)).toEqual([`${sid}/u-700`, `${sid}/msg_01NoSidA`]);
    expect([...sessions.values()]).toEqual([{
      externalId: sid, source: "claude-code", provider: "anthropic", machine: MACHINE,
      projectPath: "/home/dev/projects/cli", projectName: "cli", gitBranch: "fix/flags",
      createdAt: at("2026-02-09T11:00:00.000Z"), updatedAt: at("2026-02-09T11:00:04.000Z"), durationMs: 4000,
      title: "Add --json flag to status", model: "claude-sonnet-4-5-20250929",
    }]);
  });

  it("a subagent transcript whose session has no transcript of its own names the session", async () => {
    const ctx = { home: "/nonexistent", env: { CLAUDE_CONFIG_DIR: fixturePath("subagent-only") }, machine: MACHINE };
    const units = await claudeCodeCollector.discover(ctx);
    expect(units).toHaveLength(1);
    const chunks = [];
    for await (const c of claudeCodeCollector.read(units[0], undefined, ctx)) chunks.push(c);
    const sid = "f7c1a2b3-4d5e-4f6a-8b7c-9daebfc0d1e8";
    expect(chunks.flatMap((c) => c.messages).map((m) => m.externalId)).toEqual(["s-1200", "msg_01SubOnlyA", "s-1203", "msg_01SubOnlyB"]);
    expect(chunks.at(-1)!.sessions).toEqual([{
      externalId: sid, source: "claude-code", provider: "anthropic", machine: MACHINE,
      projectPath: "/home/dev/projects/web", projectName: "web", gitBranch: "feat/search",
      createdAt: at("2026-02-14T13:00:00.000Z"), updatedAt: at("2026-02-14T13:00:05.000Z"), durationMs: 5000,
      title: "Find every place the search index is rebuilt", model: "claude-haiku-4-5-20251001",
    }]);
    expect(tokenSum(chunks.flatMap((c) => c.messages))).toEqual(await billedOf(units[0].path));
  });

  it("a transcript holding only sidechain lines names its session", async () => {
    const sid = "a8d2b3c4-5e6f-4a7b-9c8d-0ebfc0d1e2f9";
    const { sessions, messages } = await readUnit(copyAs("sidechain-only.jsonl", sid));
    expect(messages.map((m) => m.metadata)).toEqual([{ isSidechain: true }, { isSidechain: true }]);
    expect(sessions.get(sid)).toMatchObject({
      title: "Check every link in docs/ and list the broken ones", model: "claude-sonnet-4-5-20250929",
      createdAt: at("2026-02-15T09:30:00.000Z"), updatedAt: at("2026-02-15T09:30:04.000Z"), projectName: "docs",
    });
  });

  it("bookkeeping lines naming another session create no session, and do not touch this one", async () => {
    const sid = "c4f8d9e0-1a2b-4c3d-9e4f-6a7b8c9daeb5";
    const { sessions } = await readUnit(copyAs("bookkeeping-other-session.jsonl", sid));
    expect([...sessions.keys()]).toEqual([sid]);
    expect(sessions.get(sid)).toMatchObject({
      title: "Bump the API version to 2.3", createdAt: at("2026-02-10T10:00:00.000Z"), updatedAt: at("2026-02-10T10:00:03.000Z"),
    });
  });

  it("a summary-only transcript named after no session creates no session (issue 7)", async () => {
    const r = await readUnit(copyAs("summary-only-renamed.jsonl", "0b9c8d7e-6f5a-4b4c-9d3e-2f1a0b9c8d7e"));
    expect(r.messages).toEqual([]);
    expect(r.chunks.flatMap((c) => c.sessions)).toEqual([]);
  });
});

describe("rule: every chunk carries the sessions of its messages, and messages carry their source", () => {
  it.each(["streamed-usage-grows.jsonl", "queued-prompt.jsonl", "sidechain-inline.jsonl"])("%s, one message a chunk", async (name) => {
    const { chunks } = await readUnit(fixturePath(name), undefined, { maxMessages: 1, maxTextChars: 1e9 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      const sent = new Set(c.sessions.map((s) => s.externalId));
      for (const m of c.messages) {
        expect(sent.has(m.sessionExternalId)).toBe(true);
        expect(m.source).toBe("claude-code");
      }
      for (const s of c.sessions) expect(s.source).toBe("claude-code");
    }
  });
});

describe("rule: prompts queued while the agent was busy are user messages", () => {
  const path = fixturePath("queued-prompt.jsonl");
  const sid = "d9a3e4f5-6b7c-4d8e-8f9a-1b2c3d4e5f60";

  it("keeps queued prompts (not task notifications, not queue bookkeeping) in order", async () => {
    const { messages, sessions } = await readUnit(path);
    expect(messages.map((m) => `${m.role}:${m.externalId}`)).toEqual([
      "user:q-300", "assistant:msg_01QueueA", "tool:u-300", "user:q-301", "assistant:msg_01QueueB",
    ]);
    expect(byId(messages, "q-301")).toMatchObject({
      textContent: "and keep the old slugs as redirects", createdAt: at("2026-02-05T08:00:03.900Z"), metadata: { queued: true },
    });
    // The first prompt was queued: it names the session.
    expect(sessions.get(sid)).toMatchObject({ title: "Rename the draft posts to use dates in their slugs", createdAt: at("2026-02-05T08:00:00.000Z") });
    expect(tokenSum(messages)).toEqual(await billedOf(path));
  });
});

describe("rule: titles skip harness text; a slash command names the session it starts", () => {
  it("skips caveats, reminders, interruptions, hook feedback and shell echoes", async () => {
    const sid = "a2d6b7c8-9e0f-4a1b-9c2d-4e5f6a7b8c93";
    const { sessions, messages } = await readUnit(copyAs("harness-text-titles.jsonl", sid));
    expect(sessions.get(sid)?.title).toBe("Split the VPC definition into its own module");
    expect(messages.filter((m) => m.role === "user")).toHaveLength(6); // all kept as messages
  });

  it("titles by the command and its arguments, after a local command gave its name back", async () => {
    const sid = "f1c5a6b7-8d9e-4f0a-8b1c-3d4e5f6a7b82";
    const { sessions } = await readUnit(copyAs("slash-command-title.jsonl", sid));
    expect(sessions.get(sid)?.title).toBe("/review src/auth");
  });

  it("a session that is only a local command takes its title from the next prompt", async () => {
    const sid = "f1c5a6b7-8d9e-4f0a-8b1c-3d4e5f6a7b82";
    const path = copyAs("slash-command-title.jsonl", sid);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    writeFileSync(path, [...lines.slice(0, 3), ...lines.slice(6)].map((l) => `${l}\n`).join(""));
    expect((await readUnit(path)).sessions.get(sid)?.title).toBe("thanks, fix that");
  });

  it("/init alone is a title", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cc-init-")), "s-init.jsonl");
    const line = (uuid: string, content: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ type: "user", sessionId: "s-init", uuid, timestamp: "2026-02-07T10:00:00Z", message: { role: "user", content }, ...extra });
    writeFileSync(path, [
      line("i-1", "<command-message>init is analyzing your codebase…</command-message>\n<command-name>/init</command-name>"),
      line("i-2", "Please analyze this codebase and create a CLAUDE.md file.", { isMeta: true }),
    ].map((l) => `${l}\n`).join(""));
    expect((await readUnit(path)).sessions.get("s-init")?.title).toBe("/init");
  });
});

describe("rule: tool outputs persisted to <session>/tool-results/ are read in full, bounded", () => {
  const root = fixturePath("tool-results-persisted");
  const sid = "e0b4f5a6-7c8d-4e9f-9a0b-2c3d4e5f6a71";
  const sessionDir = join(root, "projects", "-home-dev-projects-logs", sid);

  it("replaces the preview with the file's content, in both shapes Claude Code writes", async () => {
    const { messages } = await readUnit(join(root, "projects", "-home-dev-projects-logs", `${sid}.jsonl`));
    const full = (name: string) => readFileSync(join(sessionDir, "tool-results", name), "utf8");
    expect(content(byId(messages, "u-401"), 0)).toEqual({ callId: "toolu_01PersistCat", output: full("toolu_01PersistCat.txt"), isError: false });
    expect(content(byId(messages, "u-402"), 0)).toEqual({ callId: "toolu_01PersistGrep", output: full("b3k9x2q7m.txt"), isError: false });
    // A file that is gone keeps the preview; a path that leaves tool-results/ is not followed.
    expect(content(byId(messages, "u-403"), 0).output).toContain("first line of a file that was cleaned up");
    expect(content(byId(messages, "u-404"), 0).output).toContain("not followed");
    expect(byId(messages, "msg_01PersistA").parts?.map((p) => (p.content as { callId: string }).callId)).toEqual([
      "toolu_01PersistCat", "toolu_01PersistGrep", "toolu_01PersistGone", "toolu_01PersistEsc",
    ]);
    expect(byId(messages, "msg_01PersistA").completionTokens).toBe(80);
  });

  it("reads at most what it keeps of a huge persisted output", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "cc-persist-")), "projects", "-p");
    mkdirSync(join(dir, "s-big", "tool-results"), { recursive: true });
    const size = 20 * 1024 * 1024;
    writeFileSync(join(dir, "s-big", "tool-results", "toolu_big.txt"), Buffer.alloc(size, "x"));
    const preview = "<persisted-output>\nOutput too large (20.0MB). Full output saved to: /x/tool-results/toolu_big.txt\n\nPreview (first 2KB):\nxxxx\n...\n</persisted-output>";
    const path = join(dir, "s-big.jsonl");
    writeFileSync(path, `${JSON.stringify({ type: "user", sessionId: "s-big", uuid: "r-1", timestamp: "2026-02-06T09:00:00Z", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_big", content: preview }] } })}\n`);
    const part = content((await readUnit(path)).messages[0], 0);
    expect(part.truncated).toBe(true);
    expect(part.originalLength).toBe(size);
    expect(String(part.output).startsWith("x".repeat(MAX_TOOL_OUTPUT_CHARS))).toBe(true);
    expect(String(part.output).length).toBeLessThan(MAX_TOOL_OUTPUT_CHARS + 100);
  });
});

describe("rule: a whole last line without a newline is read once the file is idle", () => {
  const sid = "d5a9e0f1-2b3c-4d4e-8f5a-7b8c9daebfc6";

  it("waits while the file is fresh, reads it once idle, and never twice", async () => {
    const path = copyAs("no-trailing-newline.jsonl", sid);
    const fresh = await readUnit(path);
    expect(fresh.messages.map((m) => m.externalId)).toEqual(["u-1000"]);

    settle(path);
    const idle = await readUnit(path, fresh.checkpoint);
    expect(idle.messages.map((m) => m.externalId)).toEqual(["msg_01NoNlA"]);
    expect(idle.checkpoint?.offset).toBe(statSync(path).size);
    expect(idle.messages[0]).toMatchObject({ completionTokens: 41, textContent: "vsync is on and the monitor reports 30 Hz; turn vsync off in settings.ini." });
    settle(path);
    expect((await readUnit(path, idle.checkpoint)).messages).toEqual([]);

    // Claude Code goes on: the newline arrives with the next line. Nothing is read twice.
    const next = JSON.stringify({ type: "user", sessionId: sid, uuid: "u-1001", timestamp: "2026-02-12T20:01:00.000Z", message: { role: "user", content: "Thanks" } });
    appendFileSync(path, `\n${next}\n`);
    const after = await readUnit(path, idle.checkpoint);
    expect(after.messages.map((m) => m.externalId)).toEqual(["u-1001"]);
  });

  it("never reads a torn last line, idle or not", async () => {
    const path = copyAs("no-trailing-newline.jsonl", sid);
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.slice(0, text.length - 40));
    settle(path);
    const r = await readUnit(path);
    expect(r.messages.map((m) => m.externalId)).toEqual(["u-1000"]);
    expect(r.checkpoint?.offset).toBe(text.indexOf("\n") + 1);
  });
});

describe("rule: whitespace-only prompts are dropped; a snapshot's own time counts", () => {
  it("drops blank prompts and starts the session at the snapshot", async () => {
    const sid = "e6b0f1a2-3c4d-4e5f-9a6b-8c9daebfc0d7";
    const { messages, sessions } = await readUnit(copyAs("whitespace-prompt.jsonl", sid));
    expect(messages.map((m) => m.externalId)).toEqual(["u-1102", "msg_01BlankA"]);
    expect(sessions.get(sid)).toMatchObject({
      title: "Summarise notes/today.md", createdAt: at("2026-02-13T07:59:58.000Z"), updatedAt: at("2026-02-13T08:00:05.000Z"),
    });
  });
});
