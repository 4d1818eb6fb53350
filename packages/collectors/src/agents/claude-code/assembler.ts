import { existsSync } from "node:fs";
import { join } from "node:path";
import type { MessageInput, PartInput, SessionInput } from "@opensync/protocol";
import { CLAUDE_PROVIDER, CLAUDE_SOURCE, SYNTHETIC_MODEL } from "./constants.js";
import { readableText, userContent } from "./content.js";
import { ResponseContent } from "./content-merge.js";
import { persistedOutputReader } from "./persisted-output.js";
import { queuedPromptOf } from "./queued-prompt.js";
import { noteTimestamp, setTitleCandidate, toSessionInput, type SessionFacts } from "./session-facts.js";
import { promptTitle, slashCommandTitle } from "./titles.js";
import type { TranscriptLine } from "./transcript-line.js";
import { isZeroUsage, usageOfLine, type TokenCounts } from "./usage.js";

export interface TranscriptFile {
  /** The transcript itself. */
  path: string;
  /** `<config>/projects/<encoded cwd>`: sessions' own transcripts and `<sessionId>/` folders. */
  projectDir: string;
  /** The session the file is named after (`<sessionId>.jsonl`, `<sessionId>/subagents/...`). */
  defaultSessionId: string;
  /** Subagent transcripts (`<session>/subagents/agent-<id>.jsonl`): every line is a sidechain. */
  subagentId?: string;
}

/** One assistant response being assembled from its lines (one block a line, or growing snapshots). */
interface OpenGroup {
  key: string;
  chain: string;
  /** Byte offset of the group's first line: reading resumes here while the group is open. */
  start: number;
  sessionId: string;
  createdAt?: number;
  isSidechain: boolean;
  agentId?: string;
  model?: string;
  synthetic: boolean;
  apiError: boolean;
  content: ResponseContent;
  /** The usage of the response's last line that had one: the billed usage. */
  tokens?: TokenCounts;
}

export interface AssemblerFacts {
  sessions: Record<string, SessionFacts>;
  /** Facts of bookkeeping lines without a `sessionId` (summary, file-history-snapshot): the file's session's. */
  file: SessionFacts;
  /** The last responses closed and sent by earlier reads (`chain NUL message.id`), newest last. */
  closed?: string[];
}

interface ReadyMessage { start: number; message: MessageInput; group?: OpenGroup }

/** Closed responses kept to fold a response Claude Code writes again later in the file into itself. */
const RECENTLY_CLOSED = 32;

/**
 * Turns transcript lines, in file order, into message and session upserts. User, tool and system
 * messages are ready at once; an assistant message stays open until the next assistant response
 * (or a new prompt) of the same conversation chain shows that no more of its lines can follow.
 */
export class TranscriptAssembler {
  private readonly facts: Map<string, SessionFacts>;
  private readonly fileFacts: SessionFacts;
  private readonly open = new Map<string, OpenGroup>();
  private readonly recentlyClosed = new Map<string, OpenGroup>();
  /** Responses closed by earlier reads: their lines are not in memory, and they were sent whole. */
  private readonly closedBefore: Set<string>;
  private readonly ownTranscript = new Map<string, boolean>();
  private readonly readers = new Map<string, ReturnType<typeof persistedOutputReader>>();
  private ready: ReadyMessage[] = [];
  private readyTextChars = 0;

  constructor(private readonly file: TranscriptFile, carried?: AssemblerFacts) {
    this.facts = new Map(Object.entries(carried?.sessions ?? {}).map(([id, f]) => [id, { ...f }]));
    this.fileFacts = { ...carried?.file };
    this.closedBefore = new Set(carried?.closed ?? []);
  }

  get readyCount(): number { return this.ready.length; }
  /** Rough size of the ready messages, to bound a chunk's memory. */
  get readyChars(): number { return this.readyTextChars; }

  accept(line: TranscriptLine, start: number): void {
    const sidechain = line.isSidechain || this.file.subagentId !== undefined;
    const queued = line.type === "attachment" ? queuedPromptOf(line.raw) : undefined;
    if (line.type !== "user" && line.type !== "assistant" && line.type !== "system" && queued === undefined) {
      this.acceptBookkeeping(line);
      return;
    }
    const sessionId = line.sessionId ?? this.file.defaultSessionId;
    const facts = this.factsOf(sessionId);
    noteTimestamp(facts, line.timestamp);
    if (line.cwd && !facts.cwd) facts.cwd = line.cwd;
    if (line.gitBranch) facts.gitBranch = line.gitBranch;
    if (!sidechain) facts.hasMainChain = true;
    if (queued !== undefined) this.acceptUser(line, queued, start, sessionId, facts, sidechain, true);
    else if (line.type === "user") this.acceptUser(line, line.message?.content, start, sessionId, facts, sidechain, false);
    else if (line.type === "assistant") this.acceptAssistant(line, start, sessionId, facts, sidechain);
    else this.acceptSystem(line, start, sessionId, sidechain);
  }

  /** Up to `limit` of the messages complete so far, in file order; each is handed over once. */
  takeReady(limit = Infinity): MessageInput[] {
    this.ready.sort((a, b) => a.start - b.start);
    const taken = this.ready.splice(0, limit).map((r) => r.message);
    this.recountReady();
    return taken;
  }

  /** No more lines can follow (the writer is gone): every open message is complete. */
  closeAll(): void {
    for (const chain of [...this.open.keys()]) this.closeChain(chain);
  }

  /**
   * End of a read: the still-open messages join the ready ones as they stand. They stay open, so
   * `pendingStart()` keeps the checkpoint before them and the next read sends them again.
   */
  releaseOpen(): void {
    for (const g of this.open.values()) this.push(g.start, this.groupMessage(g), g);
  }

  /**
   * Where a read must resume so that nothing not yet handed over is lost and no open message is
   * split: the first line of the earliest open or still-waiting message, if any.
   */
  pendingStart(): number | undefined {
    let min: number | undefined;
    for (const g of this.open.values()) if (min === undefined || g.start < min) min = g.start;
    for (const r of this.ready) if (min === undefined || r.start < min) min = r.start;
    return min;
  }

  /**
   * The upserts of every session with messages in this file (so far, checkpoints included). Sent in
   * every chunk, so a session always arrives with or before its messages. Bookkeeping lines alone
   * (a summary-only file, a snapshot naming another session) make no session.
   */
  sessionInputs(machine: string): SessionInput[] {
    const sessions = new Map(this.facts);
    const target = this.fileSessionId();
    if (target !== undefined) sessions.set(target, mergeFileFacts(sessions.get(target) ?? {}, this.fileFacts));
    return [...sessions.entries()]
      .filter(([, f]) => f.hasConversation)
      .map(([id, f]) => toSessionInput(id, f, machine, !f.hasMainChain && this.hasOwnTranscript(id)));
  }

  /** What the checkpoint carries, for a read that resumes at `resumeAt`. */
  factsSnapshot(resumeAt: number): AssemblerFacts {
    // Only responses wholly before the resume point were sent for good; the others are read again.
    const sent = [...this.recentlyClosed.entries()].filter(([, g]) => g.start < resumeAt).map(([k]) => k);
    return {
      sessions: Object.fromEntries([...this.facts.entries()].map(([id, f]) => [id, { ...f }])),
      file: { ...this.fileFacts },
      closed: [...new Set([...this.closedBefore, ...sent])].slice(-RECENTLY_CLOSED),
    };
  }

  /** The session a file is named after, else (a renamed copy) the first conversation in it. */
  private fileSessionId(): string | undefined {
    if (this.facts.get(this.file.defaultSessionId)?.hasConversation) return this.file.defaultSessionId;
    let any: string | undefined;
    for (const [id, f] of this.facts) {
      if (!f.hasConversation) continue;
      if (f.hasMainChain) return id;
      any ??= id;
    }
    return any;
  }

  /** Another file is the session's own transcript (`<projectDir>/<sessionId>.jsonl`): it names the session. */
  private hasOwnTranscript(sessionId: string): boolean {
    let known = this.ownTranscript.get(sessionId);
    if (known === undefined) {
      const path = join(this.file.projectDir, `${sessionId}.jsonl`);
      known = path !== this.file.path && existsSync(path);
      this.ownTranscript.set(sessionId, known);
    }
    return known;
  }

  private factsOf(sessionId: string): SessionFacts {
    let f = this.facts.get(sessionId);
    if (!f) this.facts.set(sessionId, (f = {}));
    return f;
  }

  /**
   * Lines that are not conversation (summary, titles, snapshots, queue operations, api-request,
   * progress, whatever future versions add). Their facts go to the session they name, or without
   * one to the file's session; they never make a session of their own. They arrive without their
   * members over 512 bytes (`withoutUnreadMembers` in unread-members.ts cuts them before decoding):
   * a fact read here from a large member needs a rule there.
   */
  private acceptBookkeeping(line: TranscriptLine): void {
    const facts = line.sessionId ? this.factsOf(line.sessionId) : this.fileFacts;
    noteTimestamp(facts, line.timestamp);
    if (line.type === "summary") setTitleCandidate(facts, "summary", line.raw.summary);
    else if (line.type === "custom-title") setTitleCandidate(facts, "customTitle", line.raw.customTitle);
    else if (line.type === "ai-title") setTitleCandidate(facts, "aiTitle", line.raw.aiTitle);
  }

  private chainOf(line: TranscriptLine, sidechain: boolean): string {
    if (!sidechain) return "main";
    return `agent:${line.agentId ?? this.file.subagentId ?? "sidechain"}`;
  }

  private sidechainMetadata(line: TranscriptLine, sidechain: boolean): Record<string, unknown> {
    if (!sidechain) return {};
    const agentId = line.agentId ?? this.file.subagentId;
    return agentId ? { isSidechain: true, agentId } : { isSidechain: true };
  }

  private push(start: number, message: MessageInput, group?: OpenGroup): void {
    this.ready.push({ start, message, group });
    this.readyTextChars += message.textContent?.length ?? 0;
    const facts = this.facts.get(String(message.sessionExternalId));
    if (facts) facts.hasConversation = true;
  }

  private recountReady(): void {
    this.readyTextChars = this.ready.reduce((n, r) => n + (r.message.textContent?.length ?? 0), 0);
  }

  private closeChain(chain: string): void {
    const g = this.open.get(chain);
    if (!g) return;
    this.open.delete(chain);
    this.push(g.start, this.groupMessage(g), g);
    const recentKey = `${g.chain}\u0000${g.key}`;
    this.recentlyClosed.delete(recentKey);
    this.recentlyClosed.set(recentKey, g);
    if (this.recentlyClosed.size > RECENTLY_CLOSED) this.recentlyClosed.delete(this.recentlyClosed.keys().next().value as string);
  }

  private readerFor(sessionId: string) {
    let reader = this.readers.get(sessionId);
    if (!reader) this.readers.set(sessionId, (reader = persistedOutputReader(join(this.file.projectDir, sessionId))));
    return reader;
  }

  private acceptUser(
    line: TranscriptLine, content: unknown, start: number, sessionId: string, facts: SessionFacts, sidechain: boolean, queued: boolean,
  ): void {
    const literals = content === line.message?.content ? line.toolResultJson : undefined;
    const { parts, hasToolResults } = userContent(content, this.readerFor(sessionId), literals);
    if (parts.length === 0) return;
    // A new prompt means the previous response is over; tool results may still interleave with it.
    // A queued prompt is recorded between two requests of the same turn: it closes nothing.
    if (!hasToolResults && !queued) this.closeChain(this.chainOf(line, sidechain));
    if (!hasToolResults) notePrompt(facts, line, parts, sidechain);
    const metadata: Record<string, unknown> = this.sidechainMetadata(line, sidechain);
    if (line.isMeta) metadata.isMeta = true;
    if (line.isCompactSummary) metadata.isCompactSummary = true;
    if (queued) metadata.queued = true;
    this.push(start, {
      sessionExternalId: sessionId,
      externalId: line.uuid ?? `${sessionId}@${start}`,
      role: hasToolResults ? "tool" : "user",
      textContent: readableText(parts),
      parts,
      source: CLAUDE_SOURCE,
      ...(line.timestamp !== undefined ? { createdAt: line.timestamp } : {}),
      ...(Object.keys(metadata).length ? { metadata } : {}),
    });
  }

  private acceptAssistant(line: TranscriptLine, start: number, sessionId: string, facts: SessionFacts, sidechain: boolean): void {
    const chain = this.chainOf(line, sidechain);
    const key = line.message?.id ?? line.uuid ?? `${sessionId}@${start}`;
    let group = this.open.get(chain);
    if (group && group.key !== key) {
      this.closeChain(chain);
      group = undefined;
    }
    if (!group && !sidechain) {
      // The main conversation only answers once every subagent it started has reported back.
      for (const other of [...this.open.keys()]) if (other !== chain) this.closeChain(other);
    }
    if (!group) group = this.reopen(chain, key);
    // Written again after an earlier read sent it whole: the repeat adds nothing, and sending only
    // the repeated lines would replace the whole message with part of it.
    if (!group && this.closedBefore.has(`${chain}\u0000${key}`)) return;
    if (!group) {
      group = {
        key, chain, start, sessionId,
        createdAt: line.timestamp,
        isSidechain: sidechain,
        agentId: line.agentId ?? this.file.subagentId,
        synthetic: false,
        apiError: false,
        content: new ResponseContent(),
      };
      this.open.set(chain, group);
    }
    if (!sidechain) facts.firstPromptIsCommand = false; // the command was answered: a prompt command
    group.content.addLine(line.message?.content);
    if (line.isApiErrorMessage) group.apiError = true;
    const model = line.message?.model;
    if (model === SYNTHETIC_MODEL) group.synthetic = true;
    else if (model) {
      group.model = model;
      if (!sidechain) facts.model = model;
      else facts.sidechainModel ??= model;
    }
    // The last line's usage is the billed one (output_tokens grows while the response streams).
    const usage = usageOfLine(line.raw);
    if (usage) group.tokens = usage;
  }

  /** The same response written again further on (Claude Code re-emits lines after a resume): one message. */
  private reopen(chain: string, key: string): OpenGroup | undefined {
    const recentKey = `${chain}\u0000${key}`;
    const group = this.recentlyClosed.get(recentKey);
    if (!group) return undefined;
    this.recentlyClosed.delete(recentKey);
    this.ready = this.ready.filter((r) => r.group !== group);
    this.recountReady();
    this.open.set(chain, group);
    return group;
  }

  private acceptSystem(line: TranscriptLine, start: number, sessionId: string, sidechain: boolean): void {
    const content = line.raw.content;
    if (typeof content !== "string" || !content.trim()) return;
    const metadata: Record<string, unknown> = this.sidechainMetadata(line, sidechain);
    if (typeof line.raw.subtype === "string") metadata.subtype = line.raw.subtype;
    this.push(start, {
      sessionExternalId: sessionId,
      externalId: line.uuid ?? `${sessionId}@${start}`,
      role: "system",
      textContent: content,
      parts: [{ type: "text", content: { text: content } }],
      source: CLAUDE_SOURCE,
      ...(line.timestamp !== undefined ? { createdAt: line.timestamp } : {}),
      metadata,
    });
  }

  private groupMessage(g: OpenGroup): MessageInput {
    const metadata: Record<string, unknown> = g.isSidechain ? (g.agentId ? { isSidechain: true, agentId: g.agentId } : { isSidechain: true }) : {};
    if (g.synthetic) metadata.synthetic = true;
    if (g.apiError) metadata.isApiErrorMessage = true;
    const parts = g.content.parts();
    const message: MessageInput = {
      sessionExternalId: g.sessionId,
      externalId: g.key,
      role: "assistant",
      textContent: readableText(parts),
      parts,
      provider: CLAUDE_PROVIDER,
      source: CLAUDE_SOURCE,
    };
    if (g.model) message.model = g.model;
    if (g.createdAt !== undefined) message.createdAt = g.createdAt;
    if (g.tokens && !(g.synthetic && isZeroUsage(g.tokens))) {
      message.promptTokens = g.tokens.promptTokens;
      message.completionTokens = g.tokens.completionTokens;
      message.cacheReadTokens = g.tokens.cacheReadTokens;
      message.cacheWriteTokens = g.tokens.cacheWriteTokens;
    }
    if (Object.keys(metadata).length) message.metadata = metadata;
    return message;
  }
}

const LOCAL_COMMAND_OUTPUT = /^\s*<local-command-(?:stdout|stderr)>/;

/**
 * What a user line (typed, queued, or a slash command) says about the session's name. The first
 * of them names it: a typed prompt by its text, a slash command by itself and its arguments
 * (`/review src/auth`). A local command (`/model`, answered by `<local-command-stdout>` rather than
 * by the model) takes its name back, so the next prompt names the session.
 */
function notePrompt(facts: SessionFacts, line: TranscriptLine, parts: PartInput[], sidechain: boolean): void {
  if (line.isCompactSummary) return;
  const texts = parts.flatMap((p) => (p.type === "text" ? [String((p.content as { text?: unknown }).text ?? "")] : []));
  if (sidechain) {
    if (!facts.sidechainPrompt && !line.isMeta) facts.sidechainPrompt = promptTitle(texts);
    return;
  }
  if (line.isMeta) {
    facts.firstPromptIsCommand = false; // a prompt command's expansion: the command stands
    return;
  }
  if (facts.firstPromptIsCommand && texts.some((t) => LOCAL_COMMAND_OUTPUT.test(t))) {
    delete facts.firstPrompt;
    delete facts.firstPromptIsCommand;
    return;
  }
  if (facts.firstPrompt) return;
  const joined = texts.join("\n");
  if (joined.includes("<command-name>")) {
    const command = slashCommandTitle(joined);
    if (command) {
      facts.firstPrompt = command;
      facts.firstPromptIsCommand = true;
    }
    return;
  }
  const title = promptTitle(texts);
  if (title) facts.firstPrompt = title;
}

/** Sessionless bookkeeping lines carry titles and times; titles rank below the session's own. */
function mergeFileFacts(session: SessionFacts, file: SessionFacts): SessionFacts {
  const merged = { ...session };
  for (const key of ["summary", "aiTitle", "customTitle"] as const) if (file[key] && !merged[key]) merged[key] = file[key];
  noteTimestamp(merged, file.firstAt);
  noteTimestamp(merged, file.lastAt);
  return merged;
}
