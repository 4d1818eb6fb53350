import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prng } from "../harness/expect.js";

/**
 * A seeded generator of agents' storage for the fault-injection suite: Claude Code transcripts
 * (prompts, assistant messages streamed over several lines sharing `message.id`, tool calls and
 * their results, subagent files), Codex rollouts and Gemini chats, written in the shapes the
 * agents write (modelled on our collectors' fixtures, which follow Claude Code 2.x transcripts,
 * codex-rs `protocol/src/protocol.rs` rollout items and gemini-cli `chatRecordingService.ts`).
 *
 * Every writer returns how many messages it wrote per session, counted the way the agent means
 * them (a Claude Code line per prompt or tool result, one message per `message.id`): the suite
 * checks the server against these counts independently of any collector.
 */

export type Rng = () => number;

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");
const uuid = (rng: Rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;

const WORDS = ["retry", "backoff", "checkpoint", "schema", "upsert", "lease", "batch", "cursor", "token", "session", "parser", "router", "handler", "test", "config", "index", "merge", "stream", "offset", "queue"];
const sentence = (rng: Rng, min = 4, max = 14) => Array.from({ length: int(rng, min, max) }, () => pick(rng, WORDS)).join(" ");
const CLAUDE_MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"];

/** Message counts per session external id, as the agent wrote them. */
export type Counts = Map<string, number>;

function bump(counts: Counts, id: string, n = 1): void {
  counts.set(id, (counts.get(id) ?? 0) + n);
}

/** Writes Claude Code transcript lines for one session; keeps its clock so appends continue it. */
export class ClaudeTranscript {
  private clock: number;
  private parent: string | null = null;
  private turn = 0;
  readonly model: string;

  constructor(
    readonly path: string,
    readonly sessionId: string,
    private readonly rng: Rng,
    startMs: number,
    private readonly cwd = "/home/dev/projects/webapp",
    /** Set for a subagent file: every line is a sidechain of this agent. */
    private readonly agentId?: string,
  ) {
    this.clock = startMs;
    this.model = pick(rng, CLAUDE_MODELS);
  }

  private base(uuidValue: string, type: string): Record<string, unknown> {
    this.clock += int(this.rng, 200, 4000);
    const line: Record<string, unknown> = {
      parentUuid: this.parent,
      isSidechain: this.agentId !== undefined,
      userType: "external",
      cwd: this.cwd,
      sessionId: this.sessionId,
      version: "2.0.76",
      gitBranch: "main",
      type,
      uuid: uuidValue,
      timestamp: new Date(this.clock).toISOString(),
    };
    if (this.agentId) line.agentId = this.agentId;
    this.parent = uuidValue;
    return line;
  }

  private usage(output: number): Record<string, unknown> {
    return {
      input_tokens: int(this.rng, 3, 40),
      cache_creation_input_tokens: int(this.rng, 0, 3000),
      cache_read_input_tokens: int(this.rng, 0, 30000),
      output_tokens: output,
      service_tier: "standard",
    };
  }

  /** An assistant message streamed as 1-3 lines sharing one `message.id` (thinking, text, tool_use). */
  private assistant(blocks: Array<Record<string, unknown>>): string[] {
    const id = `msg_01${hex(this.rng, 22)}`;
    const requestId = `req_01${hex(this.rng, 22)}`;
    const usage = this.usage(0);
    let output = 0;
    return blocks.map((block, i) => {
      output += int(this.rng, 5, 400);
      const line = this.base(uuid(this.rng), "assistant");
      line.requestId = requestId;
      line.message = {
        id,
        type: "message",
        role: "assistant",
        model: this.model,
        content: [block],
        stop_reason: i === blocks.length - 1 ? (block.type === "tool_use" ? "tool_use" : "end_turn") : null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: output },
      };
      return JSON.stringify(line);
    });
  }

  /** Lines of `turns` more turns; returns them and the number of messages they hold. */
  lines(turns: number, tools = true): { text: string; messages: number } {
    const out: string[] = [];
    let messages = 0;
    for (let t = 0; t < turns; t++) {
      this.turn++;
      const prompt = this.base(uuid(this.rng), "user");
      prompt.message = { role: "user", content: `${sentence(this.rng)} (turn ${this.turn})` };
      out.push(JSON.stringify(prompt));
      messages++;
      const useTool = this.rng() < 0.5 && tools;
      const first: Array<Record<string, unknown>> = [];
      if (this.rng() < 0.4) first.push({ type: "thinking", thinking: sentence(this.rng), signature: hex(this.rng, 16) });
      first.push({ type: "text", text: sentence(this.rng, 6, 40) });
      const toolId = `toolu_01${hex(this.rng, 20)}`;
      if (useTool) first.push({ type: "tool_use", id: toolId, name: "Read", input: { file_path: `${this.cwd}/src/${pick(this.rng, WORDS)}.ts` } });
      out.push(...this.assistant(first));
      messages++;
      if (useTool) {
        const result = this.base(uuid(this.rng), "user");
        result.message = { role: "user", content: [{ tool_use_id: toolId, type: "tool_result", content: `     1\t${sentence(this.rng, 3, 30)}\n` }] };
        out.push(JSON.stringify(result));
        out.push(...this.assistant([{ type: "text", text: sentence(this.rng, 3, 20) }]));
        messages += 2;
      }
    }
    return { text: out.join("\n") + "\n", messages };
  }

  /** Appends `turns` turns to the file (an agent that keeps writing); returns the messages added. */
  append(turns: number): number {
    const { text, messages } = this.lines(turns);
    appendFileSync(this.path, text);
    return messages;
  }

  /** Appends turns holding exactly `messages` messages (a lone prompt ends an odd count). */
  appendExactly(messages: number): number {
    let left = messages;
    while (left >= 4) left -= this.append(1);
    if (left >= 2) {
      const { text, messages: n } = this.lines(1, false);
      appendFileSync(this.path, text);
      left -= n;
    }
    if (left === 1) this.appendPrompt(sentence(this.rng));
    return messages;
  }

  /** Appends one line of arbitrary content (e.g. a huge prompt) as a user prompt. */
  appendPrompt(content: string): void {
    const prompt = this.base(uuid(this.rng), "user");
    prompt.message = { role: "user", content };
    appendFileSync(this.path, JSON.stringify(prompt) + "\n");
  }
}


/** A Codex rollout: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`. */
function writeCodexRollout(home: string, rng: Rng, startMs: number, counts: Counts): string {
  const id = uuid(rng);
  const day = new Date(startMs);
  const dir = join(home, ".codex/sessions", String(day.getUTCFullYear()), String(day.getUTCMonth() + 1).padStart(2, "0"), String(day.getUTCDate()).padStart(2, "0"));
  mkdirSync(dir, { recursive: true });
  const stamp = day.toISOString().slice(0, 19).replace(/:/g, "-");
  const path = join(dir, `rollout-${stamp}-${id}.jsonl`);
  let clock = startMs;
  const line = (type: string, payload: unknown) => JSON.stringify({ timestamp: new Date((clock += int(rng, 100, 3000))).toISOString(), type, payload });
  const cwd = `/home/dev/projects/${pick(rng, ["webapp", "api", "cli"])}`;
  const out = [
    line("session_meta", { id, timestamp: day.toISOString(), cwd, originator: "codex_cli_rs", cli_version: "0.50.0", instructions: null, source: "cli", model_provider: "openai" }),
    line("turn_context", { cwd, approval_policy: "on-request", sandbox_policy: { type: "workspace-write" }, model: "gpt-5-codex", effort: "medium", summary: "auto" }),
  ];
  let input = 0;
  let output = 0;
  for (let t = int(rng, 1, 4); t > 0; t--) {
    const prompt = sentence(rng);
    out.push(line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: prompt }] }));
    out.push(line("event_msg", { type: "user_message", message: prompt, images: [] }));
    if (rng() < 0.5) {
      const callId = `call_${hex(rng, 24)}`;
      out.push(line("response_item", { type: "function_call", name: "shell", arguments: JSON.stringify({ command: ["bash", "-lc", "npm test"] }), call_id: callId }));
      out.push(line("response_item", { type: "function_call_output", call_id: callId, output: JSON.stringify({ output: sentence(rng), metadata: { exit_code: 0, duration_seconds: 0.4 } }) }));
    }
    const answer = sentence(rng, 5, 30);
    out.push(line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: answer }] }));
    out.push(line("event_msg", { type: "agent_message", message: answer }));
    const turnIn = int(rng, 1000, 9000);
    const turnOut = int(rng, 10, 900);
    input += turnIn;
    output += turnOut;
    out.push(
      line("event_msg", {
        type: "token_count",
        info: {
          total_token_usage: { input_tokens: input, cached_input_tokens: Math.floor(input / 2), output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output },
          last_token_usage: { input_tokens: turnIn, cached_input_tokens: Math.floor(turnIn / 2), output_tokens: turnOut, reasoning_output_tokens: 0, total_tokens: turnIn + turnOut },
          model_context_window: 272000,
        },
        rate_limits: null,
      }),
    );
  }
  writeFileSync(path, out.join("\n") + "\n");
  counts.set(id, -1); // counted by the collector's rules, not ours: the oracle checks Codex against the reference only
  return path;
}

/** A Gemini CLI chat: `~/.gemini/tmp/<project hash>/chats/session-<time>-<id8>.json`, rewritten whole on each change. */
function writeGeminiChat(home: string, rng: Rng, startMs: number, counts: Counts): string {
  const sessionId = uuid(rng);
  const projectHash = hex(rng, 64);
  const dir = join(home, ".gemini/tmp", projectHash, "chats");
  mkdirSync(dir, { recursive: true });
  let clock = startMs;
  const at = () => new Date((clock += int(rng, 500, 9000))).toISOString();
  const messages: Array<Record<string, unknown>> = [];
  for (let t = int(rng, 1, 5); t > 0; t--) {
    messages.push({ id: uuid(rng), timestamp: at(), type: "user", content: sentence(rng) });
    const input = int(rng, 1000, 9000);
    const output = int(rng, 10, 600);
    messages.push({
      id: uuid(rng),
      timestamp: at(),
      type: "gemini",
      content: sentence(rng, 5, 30),
      thoughts: [{ subject: "Planning", description: sentence(rng), timestamp: at() }],
      tokens: { input, output, cached: 0, thoughts: 20, tool: 0, total: input + output + 20 },
      model: "gemini-2.5-pro",
    });
  }
  const stamp = new Date(startMs).toISOString().slice(0, 16).replace(/:/g, "-");
  const path = join(dir, `session-${stamp}-${sessionId.slice(0, 8)}.json`);
  writeFileSync(path, JSON.stringify({ sessionId, projectHash, startTime: new Date(startMs).toISOString(), lastUpdated: new Date(clock).toISOString(), messages }, null, 2));
  counts.set(sessionId, messages.length);
  return path;
}

export interface HomeSpec {
  seed: number;
  /** Ordinary Claude Code sessions and their size range in messages. */
  claudeSessions: number;
  claudeMessages: [number, number];
  /** Sessions this large (so they take several chunks and requests); 0 for none. */
  bigSessions?: number;
  bigMessages?: number;
  /** Give some sessions a subagent transcript. */
  subagents?: boolean;
  codexSessions?: number;
  geminiSessions?: number;
}

export interface GeneratedHome {
  home: string;
  /** Messages written per session (-1: counted only against the reference). */
  counts: Counts;
  transcripts: ClaudeTranscript[];
}

const PROJECT_DIR = ".claude/projects/-home-dev-projects-webapp";

/** Writes a fixture HOME under `home` from `spec`; the same seed always writes the same bytes. */
export function generateHome(home: string, spec: HomeSpec): GeneratedHome {
  const rng = prng(spec.seed);
  const counts: Counts = new Map();
  const transcripts: ClaudeTranscript[] = [];
  const project = join(home, PROJECT_DIR);
  mkdirSync(project, { recursive: true });
  let start = Date.UTC(2025, 8, 1) + int(rng, 0, 86_400_000);
  const sizes = [
    ...Array.from({ length: spec.bigSessions ?? 0 }, () => spec.bigMessages ?? 1200),
    ...Array.from({ length: spec.claudeSessions }, () => int(rng, spec.claudeMessages[0], spec.claudeMessages[1])),
  ];
  for (const size of sizes) {
    const sessionId = uuid(rng);
    const t = new ClaudeTranscript(join(project, `${sessionId}.jsonl`), sessionId, rng, (start += 3_600_000));
    writeFileSync(t.path, "");
    bump(counts, sessionId, t.appendExactly(size));
    transcripts.push(t);
    if (spec.subagents && rng() < 0.3) {
      const agentId = hex(rng, 17);
      const dir = join(project, sessionId, "subagents");
      mkdirSync(dir, { recursive: true });
      const sub = new ClaudeTranscript(join(dir, `agent-${agentId}.jsonl`), sessionId, rng, start + 60_000, undefined, agentId);
      writeFileSync(sub.path, "");
      bump(counts, sessionId, sub.append(int(rng, 1, 4)));
      writeFileSync(join(dir, `agent-${agentId}.meta.json`), JSON.stringify({ agentType: "general-purpose", description: "Look around", toolUseId: `toolu_01${hex(rng, 20)}` }));
    }
  }
  for (let i = 0; i < (spec.codexSessions ?? 0); i++) writeCodexRollout(home, rng, (start += 3_600_000), counts);
  for (let i = 0; i < (spec.geminiSessions ?? 0); i++) writeGeminiChat(home, rng, (start += 3_600_000), counts);
  return { home, counts, transcripts };
}

/**
 * OpenCode's pre-1.2 JSON tree with `sessions` sessions and no messages (OpenCode writes one for
 * every `opencode` started and left): `storage/session/<project>/<id>.json`, per
 * sst/opencode `packages/opencode/src/session/index.ts` (v0.15 `Session.Info`).
 */
export function writeOpencodeEmptySessions(home: string, sessions: number, seed: number): string[] {
  const rng = prng(seed);
  const storage = join(home, ".local/share/opencode/storage");
  const projectId = hex(rng, 40);
  mkdirSync(join(storage, "project"), { recursive: true });
  writeFileSync(join(storage, "project", `${projectId}.json`), JSON.stringify({ id: projectId, worktree: "/home/dev/projects/webapp", vcs: "git", time: { created: Date.UTC(2025, 5, 1) } }));
  const dir = join(storage, "session", projectId);
  mkdirSync(dir, { recursive: true });
  const ids: string[] = [];
  const t0 = Date.UTC(2025, 5, 1);
  for (let i = 0; i < sessions; i++) {
    const id = `ses_${hex(rng, 12)}${String(i).padStart(14, "0")}`;
    ids.push(id);
    const created = t0 + i * 60_000;
    writeFileSync(join(dir, `${id}.json`), JSON.stringify({ id, version: "0.15.0", projectID: projectId, directory: "/home/dev/projects/webapp", title: `New session - ${new Date(created).toISOString()}`, time: { created, updated: created } }));
  }
  return ids;
}
