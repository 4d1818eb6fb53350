import { basename } from "node:path";
import type { MessageInput, PartInput, SessionInput } from "@opensync/protocol";
import type { Line } from "../../jsonl.js";
import { parseJsonLine } from "../../jsonl.js";
import {
  contentText, isToolOutputType, parseToolOutput, reasoningPart, splitUserContent, titleFrom, toolCallPart,
} from "./content.js";
import type { ForkReplay } from "./fork.js";
import { isRecord, toRolloutRecord, type RolloutRecord } from "./rollout-line.js";
import { addUsage, isZeroUsage, readUsage, sameUsage, toMessageTokens, usageDelta, type CodexUsage } from "./tokens.js";

export const CODEX_SOURCE = "codex-cli";
const PROVIDER = "openai";

/** What carries over between reads of one rollout file (stored in the checkpoint). */
export interface CodexState {
  sessionId?: string;
  createdAt?: number;
  updatedAt?: number;
  cwd?: string;
  gitBranch?: string;
  /** Last model any turn named (the session's model). */
  model?: string;
  /**
   * The current turn's model: `""` when its `turn_context` named none (its calls are then not
   * attributed to an earlier turn's model); undefined before any `turn_context` (older formats).
   */
  turnModel?: string;
  title?: string;
  /** A name the user gave the thread: from Codex's session_index.jsonl, else a `thread_name_updated` event. */
  indexedName?: string;
  threadName?: string;
  forkedFromId?: string;
  /** The copy of the parent's history at the top of a forked rollout. */
  replay?: ForkReplay;
  cliVersion?: string;
  originator?: string;
  /** Last timestamp seen, for early-format lines that carry none. */
  lastTimestamp?: number;
  /** Last cumulative `total_token_usage`, to turn snapshots into per-call deltas. */
  usageTotal?: CodexUsage;
  /** The last token_count's `[total, last]`: an event repeating it bills nothing new. */
  lastUsage?: [CodexUsage | null, CodexUsage | null];
  /**
   * The rollout has `token_usage_record` lines (0.171+): they bill each response, and the
   * token_count events that follow them only repeat the same usage.
   */
  usageRecords?: boolean;
  /** Responses already billed by a token_usage_record (the last few): a repeated record bills nothing. */
  billedResponses?: string[];
  /** Text of the last prompt the user typed, and whether its turn was aborted since. */
  lastPrompt?: string;
  abortedSincePrompt?: boolean;
}

/** Assistant output of one model call (reasoning, text, tool calls), closed by its token_count. */
interface OpenTurn {
  externalId: string;
  createdAt?: number;
  model?: string;
  parts: PartInput[];
  texts: string[];
  usage?: CodexUsage;
}

interface SafePoint { offset: number; state: CodexState }

/** How many billed response ids a checkpoint keeps: repeats come right after the original. */
const BILLED_RESPONSES_KEPT = 16;

const ASSISTANT_ITEM_TYPES = new Set(["reasoning", "function_call", "custom_tool_call", "local_shell_call", "web_search_call"]);

/**
 * Turns rollout lines into messages. Assistant items are gathered into one message per model call
 * and get that call's token usage from the `token_count` event Codex writes right after them. While
 * such a message is still open, the resume point stays at its first line, so a later read rebuilds
 * it whole (with its tokens) under the same id.
 */
export class RolloutParser {
  private readonly state: CodexState;
  private readonly closed: MessageInput[] = [];
  private open: OpenTurn | undefined;
  private openedAt: SafePoint | undefined;
  private lastEnd: number;

  constructor(state: CodexState | undefined, startOffset: number, private readonly fallbackSessionId: string) {
    this.state = state ? structuredClone(state) : {};
    this.lastEnd = startOffset;
  }

  get sessionId(): string {
    return this.state.sessionId ?? this.fallbackSessionId;
  }

  consume(line: Line): void {
    const parsed = parseJsonLine(line.text);
    const record = parsed && toRolloutRecord(parsed);
    if (record) {
      if (this.isReplayed(line)) this.applyReplayed(record);
      else this.apply(record, line);
    }
    this.lastEnd = line.end;
  }

  /** Tells the parser where a forked rollout's copy of its parent's history ends. */
  setReplay(replay: ForkReplay | undefined): void {
    this.state.replay = replay;
  }

  /** A name the user gave the thread in Codex's session index (wins over any other title). */
  setIndexedName(name: string | undefined): boolean {
    if (!name || name === this.state.indexedName) return false;
    this.state.indexedName = name;
    return true;
  }

  /** Lines of the parent's history copied into a fork: everything after the fork's own first line, up to the copy's end. */
  private isReplayed(line: Line): boolean {
    const replay = this.state.replay;
    return !!replay && line.start > 0 && line.start < replay.end;
  }

  /**
   * A copied line is the parent's, already billed and stored as the parent's. Only the token
   * counter is followed, so the fork's first own token_count is compared with the parent's last.
   */
  private applyReplayed(record: RolloutRecord): void {
    if (record.kind === "event_msg" && record.payload.type === "token_count") this.billedUsage(record.payload);
    if (record.kind === "token_usage_record") this.recordedUsage(record.payload, true);
  }

  /** Messages completed since the last call. */
  takeClosed(): MessageInput[] {
    return this.closed.splice(0);
  }

  /** The assistant message still being built (sent now so live sessions show it; resent once complete). */
  openMessage(): MessageInput | undefined {
    return this.open && this.toMessage(this.open);
  }

  /** Gives up waiting for the open turn's token_count (the writer is gone) and completes it as it is. */
  finishOpenTurn(): void {
    this.closeTurn();
  }

  /** Where the next read must start, and the state to start it with. */
  resumePoint(): SafePoint {
    return this.openedAt ?? { offset: this.lastEnd, state: structuredClone(this.state) };
  }

  session(machine: string): SessionInput {
    const s = this.state;
    const session: SessionInput = { externalId: this.sessionId, source: CODEX_SOURCE, machine, provider: PROVIDER };
    if (s.cwd) {
      session.projectPath = s.cwd;
      session.projectName = basename(s.cwd);
    }
    if (s.gitBranch) session.gitBranch = s.gitBranch;
    if (s.model) session.model = s.model;
    const title = s.indexedName ?? s.threadName ?? s.title;
    if (title) session.title = title;
    if (s.createdAt !== undefined) session.createdAt = s.createdAt;
    if (s.updatedAt !== undefined) session.updatedAt = s.updatedAt;
    const metadata: Record<string, unknown> = {};
    if (s.cliVersion) metadata.cliVersion = s.cliVersion;
    if (s.originator) metadata.originator = s.originator;
    if (s.forkedFromId) metadata.forkedFrom = s.forkedFromId;
    if (Object.keys(metadata).length) session.metadata = metadata;
    return session;
  }

  private apply(record: RolloutRecord, line: Line): void {
    const p = record.payload;
    if (record.kind === "response_item" && this.isAssistantItem(p) && !this.open) {
      // Freeze the resume point before this line changes anything.
      this.openedAt = { offset: line.start, state: structuredClone(this.state) };
      this.open = { externalId: this.idAt(line), parts: [], texts: [], model: this.currentModel() };
    }
    const at = this.touch(record.timestamp);

    switch (record.kind) {
      case "session_meta":
        return this.applyMeta(p, at);
      case "turn_context":
        this.closeTurn();
        this.state.turnModel = typeof p.model === "string" ? p.model : "";
        if (this.state.turnModel) this.state.model = this.state.turnModel;
        if (!this.state.cwd && typeof p.cwd === "string") this.state.cwd = p.cwd;
        return;
      case "compacted":
        this.closeTurn();
        return this.emitCompaction(p, line, at);
      case "token_usage_record":
        return this.bill(this.recordedUsage(p), line, at);
      case "event_msg":
        // user_message / agent_message / agent_reasoning / item_completed repeat response items: only usage is new.
        if (p.type === "token_count") this.bill(this.state.usageRecords ? undefined : this.billedUsage(p), line, at);
        else if (p.type === "turn_aborted") this.state.abortedSincePrompt = true;
        else if (p.type === "thread_name_updated" && typeof p.thread_name === "string" && p.thread_name.trim()) {
          this.state.threadName = p.thread_name.trim();
        }
        return;
      case "response_item":
        return this.applyItem(p, line, at);
    }
  }

  private isAssistantItem(p: Record<string, unknown>): boolean {
    const type = String(p.type);
    if (type === "message") return p.role === "assistant";
    return ASSISTANT_ITEM_TYPES.has(type) || (type.endsWith("_call") && !isToolOutputType(type));
  }

  private touch(timestamp: number | undefined): number | undefined {
    const s = this.state;
    if (timestamp !== undefined) {
      s.lastTimestamp = timestamp;
      if (s.updatedAt === undefined || timestamp > s.updatedAt) s.updatedAt = timestamp;
      if (s.createdAt === undefined || timestamp < s.createdAt) s.createdAt = timestamp;
    }
    return timestamp ?? s.lastTimestamp;
  }

  private currentModel(): string | undefined {
    return this.state.turnModel !== undefined ? this.state.turnModel || undefined : this.state.model;
  }

  private applyMeta(p: Record<string, unknown>, at: number | undefined): void {
    const s = this.state;
    if (!s.sessionId && typeof p.forked_from_id === "string" && p.forked_from_id) s.forkedFromId = p.forked_from_id;
    // A resumed or forked rollout may repeat meta lines; the first one names this session.
    if (!s.sessionId && typeof p.id === "string" && p.id) s.sessionId = p.id;
    const started = typeof p.timestamp === "string" ? Date.parse(p.timestamp) : NaN;
    if (!Number.isNaN(started) && (s.createdAt === undefined || started < s.createdAt)) s.createdAt = started;
    if (s.createdAt === undefined && at !== undefined) s.createdAt = at;
    if (!s.cwd && typeof p.cwd === "string" && p.cwd) s.cwd = p.cwd;
    if (isRecord(p.git) && typeof p.git.branch === "string" && p.git.branch) s.gitBranch ??= p.git.branch;
    if (typeof p.cli_version === "string") s.cliVersion ??= p.cli_version;
    if (typeof p.originator === "string") s.originator ??= p.originator;
  }

  private applyItem(p: Record<string, unknown>, line: Line, at: number | undefined): void {
    const type = String(p.type);
    if (this.isAssistantItem(p)) return this.addToTurn(p, at);
    if (type === "message") {
      this.closeTurn();
      return this.emitInputMessage(p, line, at);
    }
    if (isToolOutputType(type)) {
      this.closeTurn();
      return this.emitToolOutput(p, line, at);
    }
    // ghost_snapshot, encrypted compaction, unknown items: nothing a reader can use.
  }

  private addToTurn(p: Record<string, unknown>, at: number | undefined): void {
    const turn = this.open!;
    turn.createdAt ??= at;
    const type = String(p.type);
    if (type === "message") {
      const text = contentText(p.content);
      if (text) {
        turn.texts.push(text);
        turn.parts.push({ type: "text", content: { text } });
      }
    } else if (type === "reasoning") {
      turn.parts.push(reasoningPart(p));
    } else {
      const part = toolCallPart(p);
      if (part) turn.parts.push(part);
    }
  }

  /** Bills one model response's usage to the assistant output it produced (open turn), or to a usage step. */
  private bill(usage: CodexUsage | undefined, line: Line, at: number | undefined): void {
    if (!usage || isZeroUsage(usage)) return; // repeated snapshot or rate-limit-only event
    if (this.open) {
      this.open.usage = addUsage(this.open.usage, usage);
      this.closeTurn();
      return;
    }
    // Usage with no assistant output to carry it (remote compaction, ...): keep it on its own step.
    this.closed.push({
      ...this.base(line, "assistant", at),
      textContent: "",
      parts: [{ type: "step", content: { kind: "usage" } }],
      ...(this.currentModel() ? { model: this.currentModel() } : {}),
      provider: PROVIDER,
      ...toMessageTokens(usage),
    });
  }

  /**
   * What one `token_usage_record` bills: its `usage`, the usage of the single response it names
   * (Codex 0.171 writes one right after each response's items, before the tool outputs; its
   * `turn_token_usage` / `thread_token_usage` are running sums). A record naming another thread,
   * a response already billed, or a record copied from a fork's parent bills nothing.
   */
  private recordedUsage(p: Record<string, unknown>, replayed = false): CodexUsage | undefined {
    const s = this.state;
    s.usageRecords = true;
    if (!replayed && typeof p.thread_id === "string" && s.sessionId && p.thread_id !== s.sessionId) return undefined;
    const responseId = typeof p.response_id === "string" ? p.response_id : undefined;
    if (responseId) {
      const billed = s.billedResponses ?? [];
      if (billed.includes(responseId)) return undefined;
      s.billedResponses = [...billed, responseId].slice(-BILLED_RESPONSES_KEPT);
    }
    return replayed ? undefined : readUsage(p.usage);
  }

  /**
   * What one token_count event bills. Codex writes `info.last_token_usage` (the request just made)
   * and `info.total_token_usage` (the running sum), and re-emits the same info, e.g. when rate
   * limits change (openai/codex codex-rs/protocol/src/protocol.rs `TokenUsageInfo`, main 2026): an
   * event whose `[total, last]` repeats the previous one's bills nothing. Otherwise the request is
   * `last_token_usage`; without it, the growth of the total. Early events carried a bare usage.
   */
  private billedUsage(p: Record<string, unknown>): CodexUsage | undefined {
    if (isRecord(p.info)) {
      const total = readUsage(p.info.total_token_usage) ?? null;
      const last = readUsage(p.info.last_token_usage) ?? null;
      const previous = this.state.lastUsage;
      if (!total && !last) return undefined;
      this.state.lastUsage = [total, last];
      if (previous && sameUsage(previous[0], total) && sameUsage(previous[1], last)) return undefined;
      const before = this.state.usageTotal;
      if (total) this.state.usageTotal = total;
      if (last) return last;
      return usageDelta(before, total!);
    }
    return p.info === undefined ? readUsage(p) : undefined;
  }

  /**
   * A user / developer message. Injected context (whole items, or a block leading an item) is a
   * system message; what the user typed in the same message is the user message. A prompt that
   * repeats the previous one after that turn was aborted is the same prompt sent again, not a new turn.
   */
  private emitInputMessage(p: Record<string, unknown>, line: Line, at: number | undefined): void {
    const split = p.role === "user" ? splitUserContent(p.content) : { context: [contentText(p.content)], prompt: [], images: [] };
    const context = split.context.filter(Boolean).join("\n\n");
    const prompt = split.prompt.join("\n");
    if (context || !prompt) {
      if (split.context.some((c) => c.trimStart().toLowerCase().startsWith("<turn_aborted>"))) this.state.abortedSincePrompt = true;
      const id = prompt ? `${this.idAt(line)}:context` : this.idAt(line);
      this.closed.push({ ...this.base(line, "system", at), externalId: id, textContent: context, parts: context ? [{ type: "text", content: { text: context } }] : [] });
    }
    if (!prompt) return;
    const s = this.state;
    const resent = s.abortedSincePrompt && s.lastPrompt === prompt;
    s.lastPrompt = prompt;
    s.abortedSincePrompt = false;
    if (resent) return;
    if (!s.title) s.title = titleFrom(prompt);
    const parts: PartInput[] = [{ type: "text", content: { text: prompt } }, ...split.images];
    this.closed.push({ ...this.base(line, "user", at), textContent: prompt, parts });
  }

  private emitToolOutput(p: Record<string, unknown>, line: Line, at: number | undefined): void {
    const out = parseToolOutput(p.output);
    const callId = typeof p.call_id === "string" ? p.call_id : undefined;
    this.closed.push({
      ...this.base(line, "tool", at),
      textContent: out.text,
      parts: [{ type: "tool-result", content: { ...(callId ? { callId } : {}), output: out.text, isError: out.isError } }],
      ...(out.durationMs !== undefined ? { durationMs: out.durationMs } : {}),
    });
  }

  private emitCompaction(p: Record<string, unknown>, line: Line, at: number | undefined): void {
    const text = typeof p.message === "string" ? p.message : "";
    this.closed.push({
      ...this.base(line, "system", at),
      textContent: text,
      parts: [{ type: "step", content: { kind: "compaction" } }, ...(text ? [{ type: "text", content: { text } }] : [])],
    });
  }

  private closeTurn(): void {
    const turn = this.open;
    this.open = undefined;
    this.openedAt = undefined;
    if (turn && (turn.parts.length || turn.usage)) this.closed.push(this.toMessage(turn));
  }

  private toMessage(turn: OpenTurn): MessageInput {
    const message: MessageInput = {
      sessionExternalId: this.sessionId,
      externalId: turn.externalId,
      role: "assistant",
      textContent: turn.texts.join("\n\n"),
      parts: turn.parts,
      provider: PROVIDER,
    };
    if (turn.model) message.model = turn.model;
    if (turn.createdAt !== undefined) message.createdAt = turn.createdAt;
    if (turn.usage) Object.assign(message, toMessageTokens(turn.usage));
    return message;
  }

  /** Ids are the session id plus the line's byte offset: stable across re-reads of an append-only file. */
  private idAt(line: Line): string {
    return `${this.sessionId}:${line.start}`;
  }

  private base(line: Line, role: MessageInput["role"], at: number | undefined) {
    return {
      sessionExternalId: this.sessionId,
      externalId: this.idAt(line),
      role,
      ...(at !== undefined ? { createdAt: at } : {}),
    };
  }
}
