import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseJsonLine } from "../../jsonl.js";

/**
 * Names users give threads (`/rename`, app-server `thread/name/set`). Codex appends
 * `{id, thread_name, updated_at}` to `<codex home>/session_index.jsonl` and reads it from the end,
 * so the last entry for an id wins (openai/codex codex-rs/core/src/rollout/session_index.rs,
 * `append_thread_name` / `scan_index_from_end_by_id`, main 2026).
 */
export const SESSION_INDEX_FILE = "session_index.jsonl";

interface CachedIndex { size: number; mtimeMs: number; names: Map<string, string> }
const cache = new Map<string, CachedIndex>();

/** The Codex home a rollout lives in: the parent of its `sessions/` or `archived_sessions/` folder. */
export function codexHomeOf(rolloutPath: string): string | undefined {
  let dir = dirname(rolloutPath);
  for (let i = 0; i < 6; i++) {
    const name = basename(dir);
    if (name === "sessions" || name === "archived_sessions") return dirname(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export async function indexStat(codexHome: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const s = await stat(join(codexHome, SESSION_INDEX_FILE));
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The thread's latest name in the index, if the user named it. Cached per file version. */
export async function threadNameFor(codexHome: string, threadId: string): Promise<string | undefined> {
  const path = join(codexHome, SESSION_INDEX_FILE);
  const seen = await indexStat(codexHome);
  if (!seen) return undefined;
  let entry = cache.get(path);
  if (!entry || entry.size !== seen.size || entry.mtimeMs !== seen.mtimeMs) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      return undefined;
    }
    const names = new Map<string, string>();
    for (const line of text.split("\n")) {
      const record = parseJsonLine(line);
      if (record && typeof record.id === "string" && typeof record.thread_name === "string" && record.thread_name.trim()) {
        names.set(record.id, record.thread_name.trim());
      }
    }
    entry = { ...seen, names };
    cache.set(path, entry);
  }
  return entry.names.get(threadId);
}
