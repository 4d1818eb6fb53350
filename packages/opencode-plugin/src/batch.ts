import type { MessageInput, SessionInput } from "@opensync/protocol";
import { firstUserPrompt, isPlaceholderTitle, mapMessage, mapSession, type SessionHints } from "../../collectors/src/agents/opencode/map.js";
import type { OcMessage, OcPart, OcSession } from "../../collectors/src/agents/opencode/types.js";
import { clampStrings, fitMessage, MAX_TEXT_CONTENT, truncate } from "../../collectors/src/engine/limits.js";
import { createRedactor, type Redactor } from "../../collectors/src/redaction/redactor.js";
import type { PluginConfig } from "./config.js";

/**
 * OpenCode session -> one protocol batch. The mapping is the collectors' own (`agents/opencode/map.ts`,
 * compiled into this package, see tsconfig.json), so a session synced by the plugin and the same
 * session read later from `opencode.db` by `opensync sync` are identical upserts.
 */
export interface Batch {
  sessions: SessionInput[];
  messages: MessageInput[];
}

/** One message with its parts, as OpenCode's client lists them (`session.messages`). */
export interface OcMessageEntry {
  info: OcMessage;
  parts: OcPart[];
}


export function redactorFor(config: Pick<PluginConfig, "redaction">): Redactor {
  return createRedactor({ disabled: config.redaction.disabled, disable: config.redaction.disable });
}

export function sessionBatch(session: OcSession, entries: OcMessageEntry[], machine: string, redactor: Redactor): Batch {
  const sorted = [...entries].sort((a, b) => (a.info.id < b.info.id ? -1 : a.info.id > b.info.id ? 1 : 0));
  const lastAssistant = [...sorted].reverse().find((e) => e.info.role === "assistant")?.info;
  const withParts = sorted.map((e) => ({ message: { ...e.info, sessionID: e.info.sessionID ?? session.id }, parts: e.parts ?? [] }));
  const hints: SessionHints = session.model?.id ? {} : { model: lastAssistant?.modelID, provider: lastAssistant?.providerID };
  if (isPlaceholderTitle(session.title)) hints.firstPrompt = firstUserPrompt(withParts);
  const mapped = mapSession(session, machine, hints);
  const messages = withParts.map(mapMessage);
  return {
    sessions: [mapped.title ? { ...mapped, title: redactor.redactText(String(mapped.title)) } : mapped],
    messages: messages.map((m) => prepareMessage(m, redactor)),
  };
}

function prepareMessage(message: MessageInput, redactor: Redactor): MessageInput {
  const out: MessageInput = { ...message };
  if (typeof out.textContent === "string") out.textContent = truncate(redactor.redactText(out.textContent), MAX_TEXT_CONTENT);
  if (out.parts) out.parts = clampStrings(redactor.redactValue(out.parts));
  // The whole message must fit in one request, in UTF-8 bytes (as the engine's prepare does).
  return fitMessage(out);
}
