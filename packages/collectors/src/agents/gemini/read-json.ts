import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { MessageInput } from "@opensync/protocol";
import type { Chunk, CollectorContext, SourceUnit } from "../../types.js";
import { isRecord, isToolResponseEcho, toMessage, type Json } from "./message.js";
import { resolveProject } from "./project.js";
import { applyMessage, applyMetadata, isMessageRecord, toSession, withId, type SessionFacts } from "./session.js";

export const MESSAGES_PER_CHUNK = 500;

/** Checkpoint of a whole-file unit: it is read again when either changes. */
export interface WholeFileCheckpoint {
  size: number;
  mtimeMs: number;
}

export const fallbackSessionId = (path: string) => basename(path).replace(/\.jsonl?$/, "");

/**
 * Older Gemini CLI rewrote one pretty-printed JSON file per session
 * (`{sessionId, projectHash, startTime, lastUpdated, messages[]}`). These files are small, so they
 * are re-read whole whenever their size or mtime changed.
 */
export async function* readJsonSession(unit: SourceUnit, checkpoint: unknown, ctx: CollectorContext): AsyncGenerator<Chunk> {
  let before;
  try {
    before = await stat(unit.path); // stat first: a write racing the read just triggers one more read
  } catch {
    return;
  }
  const seen = checkpoint as Partial<WholeFileCheckpoint> | undefined;
  if (seen && seen.size === before.size && seen.mtimeMs === before.mtimeMs) return;

  let record: unknown;
  try {
    record = JSON.parse(await readFile(unit.path, "utf8"));
  } catch {
    return; // being rewritten: try again next time
  }
  if (!isRecord(record)) return;

  const facts: SessionFacts = {};
  applyMetadata(facts, record);
  const list: unknown[] = Array.isArray(record.messages) ? record.messages : [];
  const records = list.flatMap((m, i) => (isMessageRecord(m) ? [withId(m as Json, i)] : []));
  for (const m of records) applyMessage(facts, m);
  const sessionId = facts.sessionId ?? fallbackSessionId(unit.path);
  const session = toSession(facts, sessionId, await resolveProject(unit.path), ctx.machine);
  const messages: MessageInput[] = records.filter((m) => !isToolResponseEcho(m)).map((m) => toMessage(m, sessionId, false));

  const done: WholeFileCheckpoint = { size: before.size, mtimeMs: before.mtimeMs };
  for (let i = 0; i < messages.length || i === 0; i += MESSAGES_PER_CHUNK) {
    const last = i + MESSAGES_PER_CHUNK >= messages.length;
    yield {
      sessions: [session],
      messages: messages.slice(i, i + MESSAGES_PER_CHUNK),
      checkpoint: last ? done : checkpoint,
      bytesRead: last ? before.size : 0,
    };
  }
}
