import { stat } from "node:fs/promises";
import type { MessageInput, SessionInput } from "@opensync/protocol";
import type { Chunk, CollectorContext } from "../../types.js";
import { advance, alreadyDelivered, resumeState, type FileId } from "./db-checkpoint.js";
import { firstUserPrompt, isPlaceholderTitle, mapMessage, mapSession, type ModelRef, type SessionHints } from "./map.js";
import { columnsOf, openReadOnly, parseJson, withBusyRetry, type Db } from "./sqlite.js";
import type { OcMessage, OcPart, OcSession } from "./types.js";

/** Messages per chunk: OpenCode truncates tool output, so 100 messages stay within a few MB. */
export const MESSAGES_PER_CHUNK = 100;

/** User messages looked at for a title: the first with text wins (a turn may hold only a file). */
const FIRST_PROMPT_CANDIDATES = 5;

/** Something that changed since the checkpoint: a session row, or a message (its row or any of its parts). */
interface Change {
  kind: "session" | "message";
  id: string;
  sessionId: string;
  changedAt: number;
  key: string;
}

/**
 * Reads `opencode.db` (OpenCode >= 1.2) from `checkpoint`: every session whose row changed and
 * every message whose row or any part changed, each message with all of its parts (OpenCode
 * rewrites parts as a turn streams, and the server replaces a message's parts on every upsert).
 */
export async function* readOpencodeDb(
  path: string,
  checkpoint: unknown,
  ctx: CollectorContext,
  messagesPerChunk = MESSAGES_PER_CHUNK,
): AsyncGenerator<Chunk> {
  const file = await fileId(path);
  if (!file) return;
  const db = await openReadOnly(path);
  try {
    // A database OpenCode has just created may not have its tables yet (migrations run after open).
    if (!(await withBusyRetry(() => hasOpencodeTables(db)))) return;
    const state = resumeState(checkpoint, file);
    const plan = (await withBusyRetry(() => planChanges(db, state.lower)))
      .filter((c) => !alreadyDelivered(state, c.key, c.changedAt));
    const loader = new ChunkLoader(db, ctx.machine);
    for (let i = 0; i < plan.length; ) {
      const slice: Change[] = [];
      let messages = 0;
      while (i < plan.length && messages < messagesPerChunk) {
        const change = plan[i++];
        slice.push(change);
        if (change.kind === "message") messages++;
      }
      const loaded = await withBusyRetry(() => loader.load(slice));
      yield { ...loaded, checkpoint: advance(state, slice, file) };
    }
  } finally {
    db.close();
  }
}

async function fileId(path: string): Promise<FileId | null> {
  try {
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

function hasOpencodeTables(db: Db): boolean {
  const row = db
    .prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('session', 'message', 'part')`)
    .get() as { n: number };
  return row.n === 3;
}

/** Changes at or after `lower`, oldest first; sessions before messages at the same instant. */
export function planChanges(db: Db, lower: number): Change[] {
  const sessions = db
    .prepare(`SELECT id, time_updated AS changedAt FROM session WHERE time_updated >= ?`)
    .all(lower) as { id: string; changedAt: number }[];
  const messages = db
    .prepare(
      `SELECT m.id, m.session_id AS sessionId,
              max(m.time_updated, coalesce((SELECT max(p.time_updated) FROM part p WHERE p.message_id = m.id), 0)) AS changedAt
         FROM message m
        WHERE m.time_updated >= @lower
           OR m.id IN (SELECT message_id FROM part WHERE time_updated >= @lower)`,
    )
    .all({ lower }) as { id: string; sessionId: string; changedAt: number }[];
  const changes: Change[] = [
    ...sessions.map((s) => ({ kind: "session" as const, id: s.id, sessionId: s.id, changedAt: s.changedAt, key: `s:${s.id}` })),
    ...messages.map((m) => ({ kind: "message" as const, id: m.id, sessionId: m.sessionId, changedAt: m.changedAt, key: `m:${m.id}` })),
  ];
  return changes.sort((a, b) =>
    a.changedAt - b.changedAt || (a.kind === b.kind ? 0 : a.kind === "session" ? -1 : 1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

interface SessionRow {
  id: string;
  project_id?: string;
  parent_id?: string | null;
  slug?: string;
  directory?: string | null;
  title?: string;
  version?: string;
  agent?: string | null;
  model?: string | null;
  data?: string | null;
  time_created?: number;
  time_updated?: number;
  time_archived?: number | null;
  worktree?: string | null;
  branch?: string | null;
}

interface RowWithData { id: string; data: string }

/** Loads the rows of a slice of changes and maps them; each session goes out once per read. */
class ChunkLoader {
  private readonly emittedSessions = new Set<string>();
  private readonly sessionSql: string;

  constructor(private readonly db: Db, private readonly machine: string) {
    this.sessionSql = sessionQuery(db);
  }

  load(slice: Change[]): Omit<Chunk, "checkpoint"> {
    let bytesRead = 0;
    const messageIds = slice.filter((c) => c.kind === "message").map((c) => c.id);
    const messageRows = this.db
      .prepare(`SELECT id, session_id, time_created, data FROM message WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(messageIds)) as (RowWithData & { session_id: string; time_created: number })[];
    const partRows = this.db
      .prepare(`SELECT id, message_id, data FROM part WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, id`)
      .all(JSON.stringify(messageIds)) as (RowWithData & { message_id: string })[];

    const partsByMessage = new Map<string, OcPart[]>();
    for (const row of partRows) {
      bytesRead += row.data.length;
      const part = parseJson<OcPart>(row.data);
      if (!part || typeof part !== "object") continue;
      const list = partsByMessage.get(row.message_id) ?? [];
      list.push({ ...part, id: row.id });
      partsByMessage.set(row.message_id, list);
    }
    const rowsById = new Map(messageRows.map((r) => [r.id, r]));
    const messages: MessageInput[] = [];
    for (const id of messageIds) {
      const row = rowsById.get(id);
      if (!row) continue; // deleted since it was planned
      bytesRead += row.data.length;
      const data = parseJson<OcMessage>(row.data);
      if (!data || typeof data !== "object") continue;
      const message: OcMessage = { ...data, id: row.id, sessionID: row.session_id };
      if (!message.time?.created) message.time = { ...message.time, created: row.time_created };
      messages.push(mapMessage({ message, parts: partsByMessage.get(id) ?? [] }));
    }

    // Changed sessions, plus the session of every message, so a message never arrives before its session.
    const wanted = new Set<string>();
    for (const change of slice) if (!this.emittedSessions.has(change.sessionId)) wanted.add(change.sessionId);
    const sessions = this.loadSessions([...wanted]);
    for (const id of wanted) this.emittedSessions.add(id);
    return { sessions, messages, bytesRead };
  }

  private loadSessions(ids: string[]): SessionInput[] {
    if (!ids.length) return [];
    const rows = this.db.prepare(this.sessionSql).all(JSON.stringify(ids)) as SessionRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out: SessionInput[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (!row) continue;
      const session = sessionFromRow(row);
      const hints: SessionHints = session.model?.id ? {} : this.latestAssistantModel(id);
      if (isPlaceholderTitle(session.title)) hints.firstPrompt = this.firstPrompt(id);
      out.push(mapSession(session, this.machine, hints));
    }
    return out;
  }

  /** The text of the session's first user message that has any (only asked for sessions without a real title). */
  private firstPrompt(sessionId: string): string | undefined {
    const users = this.db
      .prepare(
        `SELECT id, data FROM message WHERE session_id = ? AND json_extract(data, '$.role') = 'user'
          ORDER BY time_created, id LIMIT ${FIRST_PROMPT_CANDIDATES}`,
      )
      .all(sessionId) as RowWithData[];
    for (const row of users) {
      const message = parseJson<OcMessage>(row.data);
      if (!message || typeof message !== "object") continue;
      const parts = (this.db.prepare(`SELECT id, data FROM part WHERE message_id = ? ORDER BY id`).all(row.id) as RowWithData[])
        .map((p) => ({ ...parseJson<OcPart>(p.data), id: p.id }) as OcPart);
      const prompt = firstUserPrompt([{ message: { ...message, id: row.id, sessionID: sessionId }, parts }]);
      if (prompt) return prompt;
    }
    return undefined;
  }

  private latestAssistantModel(sessionId: string): ModelRef {
    const row = this.db
      .prepare(
        `SELECT json_extract(data, '$.modelID') AS model, json_extract(data, '$.providerID') AS provider
           FROM message WHERE session_id = ? AND json_extract(data, '$.role') = 'assistant'
          ORDER BY time_created DESC, id DESC LIMIT 1`,
      )
      .get(sessionId) as { model: string | null; provider: string | null } | undefined;
    return { model: row?.model ?? undefined, provider: row?.provider ?? undefined };
  }
}

/**
 * The session query for this database's schema: OpenCode has added columns over time (`model`,
 * `agent`, `workspace_id`...), so optional ones are selected only when present.
 */
function sessionQuery(db: Db): string {
  const project = columnsOf(db, "project");
  const workspace = columnsOf(db, "workspace");
  const session = columnsOf(db, "session");
  const joinProject = project.has("worktree");
  const joinWorkspace = workspace.has("branch") && session.has("workspace_id");
  return `SELECT s.*${joinProject ? ", p.worktree AS worktree" : ""}${joinWorkspace ? ", w.branch AS branch" : ""}
            FROM session s
            ${joinProject ? "LEFT JOIN project p ON p.id = s.project_id" : ""}
            ${joinWorkspace ? "LEFT JOIN workspace w ON w.id = s.workspace_id" : ""}
           WHERE s.id IN (SELECT value FROM json_each(?))`;
}

function sessionFromRow(row: SessionRow): OcSession {
  // A schema keeping the whole session as JSON in `data` (as message and part do) is read too.
  const data = parseJson<Partial<OcSession>>(row.data) ?? {};
  const model = parseJson<{ id?: string; providerID?: string; modelID?: string }>(row.model ?? undefined);
  return {
    ...data,
    id: row.id,
    projectID: row.project_id ?? data.projectID,
    parentID: row.parent_id ?? data.parentID,
    slug: row.slug ?? data.slug,
    directory: row.directory || data.directory || row.worktree || undefined,
    title: row.title ?? data.title,
    version: row.version ?? data.version,
    agent: row.agent ?? data.agent,
    model: model ? { id: model.id ?? model.modelID, providerID: model.providerID } : data.model,
    gitBranch: row.branch ?? undefined,
    time: {
      created: row.time_created ?? data.time?.created,
      updated: row.time_updated ?? data.time?.updated,
      archived: row.time_archived ?? data.time?.archived,
    },
  };
}
