// No zod here: the CLI and the agent plugins import this module by its own path
// (`@opensync/protocol/tool-output`), and loading zod costs every CLI run ~0.1 s.

/**
 * What a server understands beyond PROTOCOL.md, announced in every `/sync/batch` response so a
 * client learns it without an extra request (and an older server, which sends none, gets plain
 * protocol). `tool-text-from-output`: a `tool` message sent without `textContent` gets the string
 * output of its `tool-result` parts as its text, so a client need not send a large output twice.
 */
export const SYNC_FEATURES = ["tool-text-from-output"] as const;
export type SyncFeature = (typeof SYNC_FEATURES)[number];
/**
 * The text of a `tool` message sent without `textContent` (feature `tool-text-from-output`): the
 * string outputs of its `tool-result` parts (the part itself as a string, or its `output` /
 * `result`), non-empty ones joined by a blank line. One rule, used by the server to derive the text
 * and by a client to know that leaving `textContent` out loses nothing.
 */
export function toolOutputText(parts: ReadonlyArray<{ type: string; content?: unknown }> | null | undefined): string | undefined {
  if (!parts) return undefined;
  const outputs: string[] = [];
  for (const p of parts) {
    if (p.type !== "tool-result") continue;
    const c = p.content;
    const value = typeof c === "string" ? c : c && typeof c === "object" ? ((c as { output?: unknown }).output ?? (c as { result?: unknown }).result) : undefined;
    if (typeof value === "string" && value.length > 0) outputs.push(value);
  }
  return outputs.length ? outputs.join("\n\n") : undefined;
}
