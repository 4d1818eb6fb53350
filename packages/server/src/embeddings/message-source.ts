import type BetterSqlite3 from "better-sqlite3";

/** What the worker embeds of a message: its text, and its reasoning parts. Tool calls and outputs are
 * left to full-text search (bulk file contents and command output, rarely what "meaning" asks for). */
export interface MessageToEmbed {
  id: number;
  sessionId: string;
  userId: string;
  text: string | null;
  reasoning: string[];
}

const REASONING_TYPES = new Set(["reasoning", "thinking"]);

function textOf(content: string): string | null {
  const value = JSON.parse(content) as unknown;
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const o = value as { text?: unknown; thinking?: unknown };
    if (typeof o.text === "string") return o.text;
    if (typeof o.thinking === "string") return o.thinking;
  }
  return null;
}

export function readMessages(db: BetterSqlite3.Database, ids: number[]): Map<number, MessageToEmbed> {
  const out = new Map<number, MessageToEmbed>();
  // A tool message's text is its output (collectors send it, the server derives it), which the
  // comment above leaves to full-text search: bulk command output and file contents, most of a
  // history's bytes, and hours of a local model's time, for little that "meaning" asks for.
  const message = db.prepare(
    "SELECT id, session_id AS sessionId, user_id AS userId, CASE WHEN role = 'tool' THEN NULL ELSE text_content END AS text FROM messages WHERE id = ?",
  );
  const parts = db.prepare("SELECT type, content FROM parts WHERE message_id = ? ORDER BY ord");
  for (const id of ids) {
    const row = message.get(id) as Omit<MessageToEmbed, "reasoning"> | undefined;
    if (!row) continue;
    const reasoning: string[] = [];
    for (const p of parts.all(id) as Array<{ type: string; content: string }>) {
      if (!REASONING_TYPES.has(p.type)) continue;
      const t = textOf(p.content);
      if (t?.trim()) reasoning.push(t);
    }
    out.set(id, { ...row, reasoning });
  }
  return out;
}
