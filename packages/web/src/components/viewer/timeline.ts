import type { PublicSession, Session, SessionTimeline } from "@opensync/protocol";
import type { Mark } from "./session-rows";

/** What the viewer shows of a session: the public shape, plus the owner's details when it is theirs. */
export type ViewerSession = PublicSession & Partial<Pick<Session, "machine" | "projectPath">>;

/**
 * Timeline marks of the whole session from `GET …/timeline` (one entry per message): errors first,
 * then prompts (user messages with text), then tool calls. `row` is the message's position.
 */
export function timelineMarks(t: SessionTimeline): Mark[] {
  const marks: Mark[] = [];
  for (let i = 0; i < t.ids.length; i++) {
    const kind = (t.errors[i] ?? 0) > 0 ? "error" : t.roles[i] === "user" && (t.textLength[i] ?? 0) > 0 ? "user" : (t.toolCalls[i] ?? 0) > 0 ? "tool" : null;
    if (kind) marks.push({ row: i, kind, messageId: t.ids[i]! });
  }
  return marks;
}
