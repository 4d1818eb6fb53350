/**
 * The corpus model: agent sessions in a neutral, agent-agnostic shape close to how the agents
 * themselves record a conversation (a user turn, assistant messages made of content blocks, and the
 * tool results that answer their tool calls). Writers turn it into wire or on-disk formats:
 * sync-format.mjs for POST /sync/batch; a Claude Code JSONL or OpenCode writer can be added beside
 * it without touching the generator.
 *
 * @typedef {{ type: "text", text: string }
 *   | { type: "thinking", text: string }
 *   | { type: "tool_use", id: string, name: string, input: Record<string, unknown> }} AssistantBlock
 * @typedef {{ toolUseId: string, toolName: string, output: string, isError: boolean }} ToolResult
 * @typedef {{ input: number, output: number, cacheRead: number, cacheWrite: number }} Usage
 * @typedef {{ kind: "user", id: string, at: number, text: string }
 *   | { kind: "assistant", id: string, at: number, model: string, blocks: AssistantBlock[], usage: Usage, durationMs: number }
 *   | { kind: "tool_results", id: string, at: number, results: ToolResult[] }} Entry
 * @typedef {{
 *   id: string, source: string, title: string, projectPath: string, projectName: string,
 *   gitBranch: string, machine: string, model: string, provider: string, agentVersion: string,
 *   createdAt: number, updatedAt: number, entries: Entry[]
 * }} Session
 */

import { Rng } from "./rng.mjs";
import {
  assistantMarkdown,
  filePath,
  grepOutput,
  identifier,
  numberedFile,
  sentence,
  shellCommand,
  shellOutput,
  thinkingText,
  userPrompt,
  codeLines,
  languageOf,
} from "./text.mjs";
import { heavyFileContent, heavyGrepOutput, heavyShellOutput, outputFlavour } from "./heavy-output.mjs";

/** 2025-06-01T00:00:00Z: every timestamp is derived from it, never from the clock. */
export const CORPUS_EPOCH = Date.UTC(2025, 5, 1);

const PROJECTS = ["webapp", "api-gateway", "billing-service", "cli-tools", "data-pipeline", "mobile-app", "infra", "docs-site"];
const BRANCHES = ["main", "main", "main", "develop", "feature/auth", "fix/flaky-tests", "refactor/store"];
const MACHINES = ["laptop", "workstation", "ci-runner"];
const MODELS = [
  { model: "claude-sonnet-4-5-20250929", provider: "anthropic" },
  { model: "claude-opus-4-1-20250805", provider: "anthropic" },
  { model: "claude-haiku-4-5-20251001", provider: "anthropic" },
];

/**
 * How big a tool output is. Most are short; a tail of a few KB (a test run, a file read), and a
 * rare 30-60 KB one (a whole log or a big file) that stresses large rows.
 * @param {Rng} rng
 */
function toolOutputBytes(rng) {
  const r = rng.next();
  if (r < 0.004) return rng.int(30_000, 60_000);
  if (r < 0.065) return rng.int(2_000, 6_000);
  return rng.int(60, 700);
}

/**
 * Corpus shapes. `standard`: the mix above (issue 3). `tool-heavy` (issue 8): histories dominated by
 * large tool outputs, 10-80 KB a result, long lines and non-ASCII (heavy-output.mjs); the rest of
 * the session (prompts, answers, side lines) is as in `standard`.
 */
export const CORPUS_SHAPES = ["standard", "tool-heavy"];

/** A tool-heavy session's tool call: Bash, Read and Grep answer with 10-80 KB. @param {Rng} rng */
function heavyToolCall(rng, root, flavour) {
  const kind = rng.weighted({ Bash: 5, Read: 4, Edit: 1, Grep: 1.5, Write: 0.3 });
  const size = rng.int(10_000, 80_000);
  if (kind === "Bash") {
    const command = shellCommand(rng);
    const isError = rng.chance(0.1);
    return {
      name: "Bash",
      input: { command, description: sentence(rng, 2, 6).replace(/[.:?]$/, "") },
      output: () => (isError ? `Exit code 1\n` : "") + heavyShellOutput(rng, command, size, flavour, root),
      isError,
    };
  }
  if (kind === "Read") {
    const file = filePath(rng, root);
    const output = () => heavyFileContent(rng, file, size, flavour).map((line, i) => `${String(i + 1).padStart(6)}\t${line}`).join("\n");
    return { name: "Read", input: { file_path: file }, output, isError: false };
  }
  if (kind === "Grep") {
    return { name: "Grep", input: { pattern: identifier(rng), path: root }, output: () => heavyGrepOutput(rng, root, size, flavour), isError: false };
  }
  return toolCall(rng, root, kind);
}

/**
 * @param {Rng} rng @param {string} [forced] a tool kind already chosen (tool-heavy Edit / Write)
 * @returns {{ name: string, input: Record<string, unknown>, output: () => string, isError: boolean }}
 */
function toolCall(rng, root, forced) {
  const kind = forced ?? rng.weighted({ Bash: 4, Read: 4, Edit: 3, Grep: 1, Write: 0.5 });
  const size = toolOutputBytes(rng);
  if (kind === "Bash") {
    const command = shellCommand(rng);
    const isError = rng.chance(0.1);
    return {
      name: "Bash",
      input: { command, description: sentence(rng, 2, 6).replace(/[.:?]$/, "") },
      output: () => (isError ? `Exit code 1\n` : "") + shellOutput(rng, command, size),
      isError,
    };
  }
  if (kind === "Read") {
    const file = filePath(rng, root);
    return { name: "Read", input: { file_path: file }, output: () => numberedFile(rng, file, size), isError: false };
  }
  if (kind === "Edit") {
    const file = filePath(rng, root);
    const lang = languageOf(file);
    return {
      name: "Edit",
      input: {
        file_path: file,
        old_string: codeLines(rng, lang, rng.int(1, 4)).join("\n"),
        new_string: codeLines(rng, lang, rng.int(1, 6)).join("\n"),
      },
      output: () => `The file ${file} has been updated.`,
      isError: false,
    };
  }
  if (kind === "Grep") {
    return { name: "Grep", input: { pattern: identifier(rng), path: root }, output: () => grepOutput(rng, root, size), isError: false };
  }
  const file = filePath(rng, root);
  return {
    name: "Write",
    input: { file_path: file, content: codeLines(rng, languageOf(file), rng.int(10, 60)).join("\n") },
    output: () => `File created successfully at: ${file}`,
    isError: false,
  };
}

/**
 * One session with roughly `targetMessages` entries (never fewer than 2).
 * @param {Rng} rng @param {number} index position in the corpus (spaces sessions out in time)
 * @param {"standard" | "tool-heavy"} [shape] `standard` draws exactly what it always drew
 * @returns {Session}
 */
export function generateSession(rng, index, targetMessages = rng.int(20, 160), shape = "standard") {
  const project = rng.pick(PROJECTS);
  const projectPath = `/home/dev/projects/${project}`;
  const { model, provider } = rng.pick(MODELS);
  const createdAt = CORPUS_EPOCH + index * 37 * 60_000 + rng.int(0, 30 * 60_000);
  let at = createdAt;
  const tick = (minMs, maxMs) => (at += rng.int(minMs, maxMs));
  /** @type {Entry[]} */
  const entries = [];
  let cacheRead = rng.int(8_000, 20_000);
  const flavour = shape === "tool-heavy" ? outputFlavour(rng) : undefined;
  const nextToolCall = flavour ? () => heavyToolCall(rng, projectPath, flavour) : () => toolCall(rng, projectPath);

  while (entries.length < targetMessages) {
    entries.push({ kind: "user", id: rng.uuid(), at: tick(20_000, 600_000), text: userPrompt(rng) });
    const steps = rng.int(1, 8);
    for (let step = 0; step < steps && entries.length < targetMessages; step++) {
      const last = step === steps - 1;
      /** @type {AssistantBlock[]} */
      const blocks = [];
      if (rng.chance(0.35)) blocks.push({ type: "thinking", text: thinkingText(rng) });
      if (last || rng.chance(0.6)) blocks.push({ type: "text", text: assistantMarkdown(rng, last ? rng.int(150, 1_200) : rng.int(40, 250)) });
      const calls = last ? [] : Array.from({ length: rng.chance(0.2) ? 2 : 1 }, nextToolCall);
      const callIds = calls.map(() => `toolu_01${rng.hex(22)}`);
      calls.forEach((c, i) => blocks.push({ type: "tool_use", id: callIds[i], name: c.name, input: c.input }));

      const textBytes = blocks.reduce((n, b) => n + (b.type === "tool_use" ? 120 : b.text.length), 0);
      const output = Math.max(1, Math.round(textBytes / 3.6));
      const cacheWrite = rng.int(0, 4_000);
      entries.push({
        kind: "assistant",
        id: `msg_01${rng.hex(22)}`,
        at: tick(1_500, 40_000),
        model,
        blocks,
        usage: { input: rng.int(3, 60), output, cacheRead, cacheWrite },
        durationMs: rng.int(800, 30_000),
      });
      cacheRead += cacheWrite + output;

      if (calls.length && entries.length < targetMessages) {
        entries.push({
          kind: "tool_results",
          id: rng.uuid(),
          at: tick(50, 20_000),
          results: calls.map((c, i) => ({ toolUseId: callIds[i], toolName: c.name, output: c.output(), isError: c.isError })),
        });
      }
    }
  }

  const firstPrompt = entries[0].kind === "user" ? entries[0].text : "";
  return {
    id: rng.uuid(),
    source: "claude-code",
    title: firstPrompt.split("\n")[0].slice(0, 80),
    projectPath,
    projectName: project,
    gitBranch: rng.pick(BRANCHES),
    machine: rng.pick(MACHINES),
    model,
    provider,
    agentVersion: `2.0.${rng.int(30, 80)}`,
    createdAt,
    updatedAt: at,
    entries,
  };
}

/**
 * Sessions until `messageCount` entries exist in total (the last session is cut to fit).
 * Deterministic for a given seed: session i of seed s is the same whatever `messageCount` is.
 * @param {{ seed?: number, messageCount: number }} options
 * @returns {Generator<Session>}
 */
export function* generateSessions({ seed = 1, messageCount }) {
  const root = new Rng(seed);
  let remaining = messageCount;
  for (let index = 0; remaining > 0; index++) {
    const rng = root.fork();
    const session = generateSession(rng, index);
    if (session.entries.length > remaining) {
      session.entries.length = remaining;
      session.updatedAt = session.entries[remaining - 1].at;
    }
    remaining -= session.entries.length;
    yield session;
  }
}
