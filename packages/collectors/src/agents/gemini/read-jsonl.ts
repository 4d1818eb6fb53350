import type { MessageInput } from "@opensync/protocol";
import { fileIdentity, parseJsonLine, readCompleteLines, resumeOffset, type FileIdentity, type JsonlCheckpoint } from "../../jsonl.js";
import type { Chunk, CollectorContext, SourceUnit } from "../../types.js";
import { isRecord, isToolResponseEcho, toMessage, type Json } from "./message.js";
import { resolveProject, type ProjectInfo } from "./project.js";
import { fallbackSessionId, MESSAGES_PER_CHUNK } from "./read-json.js";
import { applyMessage, applyMetadata, isMessageRecord, toSession, withId, type SessionFacts } from "./session.js";

/** Carried between reads of a JSONL chat file. */
export interface GeminiJsonlState {
  facts: SessionFacts;
  /** Live message ids in order (`$rewindTo` drops a suffix of them). */
  ids: string[];
  /** Ids dropped by `$rewindTo`: still sent (their tokens were spent) but marked `metadata.rewound`. */
  rewound: string[];
  /** Ids of tool-response echoes ({@link isToolResponseEcho}): in `ids` for their position, never sent. */
  echoes?: string[];
}

const freshState = (rewound: string[] = []): GeminiJsonlState => ({ facts: {}, ids: [], rewound });

/**
 * Newer Gemini CLI appends to `session-*.jsonl`: a metadata line `{sessionId, projectHash,
 * startTime, lastUpdated, kind?}`, full message records (the same id again whenever the message
 * is updated: tokens, tool call results), `{$set: {...}}` metadata updates, and `{$rewindTo: id}`
 * which drops that message and every later one.
 *
 * A rewind that drops messages sent by an earlier read restarts the read from byte 0 knowing the
 * dropped ids, so every dropped message is re-sent whole with `metadata.rewound = true` (the
 * protocol has upserts only, no deletes).
 */
export async function* readJsonlSession(unit: SourceUnit, checkpoint: unknown, ctx: CollectorContext): AsyncGenerator<Chunk> {
  const identity = await fileIdentity(unit.path);
  if (!identity) return;
  const resume = resumeOffset(identity, checkpoint);
  if (resume.offset >= identity.size) return;
  const project = await resolveProject(unit.path);

  let offset = resume.offset;
  let state = (resume.state as GeminiJsonlState | undefined) ?? freshState();
  for (;;) {
    const restart = yield* readPass(unit.path, identity, offset, structuredClone(state), project, ctx);
    if (!restart) return;
    offset = 0;
    state = freshState(restart);
  }
}

/** One pass from `offset`; returns the full rewound-id list when it must start over from 0. */
async function* readPass(
  path: string,
  identity: FileIdentity,
  offset: number,
  state: GeminiJsonlState,
  project: ProjectInfo,
  ctx: CollectorContext,
): AsyncGenerator<Chunk, string[] | undefined> {
  const rewound = new Set(state.rewound);
  const sessionId = () => state.facts.sessionId ?? fallbackSessionId(path);
  let pending = new Map<string, { record: Json; message: MessageInput }>();
  let consumed = offset;
  let chunkStart = offset;

  const echoes = new Set(state.echoes);
  const emit = (record: Json) => {
    if (!state.ids.includes(record.id as string)) state.ids.push(record.id as string);
    applyMessage(state.facts, record);
    if (isToolResponseEcho(record)) {
      echoes.add(record.id as string);
      state.echoes = [...echoes];
      return;
    }
    pending.set(record.id as string, { record, message: toMessage(record, sessionId(), rewound.has(record.id as string)) });
  };
  /** Marks dropped ids; `false` when one of them was already sent and must be re-sent whole. */
  const drop = (ids: string[]): boolean => {
    let resendable = true;
    for (const id of ids) {
      if (rewound.has(id) || echoes.has(id)) continue;
      rewound.add(id);
      const queued = pending.get(id);
      if (queued) queued.message = toMessage(queued.record, sessionId(), true);
      else resendable = false;
    }
    state.rewound = [...rewound];
    return resendable;
  };
  const chunk = (): Chunk => {
    const cp: JsonlCheckpoint<GeminiJsonlState> = { dev: identity.dev, ino: identity.ino, offset: consumed, state: structuredClone(state) };
    const messages = [...pending.values()].map((p) => p.message);
    const out = { sessions: [toSession(state.facts, sessionId(), project, ctx.machine)], messages, checkpoint: cp, bytesRead: consumed - chunkStart };
    pending = new Map();
    chunkStart = consumed;
    return out;
  };

  for await (const line of readCompleteLines(path, offset)) {
    const record = parseJsonLine(line.text);
    consumed = line.end;
    if (!record) continue;

    if (typeof record.$rewindTo === "string") {
      const at = state.ids.indexOf(record.$rewindTo);
      if (!drop(state.ids.splice(at === -1 ? 0 : at))) return [...rewound];
    } else if (isRecord(record.$set)) {
      applyMetadata(state.facts, record.$set);
      // A full message list (history rewritten in place, e.g. masking): upsert each; nothing is dropped.
      if (Array.isArray(record.$set.messages)) {
        (record.$set.messages as unknown[]).forEach((m, i) => isMessageRecord(m) && emit(withId(m as Json, i)));
      }
    } else if (isMessageRecord(record)) {
      emit(withId(record, line.start));
    } else if (typeof record.sessionId === "string") {
      applyMetadata(state.facts, record);
    }
    if (pending.size >= MESSAGES_PER_CHUNK) yield chunk();
  }
  if (consumed > chunkStart || pending.size) yield chunk();
  return undefined;
}
