import { DEFAULT_SOURCE, toolOutputText, type MessageUpsert, type SessionUpsert } from "@opensync/protocol";
import type { MessagesTable, SessionsTable } from "./schema.js";

/**
 * PROTOCOL.md's merge rules, pure and shared by every backend:
 * - explicit session totals win over sums of messages; a total never sent explicitly is the sum;
 * - a `0` (or absent) value sent later never wipes a non-zero one;
 * - `createdAt` keeps the earliest value seen; `updatedAt` the latest;
 * - text fields are replaced by non-empty values only; metadata is merged key by key.
 */

/** A later non-zero number replaces; zero or absent keeps what is there. */
function keepNonZero(incoming: number | undefined, existing: number | null | undefined): number | null {
  if (incoming !== undefined && incoming > 0) return incoming;
  return existing ?? null;
}

function keepText(incoming: string | undefined, existing: string | null | undefined): string | null {
  if (incoming !== undefined && incoming.trim() !== "") return incoming;
  return existing ?? null;
}

export function projectNameOf(path: string | null | undefined): string | null {
  if (!path) return null;
  const parts = path.replace(/[\\/]+$/, "").split(/[\\/]/);
  return parts[parts.length - 1] || null;
}

export type SessionRowValues = Omit<
  SessionsTable,
  "id" | "user_id" | "external_id" | "is_public" | "public_slug" | "message_count" | "prompt_tokens" | "completion_tokens" | "cache_read_tokens" | "cache_write_tokens" | "reasoning_tokens" | "total_tokens" | "cost" | "duration_ms"
>;

export function mergeSession(existing: SessionsTable | undefined, input: SessionUpsert, now: number): SessionRowValues {
  const projectPath = keepText(input.projectPath, existing?.project_path);
  const createdCandidates = [existing?.created_at, input.createdAt].filter((v): v is number => v !== undefined);
  const createdAt = createdCandidates.length ? Math.min(...createdCandidates) : input.updatedAt ?? now;
  const updatedCandidates = [existing?.updated_at, input.updatedAt, createdAt].filter((v): v is number => v !== undefined);
  // A plugin that sends no timestamps means "this changed now".
  if (input.updatedAt === undefined && input.createdAt === undefined) updatedCandidates.push(now);
  const previousMeta = existing ? (JSON.parse(existing.metadata) as Record<string, unknown>) : {};
  return {
    // A session's own source always wins; without one the stored (or default) label stays.
    source: input.source ?? existing?.source ?? DEFAULT_SOURCE,
    source_named: input.source !== undefined ? 1 : existing?.source_named ?? 0,
    title: keepText(input.title, existing?.title),
    project_path: projectPath,
    project_name: keepText(input.projectName, existing?.project_name) ?? projectNameOf(projectPath),
    model: keepText(input.model, existing?.model),
    provider: keepText(input.provider, existing?.provider),
    git_branch: keepText(input.gitBranch, existing?.git_branch),
    machine: keepText(input.machine, existing?.machine),
    x_prompt_tokens: keepNonZero(input.promptTokens, existing?.x_prompt_tokens),
    x_completion_tokens: keepNonZero(input.completionTokens, existing?.x_completion_tokens),
    x_cache_read_tokens: keepNonZero(input.cacheReadTokens, existing?.x_cache_read_tokens),
    x_cache_write_tokens: keepNonZero(input.cacheWriteTokens, existing?.x_cache_write_tokens),
    x_reasoning_tokens: keepNonZero(input.reasoningTokens, existing?.x_reasoning_tokens),
    x_cost: keepNonZero(input.cost, existing?.x_cost),
    x_duration_ms: keepNonZero(input.durationMs, existing?.x_duration_ms),
    declared_message_count: input.declaredMessageCount ?? existing?.declared_message_count ?? null,
    created_at: createdAt,
    updated_at: Math.max(...updatedCandidates),
    synced_at: now,
    metadata: JSON.stringify({ ...previousMeta, ...input.metadata }),
  };
}

export type MessageRowValues = Omit<MessagesTable, "id" | "session_id" | "user_id" | "external_id">;

export function mergeMessage(existing: MessageRowValues | undefined, input: MessageUpsert, derivedText: string | undefined, now: number): MessageRowValues {
  const n = (incoming: number | undefined, prev: number | undefined) => keepNonZero(incoming, prev) ?? 0;
  const promptTokens = n(input.promptTokens, existing?.prompt_tokens);
  const completionTokens = n(input.completionTokens, existing?.completion_tokens);
  const cacheReadTokens = n(input.cacheReadTokens, existing?.cache_read_tokens);
  const cacheWriteTokens = n(input.cacheWriteTokens, existing?.cache_write_tokens);
  const reasoningTokens = n(input.reasoningTokens, existing?.reasoning_tokens);
  const text = input.textContent ?? derivedText;
  return {
    role: input.role !== "unknown" || !existing ? input.role : existing.role,
    text_content: text !== undefined ? text : existing?.text_content ?? null,
    model: keepText(input.model, existing?.model),
    provider: keepText(input.provider, existing?.provider),
    source: keepText(input.source, existing?.source),
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    cache_read_tokens: cacheReadTokens,
    cache_write_tokens: cacheWriteTokens,
    reasoning_tokens: reasoningTokens,
    total_tokens: promptTokens + completionTokens + cacheReadTokens + cacheWriteTokens + reasoningTokens,
    cost: n(input.cost, existing?.cost),
    duration_ms: n(input.durationMs, existing?.duration_ms),
    created_at: input.createdAt ?? existing?.created_at ?? now,
    metadata: mergeMetadata(existing?.metadata, input.metadata),
  };
}

/** Metadata merged key by key; the common case (a new row, nothing sent) costs nothing. */
function mergeMetadata(previous: string | undefined, incoming: Record<string, unknown>): string {
  let empty = true;
  for (const _ in incoming) {
    empty = false;
    break;
  }
  if (previous === undefined) return empty ? "{}" : JSON.stringify(incoming);
  if (empty) return previous;
  return JSON.stringify({ ...(JSON.parse(previous) as Record<string, unknown>), ...incoming });
}

/**
 * The text of a message that came with parts but no `textContent`: its `text` parts, joined. A
 * `tool` message has none: its text is its output, the string outputs of its `tool-result` parts
 * (joined by a blank line, as collectors join them). Our CLI leaves a tool message's `textContent`
 * out when it only repeats that output (the batch response's `features` says this server derives
 * it), so histories of large tool outputs cross the wire and are parsed once, not twice.
 */
export function textOfParts(parts: MessageUpsert["parts"], role?: string): string | undefined {
  if (!parts) return undefined;
  const texts: string[] = [];
  for (const p of parts) {
    if (p.type !== "text") continue;
    const c = p.content as unknown;
    if (typeof c === "string") texts.push(c);
    else if (c && typeof c === "object" && typeof (c as { text?: unknown }).text === "string") texts.push((c as { text: string }).text);
  }
  if (texts.length) return texts.join("\n");
  return role === "tool" ? toolOutputText(parts) : undefined;
}
