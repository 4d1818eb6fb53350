import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Chunk, CollectorContext } from "../../types.js";
import { isOpencodeDbName } from "./discover.js";
import { firstUserPrompt, isPlaceholderTitle, mapMessage, mapSession, type SessionHints } from "./map.js";
import { openReadOnly, parseJson } from "./sqlite.js";
import type { OcMessage, OcPart, OcSession } from "./types.js";

/** Messages per chunk, as for the database. */
const MESSAGES_PER_CHUNK = 100;

/** Checkpoint of one legacy session: the newest mtime among its files that has been delivered. */
export interface LegacyCheckpoint { mtimeMs: number }

interface MessageFiles {
  id: string;
  file: string;
  partFiles: string[];
  /** Newest mtime of the message file and its part files. */
  changedAt: number;
}

/**
 * Reads one session of the JSON tree OpenCode kept before 1.2:
 * `storage/session/<projectID>/<sessionID>.json`, `storage/message/<sessionID>/<messageID>.json`,
 * `storage/part/<messageID>/<partID>.json`. Emits the session and every message whose file or
 * part files changed since the checkpoint, each with all its parts.
 */
export async function* readLegacySession(sessionFile: string, checkpoint: unknown, ctx: CollectorContext): AsyncGenerator<Chunk> {
  const sessionStat = await statOrNull(sessionFile);
  if (!sessionStat) return;
  const sessionText = await readFile(sessionFile, "utf8");
  const session = parseJson<OcSession>(sessionText);
  if (!session || typeof session !== "object") return;
  session.id ??= basename(sessionFile, ".json");
  const storage = dirname(dirname(dirname(sessionFile)));
  if (await migratedIntoDatabase(storage, session.id)) return;

  const since = (checkpoint as Partial<LegacyCheckpoint> | undefined)?.mtimeMs;
  const messages = await listMessages(storage, session.id);
  const newest = Math.max(sessionStat.mtimeMs, ...messages.map((m) => m.changedAt));
  if (typeof since === "number" && newest <= since) return;

  // Files stamped exactly `since` are read again: one written in the same millisecond as the
  // last delivered one may have landed after it was read.
  const changed = messages
    .filter((m) => typeof since !== "number" || m.changedAt >= since)
    .sort((a, b) => a.changedAt - b.changedAt || (a.id < b.id ? -1 : 1));
  if (!session.directory) session.directory = (await projectWorktree(storage, session.projectID)) ?? (await projectRootOfMessages(messages));

  const sessionInput = mapSession(session, ctx.machine, await sessionHints(messages, session));
  let bytesRead = sessionText.length;
  if (!changed.length) {
    yield { sessions: [sessionInput], messages: [], checkpoint: { mtimeMs: newest }, bytesRead };
    return;
  }
  for (let i = 0; i < changed.length; i += MESSAGES_PER_CHUNK) {
    const slice = changed.slice(i, i + MESSAGES_PER_CHUNK);
    const out = [];
    for (const files of slice) {
      const loaded = await loadMessage(files, session.id);
      if (!loaded) continue;
      bytesRead += loaded.bytes;
      out.push(mapMessage(loaded));
    }
    const last = i + MESSAGES_PER_CHUNK >= changed.length;
    // The session file's own mtime counts once the last chunk is out.
    const mtimeMs = last ? newest : slice[slice.length - 1].changedAt;
    yield { sessions: i === 0 ? [sessionInput] : [], messages: out, checkpoint: { mtimeMs }, bytesRead };
    bytesRead = 0;
  }
}

async function listMessages(storage: string, sessionId: string): Promise<MessageFiles[]> {
  const dir = join(storage, "message", sessionId);
  const out: MessageFiles[] = [];
  for (const name of await jsonFiles(dir)) {
    const file = join(dir, name);
    const id = basename(name, ".json");
    const partDir = join(storage, "part", id);
    const partFiles = (await jsonFiles(partDir)).map((p) => join(partDir, p));
    const times = await Promise.all([file, ...partFiles].map(async (f) => (await statOrNull(f))?.mtimeMs ?? 0));
    out.push({ id, file, partFiles, changedAt: Math.max(...times) });
  }
  return out;
}

async function loadMessage(files: MessageFiles, sessionId: string) {
  const text = await readFileOrNull(files.file);
  const message = parseJson<OcMessage>(text);
  if (!message || typeof message !== "object") return null;
  let bytes = text!.length;
  const parts: OcPart[] = [];
  for (const file of files.partFiles) {
    const partText = await readFileOrNull(file);
    const part = parseJson<OcPart>(partText);
    if (!part || typeof part !== "object") continue;
    bytes += partText!.length;
    parts.push({ ...part, id: part.id ?? basename(file, ".json") });
  }
  // The order is the mapping's (start time); readdir order means nothing.
  return { message: { ...message, id: message.id ?? files.id, sessionID: message.sessionID ?? sessionId }, parts, bytes };
}

/** The model of the latest assistant message; the first prompt only when the title is OpenCode's placeholder. */
async function sessionHints(messages: MessageFiles[], session: OcSession): Promise<SessionHints> {
  const hints: SessionHints = {};
  const newestFirst = [...messages].sort((a, b) => (a.id < b.id ? 1 : -1));
  for (const m of newestFirst) {
    const message = parseJson<OcMessage>(await readFileOrNull(m.file));
    if (message?.role === "assistant" && message.modelID) {
      Object.assign(hints, { model: message.modelID, provider: message.providerID });
      break;
    }
  }
  if (isPlaceholderTitle(session.title)) {
    for (const m of newestFirst.reverse()) {
      const loaded = await loadMessage(m, session.id);
      if (loaded?.message.role !== "user") continue;
      hints.firstPrompt = firstUserPrompt([loaded]);
      if (hints.firstPrompt) break;
    }
  }
  return hints;
}

async function projectWorktree(storage: string, projectId: string | undefined): Promise<string | undefined> {
  if (!projectId) return undefined;
  const project = parseJson<{ worktree?: string }>(await readFileOrNull(join(storage, "project", `${projectId}.json`)));
  return project?.worktree && project.worktree !== "/" ? project.worktree : undefined;
}

/**
 * Sessions written before OpenCode recorded `directory` (and those of the "global" project, whose
 * worktree is `/`) still have the project's folder on each assistant message (`path.root`, else
 * `path.cwd`): the newest one that names a folder.
 */
async function projectRootOfMessages(messages: MessageFiles[]): Promise<string | undefined> {
  const newestFirst = [...messages].sort((a, b) => (a.id < b.id ? 1 : -1));
  for (const m of newestFirst) {
    const path = parseJson<OcMessage>(await readFileOrNull(m.file))?.path;
    const folder = [path?.root, path?.cwd].find((p) => typeof p === "string" && p !== "" && p !== "/");
    if (folder) return folder;
  }
  return undefined;
}

/**
 * OpenCode 1.2+ copies the JSON tree into `opencode.db` beside `storage/` and leaves the files in
 * place. A session found in that database is the database unit's to read.
 */
async function migratedIntoDatabase(storage: string, sessionId: string): Promise<boolean> {
  const dataDir = dirname(storage);
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch {
    return false;
  }
  for (const name of names.filter(isOpencodeDbName)) {
    try {
      const db = await openReadOnly(join(dataDir, name));
      try {
        if (db.prepare(`SELECT 1 FROM session WHERE id = ?`).get(sessionId)) return true;
      } finally {
        db.close();
      }
    } catch {
      // Not a readable OpenCode database: the JSON tree stays the source.
    }
  }
  return false;
}

async function jsonFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

async function readFileOrNull(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}
