import { basename } from "node:path";
import type { MessageInput } from "@opensync/protocol";
import { fileIdentity, readCompleteLines, resumeOffset, type JsonlCheckpoint } from "../../jsonl.js";
import type { Chunk, CollectorContext, SourceUnit } from "../../types.js";
import { findForkReplay, forkedFrom } from "./fork.js";
import { RolloutParser, type CodexState } from "./rollout.js";
import { codexHomeOf, threadNameFor } from "./session-index.js";

/** Messages per chunk: keeps batches well under the protocol's limits and memory flat. */
export const MESSAGES_PER_CHUNK = 500;

/**
 * A file untouched this long will not get the token_count of a turn it left open (Codex was
 * interrupted or killed): the turn is completed as it is, so later syncs stop re-reading it.
 */
export const OPEN_TURN_IDLE_MS = 10 * 60_000;

const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** Session id when the file has no meta line: the uuid Codex puts at the end of the file name. */
export function sessionIdFromFileName(path: string): string {
  const name = basename(path);
  return UUID_AT_END.exec(name)?.[1] ?? name.replace(/\.jsonl$/, "");
}

export async function* readRollout(unit: SourceUnit, checkpoint: unknown, ctx: CollectorContext): AsyncGenerator<Chunk> {
  const identity = await fileIdentity(unit.path);
  if (!identity) return;
  const { offset, state } = resumeOffset(identity, checkpoint);
  const codexHome = codexHomeOf(unit.path);
  const parser = new RolloutParser(state as CodexState | undefined, offset, sessionIdFromFileName(unit.path));
  const renamed = codexHome ? parser.setIndexedName(await threadNameFor(codexHome, parser.sessionId)) : false;
  const chunkOf = (messages: MessageInput[], bytesRead: number): Chunk => {
    const resume = parser.resumePoint();
    const cp: JsonlCheckpoint<CodexState> = { dev: identity.dev, ino: identity.ino, offset: resume.offset, state: resume.state };
    return { sessions: [parser.session(ctx.machine)], messages, checkpoint: cp, bytesRead };
  };

  if (offset >= identity.size) {
    // Nothing new in the rollout, but the user renamed the thread: send the session alone.
    if (renamed && offset > 0) yield chunkOf([], 0);
    return;
  }
  await resolveForkReplay(parser, unit.path, offset, state as CodexState | undefined, codexHome);

  let pending: MessageInput[] = [];
  let consumed = offset;
  let chunkStart = offset;
  for await (const line of readCompleteLines(unit.path, offset)) {
    parser.consume(line);
    consumed = line.end;
    pending.push(...parser.takeClosed());
    if (pending.length >= MESSAGES_PER_CHUNK) {
      yield chunkOf(pending, consumed - chunkStart);
      pending = [];
      chunkStart = consumed;
    }
  }
  if (consumed === offset) return; // only a partial line so far

  if (Date.now() - identity.mtimeMs > OPEN_TURN_IDLE_MS) parser.finishOpenTurn();
  pending.push(...parser.takeClosed());
  const open = parser.openMessage();
  if (open) pending.push(open);
  yield chunkOf(pending, consumed - chunkStart);
}

/**
 * Finds the copy of the parent's history at the top of a forked rollout: on the first read, and
 * again while the copy reached the end of what was written (it may still be being written).
 */
async function resolveForkReplay(parser: RolloutParser, path: string, offset: number, state: CodexState | undefined, codexHome: string | undefined) {
  if (offset > 0 && !state?.replay?.open) return;
  const parent = state?.forkedFromId ?? (await forkedFrom(path));
  if (!parent) return;
  parser.setReplay(await findForkReplay(path, parent, codexHome));
}
