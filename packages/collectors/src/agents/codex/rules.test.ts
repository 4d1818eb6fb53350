import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { codexCollector } from "./index.js";

/**
 * One fixture per rule of issue 8 (Codex CLI), written in the shapes Codex 0.171 writes. Token
 * expectations are worked out by hand from the billing rule: each billed request
 * (`last_token_usage`) once; Codex's input includes cached input and its output includes
 * reasoning, the protocol's fields do not.
 */
const RULES = join(import.meta.dirname, "fixtures", "rules");
const PARENT = "019c0a00-0000-7000-8000-00000000a001";
const FORK = "019c0a00-0000-7000-8000-00000000c001";
const DAY = join("sessions", "2026", "03", "12");
const parentFile = `rollout-2026-03-12T10-00-00-${PARENT}.jsonl`;
const forkFile = `rollout-2026-03-12T10-20-00-${FORK}.jsonl`;

let home: string;
let ctx: CollectorContext;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "codex-rules-"));
  ctx = { home, env: {}, machine: "test-box" };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function readAll(path: string, checkpoint?: unknown): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of codexCollector.read(codexCollector.unitFor(path), checkpoint, ctx)) chunks.push(chunk);
  return chunks;
}
function messagesOf(chunks: Chunk[]): MessageInput[] {
  const byId = new Map<string, MessageInput>();
  for (const c of chunks) for (const m of c.messages) byId.set(m.externalId as string, m);
  return [...byId.values()];
}
function billed(messages: MessageInput[]) {
  const t = { promptTokens: 0, cacheReadTokens: 0, completionTokens: 0, reasoningTokens: 0 };
  for (const m of messages) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += m[k] ?? 0;
  return t;
}
const summary = (messages: MessageInput[]) => messages.map((m) => [m.role, m.parts?.map((p) => p.type).join(",") ?? "", m.textContent]);
const rule = (name: string) => join(RULES, name);

/** A Codex home holding the fork (and its parent and session index unless left out). */
function forkHome(opts: { parent?: boolean; index?: boolean } = {}): string {
  const codex = join(home, ".codex");
  mkdirSync(join(codex, DAY), { recursive: true });
  const from = join(RULES, "forked-home");
  cpSync(join(from, DAY, forkFile), join(codex, DAY, forkFile));
  if (opts.parent !== false) cpSync(join(from, DAY, parentFile), join(codex, DAY, parentFile));
  if (opts.index !== false) cpSync(join(from, "session_index.jsonl"), join(codex, "session_index.jsonl"));
  return join(codex, DAY, forkFile);
}

describe("codex rules: forked rollouts bill only their own turns", () => {
  const ownTurn = [
    ["user", "text", "Try a different approach: put the cart in a drawer"],
    ["assistant", "reasoning,text", "The cart now opens in a drawer."],
  ];

  it("skips the copy of the parent's history (parent rollout on disk): own messages, own tokens, own prompt as title", async () => {
    const chunks = await readAll(forkHome({ index: false }));
    const messages = messagesOf(chunks);
    expect(summary(messages)).toEqual(ownTurn);
    expect(messages[1]).toMatchObject({ model: "gpt-5.5", promptTokens: 1000, cacheReadTokens: 6000, completionTokens: 130, reasoningTokens: 20 });
    expect(chunks.at(-1)!.sessions[0]).toMatchObject({
      externalId: FORK,
      title: "Try a different approach: put the cart in a drawer",
      createdAt: Date.parse("2026-03-12T10:20:00.000Z"),
      metadata: { forkedFrom: PARENT },
    });
  });

  it("finds the same boundary from the copy burst when the parent rollout is gone", async () => {
    const messages = messagesOf(await readAll(forkHome({ parent: false, index: false })));
    expect(summary(messages)).toEqual(ownTurn);
    expect(billed(messages)).toEqual({ promptTokens: 1000, cacheReadTokens: 6000, completionTokens: 130, reasoningTokens: 20 });
  });

  it("with the parent on disk, an own turn started within milliseconds of the copy (spawned sub-agent) is still the fork's", async () => {
    const path = forkHome({ index: false });
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    const fast = lines.map((l, i) => (i < 12 ? l : l.replace(/"timestamp":"[^"]+"/, `"timestamp":"2026-03-12T10:20:00.${String(200 + i).padStart(3, "0")}Z"`)));
    writeFileSync(path, fast.join("\n") + "\n");
    expect(summary(messagesOf(await readAll(path)))).toEqual(ownTurn);
  });

  it("a copy read before the fork's first turn is not sent; the turn is, once written", async () => {
    const path = forkHome({ index: false });
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    writeFileSync(path, lines.slice(0, 12).join("\n") + "\n");
    const first = await readAll(path);
    expect(first.flatMap((c) => c.messages)).toEqual([]);
    appendFileSync(path, lines.slice(12).join("\n") + "\n");
    const next = await readAll(path, first.at(-1)!.checkpoint);
    expect(summary(messagesOf(next))).toEqual(ownTurn);
    expect(billed(messagesOf(next))).toEqual({ promptTokens: 1000, cacheReadTokens: 6000, completionTokens: 130, reasoningTokens: 20 });
  });

  it("the parent keeps its own history and tokens", async () => {
    forkHome({ index: false });
    const messages = messagesOf(await readAll(join(home, ".codex", DAY, parentFile)));
    expect(messages.filter((m) => m.role === "user").map((m) => m.textContent)).toEqual(["Add a cart page", "Now add tests"]);
    expect(billed(messages)).toEqual({ promptTokens: 4000 + 2000, cacheReadTokens: 1000 + 4000, completionTokens: 150 + 100, reasoningTokens: 50 });
  });
});

describe("codex rules: a thread renamed in Codex keeps that name", () => {
  it("takes the latest thread_name of session_index.jsonl as the title", async () => {
    const chunks = await readAll(forkHome());
    expect(chunks.at(-1)!.sessions[0].title).toBe("Cart drawer");
  });

  it("a rename after the last sync sends the session again, alone, and changes the fingerprint", async () => {
    const path = forkHome();
    const unit = codexCollector.unitFor(path);
    const before = await codexCollector.fingerprint!(unit);
    const cp = (await readAll(path)).at(-1)!.checkpoint;
    expect(await readAll(path, cp)).toEqual([]);

    await new Promise((r) => setTimeout(r, 15));
    appendFileSync(join(home, ".codex", "session_index.jsonl"), JSON.stringify({ id: FORK, thread_name: "Cart drawer v2", updated_at: "2026-03-12T11:00:00Z" }) + "\n");
    expect(await codexCollector.fingerprint!(unit)).not.toEqual(before);
    const renamed = await readAll(path, cp);
    expect(renamed).toHaveLength(1);
    expect(renamed[0].messages).toEqual([]);
    expect(renamed[0].sessions[0]).toMatchObject({ externalId: FORK, title: "Cart drawer v2" });
    expect(await readAll(path, renamed[0].checkpoint)).toEqual([]);
  });
});

describe("codex rules: injected context is never a user message nor the title", () => {
  it("keeps environment context, AGENTS.md, recommended plugins and goal contexts as system messages and splits a bundled prompt out", async () => {
    const chunks = await readAll(rule("rollout-2026-03-13T09-00-00-019c0b00-0000-7000-8000-000000000001.jsonl"));
    const messages = messagesOf(chunks);
    expect(messages.map((m) => [m.role, m.textContent.split("\n")[0]])).toEqual([
      ["system", "<permissions instructions>"],
      ["system", "# AGENTS.md instructions for /home/dev/shop"],
      ["system", "<recommended_plugins>"],
      ["system", "<environment_context>"],
      ["user", "Fix the checkout total rounding"],
      ["assistant", "Rounding now happens once, on the total."],
      ["system", "<codex_internal_context source=\"goal\">"],
      ["assistant", "Goal check: rounding fixed, changelog pending."],
      ["system", "<goal_context>"],
      ["user", "Also update the changelog"],
      ["assistant", "CHANGELOG.md updated."],
    ]);
    const users = messages.filter((m) => m.role === "user");
    expect(users.map((m) => m.parts)).toEqual([
      [{ type: "text", content: { text: "Fix the checkout total rounding" } }],
      [{ type: "text", content: { text: "Also update the changelog" } }],
    ]);
    // The AGENTS.md item and the environment item of one message stay one system message.
    expect(messages[1].textContent).toContain("</INSTRUCTIONS>\n\n<environment_context>");
    expect(messages[3].textContent).toBe("<environment_context>\n  <cwd>/home/dev/shop</cwd>\n  <shell>bash</shell>\n</environment_context>");
    expect(messages[3].externalId).toBe(`${messages[4].externalId}:context`);
    expect(chunks.at(-1)!.sessions[0].title).toBe("Fix the checkout total rounding");
    expect(billed(messages)).toEqual({ promptTokens: 3000 + 600 + 600, cacheReadTokens: 2900 + 3400, completionTokens: 80 + 40 + 50, reasoningTokens: 0 });
  });
});

describe("codex rules: token_count, models, aborted turns, reasoning", () => {
  it("counts a token_count that repeats the previous one once, and a same-sized later request again", async () => {
    const messages = messagesOf(await readAll(rule("rollout-2026-03-14T09-00-00-019c0c00-0000-7000-8000-000000000001.jsonl")));
    const answers = messages.filter((m) => m.role === "assistant");
    expect(answers.map((m) => [m.textContent, m.promptTokens, m.cacheReadTokens, m.completionTokens, m.reasoningTokens])).toEqual([
      ["There are three TODOs.", 1500, 500, 50, 10],
      ["None in tests/.", 1500, 500, 50, 10],
      ["You're welcome.", 500, 2000, 8, 0],
    ]);
    expect(messages).toHaveLength(6); // no usage-only step for the repeats
    expect(billed(messages)).toEqual({ promptTokens: 3500, cacheReadTokens: 3000, completionTokens: 108, reasoningTokens: 20 });
  });

  it("a turn whose turn_context names no model does not inherit the previous turn's", async () => {
    const chunks = await readAll(rule("rollout-2026-03-15T09-00-00-019c0d00-0000-7000-8000-000000000001.jsonl"));
    const answers = messagesOf(chunks).filter((m) => m.role === "assistant");
    expect(answers[0].model).toBe("gpt-5.5");
    expect(answers[1].model).toBeUndefined();
    expect(answers[1]).toMatchObject({ promptTokens: 300, cacheReadTokens: 1400, completionTokens: 25 });
    expect(chunks.at(-1)!.sessions[0].model).toBe("gpt-5.5");
  });

  it("a prompt sent again after its turn was aborted is one turn; a different prompt after an abort is a new one", async () => {
    const messages = messagesOf(await readAll(rule("rollout-2026-03-16T09-00-00-019c0e00-0000-7000-8000-000000000001.jsonl")));
    expect(summary(messages).map(([role, parts, text]) => [role, parts, text.split("\n")[0]])).toEqual([
      ["user", "text", "Rename the Cart component to CartView"],
      ["assistant", "reasoning,tool-call", ""],
      ["system", "text", "<turn_aborted>"],
      ["assistant", "tool-call", ""],
      ["tool", "tool-result", "Exit code: 0"],
      ["assistant", "text", "Renamed Cart to CartView in src/Cart.tsx."],
      ["user", "text", "Now run the tests"],
      ["user", "text", "Only the cart tests"],
      ["assistant", "text", "Cart tests pass."],
    ]);
    expect(billed(messages)).toEqual({ promptTokens: 4000 + 300 + 300, cacheReadTokens: 3900 + 4100, completionTokens: 40 + 50 + 30, reasoningTokens: 0 });
  });

  it("makes every reasoning item a reasoning part: summaries, raw reasoning text, or encrypted only", async () => {
    const [, answer] = messagesOf(await readAll(rule("rollout-2026-03-17T09-00-00-019c0f00-0000-7000-8000-000000000001.jsonl")));
    expect(answer.parts).toEqual([
      { type: "reasoning", content: { text: "**Checking the rounding**\n\nEach line is rounded before summing." } },
      { type: "reasoning", content: { text: "0.1 + 0.2 is not 0.3 in binary floating point." } },
      { type: "reasoning", content: { text: "", encrypted: true } },
      { type: "text", content: { text: "Each line is rounded before summing; round the total once instead." } },
    ]);
    expect(answer).toMatchObject({ promptTokens: 2200, cacheReadTokens: 0, completionTokens: 100, reasoningTokens: 300 });
  });
});

describe("codex rules: a session is sent with or before its messages", () => {
  it("every chunk that carries messages carries their session", async () => {
    const paths = [forkHome(), ...["13", "14", "15", "16", "17"].map((d) => rule(readdirName(d)))];
    for (const path of paths) {
      for (const chunk of await readAll(path)) {
        const sessions = new Set(chunk.sessions.map((s) => s.externalId));
        for (const m of chunk.messages) expect(sessions.has(m.sessionExternalId)).toBe(true);
      }
    }
  });
});

function readdirName(day: string): string {
  const ids: Record<string, string> = { "13": "0b", "14": "0c", "15": "0d", "16": "0e", "17": "0f" };
  return `rollout-2026-03-${day}T09-00-00-019c${ids[day]}00-0000-7000-8000-000000000001.jsonl`;
}
