/**
 * Prompts typed while Claude Code was busy. They never become `user` lines: Claude Code 2.x records
 * them as `attachment` lines, `{"type":"attachment","attachment":{"type":"queued_command",
 * "prompt":"…","commandMode":"prompt","origin":{"kind":"human"}}, uuid, timestamp, sessionId, …}`,
 * when it hands them to the model between two requests (the `queue-operation` enqueue/dequeue
 * lines around them are bookkeeping that repeats the same text). Other command modes (a finished
 * background task's `task-notification`, …) are the harness talking, not the user.
 */
const PROMPT_MODES = new Set(["prompt"]);

/**
 * The queued prompt's content (a string, or content blocks when it holds images) if the line is a
 * prompt a person queued; `undefined` for every other line.
 */
export function queuedPromptOf(raw: Record<string, unknown>): unknown {
  const a = raw.attachment as Record<string, unknown> | undefined;
  if (!a || typeof a !== "object" || a.type !== "queued_command") return undefined;
  if (typeof a.commandMode === "string" && !PROMPT_MODES.has(a.commandMode)) return undefined;
  const origin = a.origin as { kind?: unknown } | undefined;
  if (origin && typeof origin === "object" && typeof origin.kind === "string" && origin.kind !== "human") return undefined;
  return typeof a.prompt === "string" || Array.isArray(a.prompt) ? a.prompt : undefined;
}
