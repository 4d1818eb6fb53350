import { cpSync } from "node:fs";
import { join } from "node:path";
import type { MessageInput, SessionInput } from "@opensync/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readOpencodeDb } from "./db-reader.js";
import { collect, copyRealDb, RULES_STORAGE, rulesIntoDb, tempDir, testContext } from "./fixtures/helpers.js";
import { readLegacySession } from "./legacy-reader.js";

/** fixtures/rules (see its README.md): one file per mapping rule, read by both parsers. */
const PLACEHOLDER = "ses_7f2a10c3dffeRulesPlaceholder";
const UNTITLED = "ses_7f2a0e91affeRulesUntitled00";
const WORK = "msg_a0d5ef3c2001RulesAsst0001";
const STEP_ONLY = "msg_a0d5ef3c3001RulesAsst0002";
const ctx = testContext();

/**
 * The billing rule, computed by hand from the fixture's step-finish parts (one per model call):
 * input net of cache, cache read, cache write, output without reasoning, reasoning.
 *   WORK, call 1: 1200 in, 0 read, 2500 write, 80 out, 20 reasoning ($0.02)
 *   WORK, call 2:   50 in, 3000 read, 0 write, 40 out, 10 reasoning ($0.01)
 *   STEP_ONLY:      10 in, 100 read, 0 write,  5 out,  0 reasoning ($0.001)
 */
const BILLED = {
  promptTokens: 1200 + 50 + 10,
  cacheReadTokens: 0 + 3000 + 100,
  cacheWriteTokens: 2500 + 0 + 0,
  completionTokens: 80 + 40 + 5,
  reasoningTokens: 20 + 10 + 0,
};

function totals(messages: MessageInput[]) {
  const sum = (k: keyof typeof BILLED) => messages.reduce((n, m) => n + ((m[k] as number | undefined) ?? 0), 0);
  return {
    promptTokens: sum("promptTokens"),
    cacheReadTokens: sum("cacheReadTokens"),
    cacheWriteTokens: sum("cacheWriteTokens"),
    completionTokens: sum("completionTokens"),
    reasoningTokens: sum("reasoningTokens"),
  };
}

interface Read { sessions: SessionInput[]; messages: MessageInput[] }

/** The same expectations for every reader of the fixtures. */
function rulesHold(read: () => Promise<Read>, options: { legacyDirectories: boolean }) {
  it("replaces a placeholder title and an empty title by the first user prompt", async () => {
    const { sessions } = await read();
    const byId = new Map(sessions.map((s) => [s.externalId, s]));
    expect(byId.get(PLACEHOLDER)!.title).toBe("Make the build pass on CI and explain why it failed");
    // The first user message holds only a file: the first prompt with text wins.
    expect(byId.get(UNTITLED)!.title).toBe("Add a --json flag to the list command");
  });

  if (options.legacyDirectories) {
    it("falls back to the project's folder for sessions without a directory", async () => {
      const { sessions } = await read();
      const byId = new Map(sessions.map((s) => [s.externalId, s]));
      // Global project (worktree "/"): the folder the assistant messages ran in.
      expect(byId.get(PLACEHOLDER)).toMatchObject({ projectPath: "/home/dev/projects/api", projectName: "api" });
      // A git project: its worktree.
      expect(byId.get(UNTITLED)).toMatchObject({ projectPath: "/home/dev/projects/cli", projectName: "cli" });
    });
  }

  it("marks a completed tool with a non-zero exit code as failed, and keeps the output of a tool without a status", async () => {
    const work = (await read()).messages.find((m) => m.externalId === WORK)!;
    const results = work.parts!.filter((p) => p.type === "tool-result").map((p) => p.content as Record<string, unknown>);
    expect(results).toEqual([
      expect.objectContaining({ callId: "toolu_rules_01", toolName: "bash", isError: true, output: "FAIL src/ci.test.ts\n  expected 2, got 3", metadata: { exit: 1, description: "Run the tests" } }),
      expect.objectContaining({ callId: "toolu_rules_02", toolName: "read", isError: false, output: expect.stringContaining("retries = 3"), durationMs: 100 }),
    ]);
  });

  it("orders parts by their start time", async () => {
    const work = (await read()).messages.find((m) => m.externalId === WORK)!;
    expect(work.parts!.map((p) => (p.type === "step" ? `step:${(p.content as { kind: string }).kind}` : p.type))).toEqual([
      "step:start", "reasoning", "text", "tool-call", "tool-result", "step:finish", "step:start", "tool-call", "tool-result", "text", "step:finish",
    ]);
    expect(work.textContent).toBe("Running the tests to see the failure.\n\nThe test expects 2 retries; the config says 3.");
  });

  it("counts every model call's tokens from the step-finish parts, and usage recorded only there", async () => {
    const { messages } = await read();
    const work = messages.find((m) => m.externalId === WORK)!;
    const stepOnly = messages.find((m) => m.externalId === STEP_ONLY)!;
    expect(work).toMatchObject({ promptTokens: 1250, cacheReadTokens: 3000, cacheWriteTokens: 2500, completionTokens: 120, reasoningTokens: 30, cost: 0.03 });
    expect(stepOnly).toMatchObject({ promptTokens: 10, cacheReadTokens: 100, cacheWriteTokens: 0, completionTokens: 5, reasoningTokens: 0, cost: 0.001 });
    const session = messages.filter((m) => m.sessionExternalId === PLACEHOLDER);
    expect(totals(session)).toEqual(BILLED);
  });

  it("sends each session before or with its messages", async () => {
    const { sessions, messages } = await read();
    const ids = new Set(sessions.map((s) => s.externalId));
    for (const m of messages) expect(ids.has(m.sessionExternalId)).toBe(true);
  });
}

describe("OpenCode mapping rules", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  describe("legacy storage/ reader", () => {
    rulesHold(async () => {
      const storage = join(dir, "storage");
      cpSync(RULES_STORAGE, storage, { recursive: true });
      const chunks = [
        ...(await collect(readLegacySession(join(storage, "session", "global", `${PLACEHOLDER}.json`), undefined, ctx))),
        ...(await collect(readLegacySession(join(storage, "session", "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d", `${UNTITLED}.json`), undefined, ctx))),
      ];
      return { sessions: chunks.flatMap((c) => c.sessions), messages: chunks.flatMap((c) => c.messages) };
    }, { legacyDirectories: true });
  });

  describe("opencode.db reader", () => {
    rulesHold(async () => {
      const db = copyRealDb(dir);
      rulesIntoDb(db);
      // One message per chunk: a session must still arrive with (or before) the first chunk of its messages.
      const chunks = await collect(readOpencodeDb(db, undefined, ctx, 1));
      const seen = new Set<string>();
      for (const chunk of chunks) {
        for (const s of chunk.sessions) seen.add(s.externalId);
        for (const m of chunk.messages) expect(seen.has(m.sessionExternalId), m.externalId).toBe(true);
      }
      const ours = (id: string) => id === PLACEHOLDER || id === UNTITLED;
      return {
        sessions: chunks.flatMap((c) => c.sessions).filter((s) => ours(s.externalId)),
        messages: chunks.flatMap((c) => c.messages).filter((m) => ours(m.sessionExternalId)),
      };
    }, { legacyDirectories: false });
  });
});
