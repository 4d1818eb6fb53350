import type { Message, Part, Session } from "@opensync/protocol";
import type { MessagesTable, PartsTable, SessionsTable, UsageColumns } from "../schema.js";
import { withStoredOutputs } from "../tool-output.js";

type Selected<T> = { [K in keyof T]: T[K] extends import("kysely").Generated<infer U> ? U : T[K] };

/** Backends may return BIGINT columns as strings (pg); everything numeric goes through this. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function parseJson(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** The token, cost and duration columns sessions and messages share, as read-API fields. */
function usageOf(row: Selected<UsageColumns> & { total_tokens: number }) {
  return {
    promptTokens: num(row.prompt_tokens),
    completionTokens: num(row.completion_tokens),
    cacheReadTokens: num(row.cache_read_tokens),
    cacheWriteTokens: num(row.cache_write_tokens),
    reasoningTokens: num(row.reasoning_tokens),
    totalTokens: num(row.total_tokens),
    cost: num(row.cost),
    durationMs: num(row.duration_ms),
  };
}

export function toSession(row: Selected<SessionsTable>): Session {
  return {
    id: row.id,
    externalId: row.external_id,
    source: row.source,
    title: row.title,
    projectPath: row.project_path,
    projectName: row.project_name,
    model: row.model,
    provider: row.provider,
    gitBranch: row.git_branch,
    machine: row.machine,
    ...usageOf(row),
    messageCount: num(row.message_count),
    isPublic: num(row.is_public) === 1,
    publicSlug: row.public_slug,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    metadata: parseJson(row.metadata),
  };
}

export function toPart(row: Selected<PartsTable>): Part {
  let content: unknown = null;
  try {
    content = JSON.parse(row.content);
  } catch {
    content = row.content;
  }
  return { id: String(row.id), type: row.type, content, order: num(row.ord) };
}

export function toMessage(row: Selected<MessagesTable>, parts: Part[]): Message {
  return {
    id: String(row.id),
    externalId: row.external_id,
    sessionId: row.session_id,
    role: row.role as Message["role"],
    textContent: row.text_content,
    model: row.model,
    provider: row.provider,
    source: row.source,
    ...usageOf(row),
    createdAt: num(row.created_at),
    metadata: parseJson(row.metadata),
    parts: withStoredOutputs(parts, row.text_content),
  };
}
