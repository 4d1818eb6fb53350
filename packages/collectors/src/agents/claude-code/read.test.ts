import { describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInput } from "@opensync/protocol";
import { billedTokenTotals } from "./usage.js";
import { applyUpserts, assistantLine, fixtureLines, fixturePath, readUnit, tokenSum } from "./fixtures/support.js";

const tmp = () => mkdtempSync(join(tmpdir(), "cc-read-"));
const FIXTURES = [
  "tool-use-session.jsonl", "streamed-duplicates.jsonl", "sidechain-inline.jsonl", "unknown-line-types.jsonl", "summary-title.jsonl", "real-session.jsonl",
  "streamed-usage-grows.jsonl", "streamed-snapshots.jsonl", "queued-prompt.jsonl", "slash-command-title.jsonl", "harness-text-titles.jsonl", "whitespace-prompt.jsonl",
];

/** What the server holds after a single full read. */
async function fullRead(path: string) {
  const r = await readUnit(path);
  return { messages: applyUpserts(new Map(), r.messages), sessions: r.sessions };
}

describe("claude-code incremental reading", () => {
  it.each(FIXTURES)("%s: reading in two parts, split anywhere, ends where one read ends", async (name) => {
    const bytes = readFileSync(fixturePath(name));
    const expected = await fullRead(fixturePath(name));
    // Like Claude Code's own files, the copy is named after its session.
    const sessionId = /"sessionId":"([^"]+)"/.exec(bytes.toString("utf8"))![1];
    const step = Math.max(1, Math.floor(bytes.length / 80));
    for (let cut = 0; cut <= bytes.length; cut += step) {
      const path = join(tmp(), `${sessionId}.jsonl`);
      writeFileSync(path, bytes.subarray(0, cut));
      const first = await readUnit(path);
      appendFileSync(path, bytes.subarray(cut));
      const second = await readUnit(path, first.checkpoint);
      const server = applyUpserts(applyUpserts(new Map(), first.messages), second.messages);
      expect(server, `cut at byte ${cut}`).toEqual(expected.messages);
      expect(tokenSum(server.values())).toEqual(tokenSum(expected.messages.values()));
      const sessions = new Map([...first.sessions, ...second.sessions]);
      expect(sessions, `cut at byte ${cut}`).toEqual(expected.sessions);
    }
  });

  it("re-sends only the new messages plus the reopened response", async () => {
    const lines = fixtureLines("tool-use-session.jsonl");
    const path = join(tmp(), "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f.jsonl");
    // Stop after the first two lines of the streamed response msg_01HcKq3vT9pXeYzW1 (3 lines).
    writeFileSync(path, lines.slice(0, 4).map((l) => `${l}\n`).join(""));
    const first = await readUnit(path);
    expect(first.messages.map((m) => m.externalId)).toEqual(["u-0001", "msg_01HcKq3vT9pXeYzW1"]);
    expect(first.messages[1].parts?.map((p) => p.type)).toEqual(["reasoning", "text"]);
    // The checkpoint sits at the start of the still-open response.
    expect(first.checkpoint?.offset).toBe(lines.slice(0, 2).join("\n").length + 1);

    appendFileSync(path, lines.slice(4).map((l) => `${l}\n`).join(""));
    const second = await readUnit(path, first.checkpoint);
    expect(second.messages.map((m) => m.externalId)).toEqual([
      "msg_01HcKq3vT9pXeYzW1", "u-0002", "msg_01PzR7wLk2NcVbQ8", "u-0003", "msg_01TqW3eXn5MbHs2K", "u-0004", "msg_01XyZ8aBc4DeFgH6",
    ]);
    expect(second.messages[0].parts?.map((p) => p.type)).toEqual(["reasoning", "text", "tool-call"]);
    // Both reads carry msg_01Hc's usage, but as an upsert of the same message: counted once.
    const server = applyUpserts(applyUpserts(new Map(), first.messages), second.messages);
    const billed = await billedTokenTotals(path);
    expect(tokenSum(server.values())).toEqual({
      promptTokens: billed.promptTokens, completionTokens: billed.completionTokens, cacheReadTokens: billed.cacheReadTokens, cacheWriteTokens: billed.cacheWriteTokens,
    });
    // The first read saw only two of the response's three lines; the second its last, billed, usage.
    expect(first.messages[1].completionTokens).toBeLessThan(second.messages[0].completionTokens!);
    expect(second.messages[0].completionTokens).toBe(96);
    // The session upsert of the second read still knows the title and start from the first.
    const session = second.sessions.get("3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f");
    expect(session?.title).toBe("Add a health check endpoint to the Express server in src/server.js");
    expect(session?.createdAt).toBe(Date.parse("2025-10-14T09:12:03.118Z"));
  });

  it("does nothing when the file has not grown", async () => {
    const path = join(tmp(), "s.jsonl");
    writeFileSync(path, readFileSync(fixturePath("tool-use-session.jsonl")));
    const first = await readUnit(path);
    const again = await readUnit(path, first.checkpoint);
    expect(again.chunks).toEqual([]);
  });

  it("keeps a truncated last line for the next read", async () => {
    const source = fixturePath("truncated-last-line.jsonl");
    const path = join(tmp(), "a1b2c3d4-e5f6-4789-a0b1-c2d3e4f5a6b7.jsonl");
    writeFileSync(path, readFileSync(source));
    const first = await readUnit(path);
    expect(first.messages.map((m) => m.externalId)).toEqual(["u-10", "msg_01TruncAAAA", "u-11"]);
    expect(first.checkpoint!.state!.sentThrough).toBeLessThan(statSync(path).size);

    // Claude Code finishes writing the line.
    const ctx = { sessionId: "a1b2c3d4-e5f6-4789-a0b1-c2d3e4f5a6b7", cwd: "/home/dev/projects/cli" };
    const complete = assistantLine(ctx, "a-11", "u-11", new Date("2025-09-20T08:30:05.000Z"), "msg_01TruncBBBB", "req_01TruncB",
      { type: "text", text: "There are two TODOs: SIGINT handling and a --json flag." }, { input: 6, output: 30, cacheRead: 3100 });
    const text = readFileSync(source, "utf8");
    writeFileSync(path, `${text.slice(0, text.lastIndexOf("\n") + 1)}${complete}\n`);
    const second = await readUnit(path, first.checkpoint);
    expect(second.messages.map((m) => m.externalId)).toEqual(["msg_01TruncAAAA", "u-11", "msg_01TruncBBBB"]);
    expect(second.messages.at(-1)?.textContent).toBe("There are two TODOs: SIGINT handling and a --json flag.");
  });

  it("rereads from the start when the file was replaced or shrank", async () => {
    const dir = tmp();
    const path = join(dir, "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f.jsonl");
    const bytes = readFileSync(fixturePath("tool-use-session.jsonl"));
    writeFileSync(path, bytes);
    const first = await readUnit(path);

    const replacement = join(dir, "replacement");
    writeFileSync(replacement, bytes);
    appendFileSync(replacement, `${fixtureLines("tool-use-session.jsonl")[1].replace("u-0001", "u-9999")}\n`);
    renameSync(replacement, path); // new inode
    const afterReplace = await readUnit(path, first.checkpoint);
    expect(afterReplace.chunks[0].bytesRead).toBeGreaterThan(0);
    expect(afterReplace.messages.map((m) => m.externalId)).toContain("u-0001");
    expect(afterReplace.messages).toHaveLength(first.messages.length + 1);

    writeFileSync(path, bytes.subarray(0, 2000)); // same inode, shorter than the checkpoint
    const afterShrink = await readUnit(path, afterReplace.checkpoint);
    expect(afterShrink.messages[0].externalId).toBe("u-0001");
  });

  it("rereads from the start when the checkpoint state is not ours", async () => {
    const path = join(tmp(), "s.jsonl");
    writeFileSync(path, readFileSync(fixturePath("tool-use-session.jsonl")));
    const { dev, ino } = statSync(path);
    const r = await readUnit(path, { dev, ino, offset: 1234, state: { something: "else" } });
    expect(r.messages[0].externalId).toBe("u-0001");
  });

  const chunkCases = ["tool-use-session.jsonl", "streamed-duplicates.jsonl", "sidechain-inline.jsonl"].flatMap((f) => [1, 2, 3].map((n) => [f, n] as const));
  it.each(chunkCases)("%s: chunks of at most %i messages, each checkpoint resumes without loss", async (name, maxMessages) => {
    const path = fixturePath(name);
    const limits = { maxMessages, maxTextChars: 1e9 };
    const expected = await fullRead(path);
    const all = await readUnit(path, undefined, limits);
    expect(all.chunks.length).toBeGreaterThanOrEqual(Math.ceil(expected.messages.size / maxMessages));
    for (const c of all.chunks) expect(c.messages.length).toBeLessThanOrEqual(maxMessages);
    expect(all.chunks.reduce((n, c) => n + (c.bytesRead ?? 0), 0)).toBe(statSync(path).size);
    // A crash after any acknowledged chunk: resume from its checkpoint, lose nothing.
    for (let k = 0; k < all.chunks.length; k++) {
      const server = new Map<string, MessageInput>();
      for (const c of all.chunks.slice(0, k + 1)) applyUpserts(server, c.messages);
      const rest = await readUnit(path, all.chunks[k].checkpoint, limits);
      applyUpserts(server, rest.messages);
      expect(server, `resume after chunk ${k}`).toEqual(expected.messages);
    }
  });
});
