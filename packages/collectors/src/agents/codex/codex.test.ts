import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema, type MessageInput, type SessionInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { codexCollector } from "./index.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const MODERN = "rollout-2025-10-29T10-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";
const EARLY = "rollout-2025-05-07T17-24-21-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl";
const MID = "rollout-2025-08-20T09-00-00-7a1c2e3f-4b5d-4e6f-8a9b-1c2d3e4f5a6b.jsonl";
const SID = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

let home: string;
let ctx: CollectorContext;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "codex-"));
  ctx = { home, env: {}, machine: "test-box" };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function readAll(path: string, checkpoint?: unknown): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of codexCollector.read(codexCollector.unitFor(path), checkpoint, ctx)) chunks.push(chunk);
  return chunks;
}

/** What the server ends up with: last upsert of each message id wins. */
function latestById(chunks: Chunk[]): Map<string, MessageInput> {
  const byId = new Map<string, MessageInput>();
  for (const c of chunks) for (const m of c.messages) byId.set(m.externalId as string, m);
  return byId;
}

const sum = (messages: Iterable<MessageInput>, field: "promptTokens" | "completionTokens" | "cacheReadTokens" | "reasoningTokens") =>
  [...messages].reduce((n, m) => n + (m[field] ?? 0), 0);

/** Final `total_token_usage` of a fixture, converted to protocol fields. */
function finalTotals(path: string) {
  const lines = readFileSync(path, "utf8").split("\n").flatMap((l) => {
    try { return [JSON.parse(l)]; } catch { return []; }
  });
  const last = lines.filter((l) => l.payload?.type === "token_count" && l.payload.info).at(-1).payload.info.total_token_usage;
  return {
    promptTokens: last.input_tokens - last.cached_input_tokens,
    cacheReadTokens: last.cached_input_tokens,
    completionTokens: last.output_tokens - last.reasoning_output_tokens,
    reasoningTokens: last.reasoning_output_tokens,
  };
}

function copyFixture(name: string): string {
  const dir = join(home, ".codex", "sessions", "2025", "10", "29");
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, name);
  copyFileSync(join(FIXTURES, name), dest);
  return dest;
}

describe("codex collector: discovery", () => {
  it("finds dated, flat and archived rollouts under ~/.codex or $CODEX_HOME", async () => {
    const dated = copyFixture(MODERN);
    mkdirSync(join(home, ".codex", "archived_sessions"), { recursive: true });
    const archived = join(home, ".codex", "archived_sessions", EARLY);
    copyFileSync(join(FIXTURES, EARLY), archived);
    writeFileSync(join(home, ".codex", "sessions", "2025", "10", "29", "notes.txt"), "");
    writeFileSync(join(home, ".codex", "history.jsonl"), "{}\n");

    const units = await codexCollector.discover(ctx);
    expect(units.map((u) => u.path).sort()).toEqual([archived, dated].sort());
    expect(units[0].key).toBe(`codex-cli:${units[0].path}`);
    expect(units[0].agent).toBe("codex-cli");

    const other = join(home, "elsewhere");
    expect(codexCollector.roots({ ...ctx, env: { CODEX_HOME: `${other}, ${home}/x` } })).toEqual([other, `${home}/x`]);
    expect(codexCollector.roots(ctx)).toEqual([join(home, ".codex")]);
    expect(await codexCollector.discover({ ...ctx, env: { CODEX_HOME: other } })).toEqual([]);
  });
});

describe("codex collector: current format", () => {
  it("maps the session", async () => {
    const chunks = await readAll(join(FIXTURES, MODERN));
    const session = chunks.at(-1)!.sessions[0] as SessionInput;
    expect(session).toEqual({
      externalId: SID,
      source: "codex-cli",
      machine: "test-box",
      provider: "openai",
      projectPath: "/home/dev/projects/webapp",
      projectName: "webapp",
      gitBranch: "feature/login",
      model: "gpt-5",
      title: "Fix the failing login test in src/auth.test.ts",
      createdAt: Date.parse("2025-10-29T10:00:00.000Z"),
      updatedAt: expect.any(Number),
      metadata: { cliVersion: "0.50.0", originator: "codex_cli_rs" },
    });
    expect(session.updatedAt).toBeGreaterThan(session.createdAt as number);
  });

  it("maps every message exactly", async () => {
    const messages = [...latestById(await readAll(join(FIXTURES, MODERN))).values()];
    const summary = messages.map((m) => [m.role, m.parts?.map((p) => p.type).join(",") ?? "", m.textContent?.slice(0, 30)]);
    expect(summary).toEqual([
      ["system", "text", "# AGENTS.md instructions for /"],
      ["system", "text", "<environment_context>\n  <cwd>/"],
      ["user", "text", "Fix the failing login test in "],
      ["assistant", "reasoning,tool-call", ""],
      ["tool", "tool-result", "import { login } from './auth'"],
      ["assistant", "tool-call", ""],
      ["tool", "tool-result", "Exit code: 1\nWall time: 2.1 se"],
      ["assistant", "reasoning,tool-call", ""], // encrypted-only reasoning is still a reasoning part
      ["tool", "tool-result", "Success. Updated the following"],
      ["assistant", "text", "Fixed: `login` now trims the t"],
      ["system", "step,text", "Summary: login() now trims tok"],
      ["assistant", "step", ""],
      ["user", "text", "Now run the linter too"],
      ["assistant", "reasoning,text", "Lint is clean."],
    ]);

    for (const m of messages) {
      expect(m.sessionExternalId).toBe(SID);
      expect(m.externalId).toMatch(new RegExp(`^${SID}:\\d+$`));
      expect(typeof m.createdAt).toBe("number");
    }

    const [, , , firstCall, firstResult, badArgs, failed, patch, patched, answer, , usageOnly, , lint] = messages;
    expect(firstCall).toMatchObject({
      model: "gpt-5-codex",
      provider: "openai",
      promptTokens: 1000, cacheReadTokens: 3000, completionTokens: 56, reasoningTokens: 64,
      parts: [
        { type: "reasoning", content: { text: "**Inspecting the test file**" } },
        { type: "tool-call", content: { toolName: "shell", callId: "call_A1", args: { command: ["bash", "-lc", "cat src/auth.test.ts"], workdir: "/home/dev/projects/webapp" } } },
      ],
    });
    expect(firstResult).toMatchObject({ durationMs: 200, parts: [{ type: "tool-result", content: { callId: "call_A1", isError: false } }] });
    // Unparsable arguments are kept raw.
    expect(badArgs.parts![0].content).toEqual({ toolName: "shell", callId: "call_A2", args: '{"command":["bash","-lc","npm test"]' });
    expect(failed.parts![0].content).toMatchObject({ callId: "call_A2", isError: true });
    expect(patch.parts![0]).toEqual({ type: "reasoning", content: { text: "", encrypted: true } });
    expect(patch.parts![1].content).toMatchObject({ toolName: "apply_patch", callId: "call_A3", args: expect.stringContaining("*** Begin Patch") });
    expect(patched.textContent).toBe("Success. Updated the following files:\nM src/auth.ts\n");
    expect(answer).toMatchObject({ textContent: "Fixed: `login` now trims the token, and the test passes.", promptTokens: 200, cacheReadTokens: 5500, completionTokens: 90, reasoningTokens: 0 });
    expect(usageOnly).toMatchObject({ promptTokens: 1500, cacheReadTokens: 2000, completionTokens: 30 });
    expect(lint).toMatchObject({ model: "gpt-5", promptTokens: 500, cacheReadTokens: 6000, completionTokens: 40, reasoningTokens: 10 });
    expect(messages.filter((m) => m.role === "user" || m.role === "tool").every((m) => m.promptTokens === undefined)).toBe(true);
  });

  it("sums message tokens to the final total_token_usage, counting repeated token_count events once", async () => {
    const messages = latestById(await readAll(join(FIXTURES, MODERN))).values();
    const list = [...messages];
    expect({
      promptTokens: sum(list, "promptTokens"),
      cacheReadTokens: sum(list, "cacheReadTokens"),
      completionTokens: sum(list, "completionTokens"),
      reasoningTokens: sum(list, "reasoningTokens"),
    }).toEqual(finalTotals(join(FIXTURES, MODERN)));
  });

  it("leaves a truncated last line for the next read", async () => {
    const path = copyFixture(MODERN);
    const size = readFileSync(path).length;
    const chunks = await readAll(path);
    const cp = chunks.at(-1)!.checkpoint as { offset: number };
    const text = readFileSync(path, "utf8");
    expect(cp.offset).toBe(Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
    expect(cp.offset).toBeLessThan(size);

    // The writer finishes the line: the next read picks it up, and nothing else is new.
    const whole = '{"timestamp":"2025-10-29T10:01:27.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"And update the changelog"}]}}';
    writeFileSync(path, text.slice(0, text.lastIndexOf("\n") + 1) + whole + "\n");
    const next = await readAll(path, cp);
    expect(next.flatMap((c) => c.messages).map((m) => [m.role, m.textContent])).toEqual([["user", "And update the changelog"]]);
    expect(await readAll(path, next.at(-1)!.checkpoint)).toEqual([]);
  });

  it("reads incrementally with the same result and token totals as one full read", async () => {
    const source = readFileSync(join(FIXTURES, MODERN), "utf8");
    const full = latestById(await readAll(join(FIXTURES, MODERN)));
    const lines = source.split("\n");
    const path = copyFixture(MODERN);

    // Grow the file a few lines at a time (cutting inside open assistant turns), reading after each step.
    const chunks: Chunk[] = [];
    let checkpoint: unknown;
    writeFileSync(path, "");
    for (let i = 0; i < lines.length; i += 3) {
      const piece = lines.slice(i, i + 3).join("\n") + (i + 3 < lines.length ? "\n" : "");
      appendFileSync(path, piece);
      for (const chunk of await readAll(path, checkpoint)) {
        chunks.push(chunk);
        checkpoint = chunk.checkpoint;
      }
    }
    const incremental = latestById(chunks);
    expect([...incremental.keys()]).toEqual([...full.keys()]);
    expect([...incremental.values()]).toEqual([...full.values()]);
    expect(sum(incremental.values(), "promptTokens")).toBe(finalTotals(join(FIXTURES, MODERN)).promptTokens);
    expect(chunks.at(-1)!.sessions[0]).toEqual((await readAll(join(FIXTURES, MODERN))).at(-1)!.sessions[0]);
  });

  it("sends an open assistant turn at once and again, with its tokens, once token_count arrives", async () => {
    const lines = readFileSync(join(FIXTURES, MODERN), "utf8").split("\n");
    const path = copyFixture(MODERN);
    const firstCall = lines.findIndex((l) => l.includes('"call_A1"'));
    writeFileSync(path, lines.slice(0, firstCall + 1).join("\n") + "\n");

    const first = await readAll(path);
    const open = first.at(-1)!.messages.at(-1)!;
    expect(open).toMatchObject({ role: "assistant", parts: [{ type: "reasoning" }, { type: "tool-call" }] });
    expect(open.promptTokens).toBeUndefined();

    appendFileSync(path, lines[firstCall + 1] + "\n");
    const second = await readAll(path, first.at(-1)!.checkpoint);
    const closed = second.flatMap((c) => c.messages).find((m) => m.externalId === open.externalId)!;
    expect(closed).toMatchObject({ promptTokens: 1000, cacheReadTokens: 3000 });
  });

  it("completes a turn left open by a writer that has been gone for a while", async () => {
    const lines = readFileSync(join(FIXTURES, MODERN), "utf8").split("\n");
    const path = copyFixture(MODERN);
    const firstCall = lines.findIndex((l) => l.includes('"call_A1"'));
    writeFileSync(path, lines.slice(0, firstCall + 1).join("\n") + "\n");
    const size = readFileSync(path).length;

    const live = await readAll(path);
    expect((live.at(-1)!.checkpoint as { offset: number }).offset).toBeLessThan(size);

    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path, anHourAgo, anHourAgo);
    const idle = await readAll(path);
    expect((idle.at(-1)!.checkpoint as { offset: number }).offset).toBe(size);
    expect(idle.at(-1)!.messages.at(-1)).toEqual(live.at(-1)!.messages.at(-1));
    expect(await readAll(path, idle.at(-1)!.checkpoint)).toEqual([]);
  });

  it("starts over when the file is replaced", async () => {
    const path = copyFixture(MODERN);
    const cp = (await readAll(path)).at(-1)!.checkpoint;

    const replacement = join(home, "replacement.jsonl");
    copyFileSync(join(FIXTURES, MID), replacement);
    renameSync(replacement, path);
    const chunks = await readAll(path, cp);
    expect(chunks.at(-1)!.sessions[0].externalId).toBe("7a1c2e3f-4b5d-4e6f-8a9b-1c2d3e4f5a6b");
    expect(chunks.flatMap((c) => c.messages)).toHaveLength(2);
  });

  it("splits large files into chunks whose checkpoints resume cleanly", async () => {
    const lines = readFileSync(join(FIXTURES, MODERN), "utf8").split("\n");
    const header = lines.slice(0, 4).join("\n") + "\n";
    const user = lines[3];
    const path = copyFixture(MODERN);
    writeFileSync(path, header + Array.from({ length: 1200 }, () => user).join("\n") + "\n");
    const chunks = await readAll(path);
    expect(chunks.map((c) => c.messages.length)).toEqual([500, 500, 203]);
    expect(new Set(chunks.flatMap((c) => c.messages.map((m) => m.externalId))).size).toBe(1203);
    const middle = await readAll(path, chunks[0].checkpoint);
    expect(middle.flatMap((c) => c.messages)).toHaveLength(703);
  });
});

describe("codex collector: wire contract", () => {
  it("emits only sessions and messages the protocol schemas accept", async () => {
    for (const name of [MODERN, EARLY, MID]) {
      for (const chunk of await readAll(join(FIXTURES, name))) {
        for (const s of chunk.sessions) expect(sessionInputSchema.safeParse(s).error).toBeUndefined();
        for (const m of chunk.messages) {
          const parsed = messageInputSchema.safeParse(m);
          expect(parsed.error).toBeUndefined();
          expect(parsed.data!.role).toBe(m.role); // no role silently becomes "unknown"
        }
      }
    }
  });
});

describe("codex collector: older formats", () => {
  it("reads the early format (bare meta line, bare items, state lines)", async () => {
    const chunks = await readAll(join(FIXTURES, EARLY));
    const session = chunks.at(-1)!.sessions[0];
    expect(session).toMatchObject({
      externalId: "5973b6c0-94b8-487b-a530-2aeb6098ae0e",
      gitBranch: "main",
      title: "list the files here",
      createdAt: Date.parse("2025-05-07T17:24:21Z"),
    });
    expect(session.projectPath).toBeUndefined();
    const messages = chunks.flatMap((c) => c.messages);
    expect(messages.map((m) => [m.role, m.parts!.map((p) => p.type).join(",")])).toEqual([
      ["system", "text"],
      ["user", "text"],
      ["assistant", "reasoning,tool-call"],
      ["tool", "tool-result"],
      ["assistant", "text"],
    ]);
    expect(messages[2].parts![1].content).toMatchObject({ toolName: "local_shell", callId: "call_1", args: { command: ["ls"] } });
    expect(messages[3]).toMatchObject({ textContent: "README.md\nsrc\n", parts: [{ content: { isError: false } }] });
    // Items carry no timestamps: they take the last one known (the session start), never "now".
    expect(messages.every((m) => m.createdAt === Date.parse("2025-05-07T17:24:21Z"))).toBe(true);
  });

  it("reads the mid-2025 record_type format with bare token_count usage", async () => {
    const chunks = await readAll(join(FIXTURES, MID));
    expect(chunks.at(-1)!.sessions[0]).toMatchObject({ externalId: "7a1c2e3f-4b5d-4e6f-8a9b-1c2d3e4f5a6b", projectPath: "/srv/api", gitBranch: "dev", title: "what does main.go do?" });
    const [user, answer] = chunks.flatMap((c) => c.messages);
    expect(user).toMatchObject({ role: "user", createdAt: Date.parse("2025-08-20T09:00:01.000Z") });
    expect(answer).toMatchObject({ role: "assistant", textContent: "It starts the HTTP server.", promptTokens: 200, cacheReadTokens: 1000, completionTokens: 40 });
  });

  it("falls back to the file name's uuid when there is no meta line", async () => {
    const path = join(home, "rollout-2025-01-01T00-00-00-11111111-2222-4333-8444-555555555555.jsonl");
    writeFileSync(path, '{"timestamp":"2025-01-01T00:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}\n');
    const [chunk] = await readAll(path);
    expect(chunk.sessions[0].externalId).toBe("11111111-2222-4333-8444-555555555555");
    expect(chunk.messages[0].sessionExternalId).toBe("11111111-2222-4333-8444-555555555555");
  });
});
