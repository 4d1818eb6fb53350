import type { Chunk, CollectorContext, SourceUnit } from "../../types.js";
import { fileIdentity, parseJsonLine, readCompleteLines, resumeOffset, type JsonlCheckpoint } from "../../jsonl.js";
import { TranscriptAssembler, type AssemblerFacts } from "./assembler.js";
import { transcriptFileOf } from "./discover.js";
import { toTranscriptLine } from "./transcript-line.js";
import { withoutUnreadMembers } from "./unread-members.js";

/** Carried in the checkpoint next to the byte offset. */
export interface ClaudeReadState {
  v: 1;
  /**
   * Set on the last chunk of a read: every complete line before this offset has been sent, so
   * there is nothing to do while the file keeps this size.
   */
  sentThrough?: number;
  facts: AssemblerFacts;
}

export type ClaudeCheckpoint = JsonlCheckpoint<ClaudeReadState>;

export interface ReadLimits {
  /** At most this many messages a chunk. */
  maxMessages: number;
  /** Flush a chunk early once its messages hold about this much text. */
  maxTextChars: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxMessages: 500, maxTextChars: 8_000_000 };

/**
 * How long a transcript must have been left alone (by its mtime) before a last line without a
 * newline counts as written. Claude Code appends every line together with its newline, so such a
 * line is either being appended at this moment or the last write of a process that stopped (a
 * crash, a copy, another tool). Half a minute is far beyond any single append, and short enough
 * that the line arrives with the next sync. The line must also parse: a torn line is never read.
 */
export const IDLE_TAIL_MS = 30_000;

function isReadState(v: unknown): v is ClaudeReadState {
  const s = v as ClaudeReadState | undefined;
  return !!s && s.v === 1 && !!s.facts && typeof s.facts.sessions === "object";
}

/**
 * Reads one transcript from its checkpoint. The checkpoint offset is the start of the earliest
 * assistant message still open (its streamed lines may continue), else the end of the last
 * complete line; re-reading from there re-sends that message whole, which is an idempotent upsert.
 */
export async function* readClaudeTranscript(
  unit: SourceUnit,
  checkpoint: unknown,
  ctx: Pick<CollectorContext, "machine">,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): AsyncGenerator<Chunk> {
  const identity = await fileIdentity(unit.path);
  if (!identity) return;
  let { offset, state } = resumeOffset(identity, checkpoint);
  if (!isReadState(state)) {
    offset = 0;
    state = undefined;
  }
  const carried = state as ClaudeReadState | undefined;
  if (carried && identity.size === carried.sentThrough) return;

  const assembler = new TranscriptAssembler(transcriptFileOf(unit.path), carried?.facts);
  let scannedTo = offset;
  let reported = offset;

  const chunk = (messages: Chunk["messages"], last = false): Chunk => {
    const resumeAt = Math.min(assembler.pendingStart() ?? scannedTo, scannedTo);
    const cp: ClaudeCheckpoint = {
      dev: identity.dev,
      ino: identity.ino,
      offset: resumeAt,
      state: { v: 1, facts: assembler.factsSnapshot(resumeAt), ...(last ? { sentThrough: scannedTo } : {}) },
    };
    const bytesRead = scannedTo - reported;
    reported = scannedTo;
    return { sessions: assembler.sessionInputs(ctx.machine), messages, checkpoint: cp, bytesRead };
  };

  const idle = Date.now() - identity.mtimeMs >= IDLE_TAIL_MS;
  let writerGone = false;
  // The tool outputs of the line being read, as the transcript's JSON literals: the uploader sends
  // those that reach it unchanged as they are (json-literal.ts).
  let toolResultJson: Map<number, Buffer> | undefined;
  const beforeDecode = (bytes: Buffer) => {
    toolResultJson = undefined;
    return withoutUnreadMembers(bytes, (literals) => (toolResultJson = literals));
  };
  for await (const line of readCompleteLines(unit.path, offset, undefined, { includeUnterminatedTail: idle, beforeDecode })) {
    const raw = parseJsonLine(line.text);
    // Past it, the checkpoint is the file's end: when the newline arrives later, it reads as a
    // blank line, and nothing is read twice.
    if (line.unterminated && !raw) break;
    // Claude Code ends every line it writes with a newline: a whole line without one was the last
    // write of a writer that is gone, so no more lines of the open response can follow.
    writerGone = line.unterminated === true;
    scannedTo = line.end;
    const parsed = raw && toTranscriptLine(raw);
    if (parsed && toolResultJson) parsed.toolResultJson = toolResultJson;
    if (parsed) assembler.accept(parsed, line.start);
    while (assembler.readyCount >= limits.maxMessages || (assembler.readyCount > 0 && assembler.readyChars >= limits.maxTextChars)) {
      yield chunk(assembler.takeReady(limits.maxMessages));
    }
  }
  if (scannedTo === offset) return; // nothing new, or only a partial line so far
  if (writerGone) assembler.closeAll();
  assembler.releaseOpen();
  do {
    const messages = assembler.takeReady(limits.maxMessages);
    yield chunk(messages, assembler.readyCount === 0);
  } while (assembler.readyCount > 0);
}
