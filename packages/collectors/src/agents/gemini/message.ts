import type { MessageInput, PartInput } from "@opensync/protocol";

export type Json = Record<string, unknown>;
export const isRecord = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

export const GEMINI_PROVIDER = "google";

const asParts = (content: unknown): unknown[] => (Array.isArray(content) ? content : content === undefined || content === null ? [] : [content]);

/** The readable pieces of a `PartListUnion` (a string, a Part, or a list of them), one per part. */
export function partTexts(content: unknown): string[] {
  const pieces: string[] = [];
  for (const part of asParts(content)) {
    if (typeof part === "string") pieces.push(part);
    else if (isRecord(part)) {
      if (typeof part.text === "string" && part.thought !== true) pieces.push(part.text);
      else if (isRecord(part.inlineData)) pieces.push(`[${String(part.inlineData.mimeType ?? "inline data")}]`);
    }
  }
  return pieces.filter((p) => p !== "");
}

/** Readable text of a `PartListUnion`; separate parts stay separate lines. */
export function partsText(content: unknown): string {
  return partTexts(content).join("\n");
}

/**
 * Context Gemini CLI sends as a user turn: the `<session_context>` block it records as the first
 * user entry (0.61; packages/core/src/utils/environmentContext.ts `getEnvironmentContext`) and
 * hook context. Its own history loader skips them as user content
 * (packages/core/src/utils/sessionUtils.ts `isIgnoredUserContent`, 0.56 nightly).
 */
export function isInjectedContext(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("<session_context>") || t.startsWith("<hook_context>");
}

/**
 * A `user` record holding only `functionResponse` parts: the tool results Gemini CLI 0.61 sends
 * back to the model, recorded as a user turn after the `gemini` record whose `toolCalls` already
 * carry the same results. It is not something the user said; Gemini CLI's own history loader skips
 * it too (its text is empty: packages/core/src/utils/sessionUtils.ts `isIgnoredUserContent`, 0.61).
 */
export function isToolResponseEcho(record: Json): boolean {
  if (record.type !== "user") return false;
  const parts = asParts(record.content);
  return parts.length > 0 && parts.every((p) => isRecord(p) && isRecord(p.functionResponse));
}

/** A tool call's result as text: the functionResponse output/error, else the display text. */
function toolResultText(call: Json): string {
  const pieces: string[] = [];
  for (const part of asParts(call.result)) {
    if (!isRecord(part)) continue;
    const response = isRecord(part.functionResponse) ? part.functionResponse.response : undefined;
    if (isRecord(response)) {
      const value = response.output ?? response.error ?? response;
      pieces.push(typeof value === "string" ? value : JSON.stringify(value));
    } else if (typeof part.text === "string") pieces.push(part.text);
  }
  if (pieces.length) return pieces.join("\n");
  if (typeof call.resultDisplay === "string") return call.resultDisplay;
  return call.resultDisplay === undefined ? "" : JSON.stringify(call.resultDisplay);
}

const resultHasError = (call: Json): boolean =>
  call.status === "error" ||
  asParts(call.result).some((p) => isRecord(p) && isRecord(p.functionResponse) && isRecord(p.functionResponse.response) && p.functionResponse.response.error !== undefined);

function toolParts(calls: unknown): PartInput[] {
  if (!Array.isArray(calls)) return [];
  const parts: PartInput[] = [];
  for (const call of calls) {
    if (!isRecord(call)) continue;
    const callId = typeof call.id === "string" ? call.id : undefined;
    parts.push({ type: "tool-call", content: { toolName: String(call.name ?? "unknown"), args: call.args ?? {}, ...(callId ? { callId } : {}) } });
    // Only a call that has a result gets a result part (a cancelled or unfinished call has none).
    const hasResult = asParts(call.result).length > 0 || (call.resultDisplay !== undefined && call.resultDisplay !== null && call.resultDisplay !== "");
    if (hasResult) {
      parts.push({ type: "tool-result", content: { ...(callId ? { callId } : {}), output: toolResultText(call), isError: resultHasError(call) } });
    }
  }
  return parts;
}

function thoughtParts(thoughts: unknown): PartInput[] {
  if (!Array.isArray(thoughts)) return [];
  return thoughts.filter(isRecord).flatMap((t) => {
    const text = [t.subject, t.description].filter((s) => typeof s === "string" && s).join("\n");
    return text ? [{ type: "reasoning", content: { text } }] : [];
  });
}

/** Gemini's `{input, output, cached, thoughts, tool, total}` in protocol terms. */
function tokenFields(tokens: unknown) {
  if (!isRecord(tokens)) return {};
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    promptTokens: Math.max(0, n(tokens.input) - n(tokens.cached)),
    cacheReadTokens: n(tokens.cached),
    completionTokens: n(tokens.output),
    reasoningTokens: n(tokens.thoughts),
  };
}

const ROLES: Record<string, MessageInput["role"]> = { user: "user", gemini: "assistant", info: "system", warning: "system", error: "system" };

/** Text a person typed, for titles: what was displayed rather than the expanded `@file` content. */
export function userText(record: Json): string {
  return partsText(record.displayContent ?? record.content);
}

export function toMessage(record: Json, sessionId: string, rewound: boolean): MessageInput {
  const type = String(record.type ?? "");
  const texts = type === "user" ? partTexts(record.displayContent ?? record.content) : partTexts(record.content);
  const text = texts.join("\n");
  const role = type === "user" && isInjectedContext(text) ? "system" : (ROLES[type] ?? "unknown");
  const parts: PartInput[] = [...thoughtParts(record.thoughts)];
  for (const t of texts) parts.push({ type: "text", content: { text: t } });
  parts.push(...toolParts(record.toolCalls));

  const message: MessageInput = {
    sessionExternalId: sessionId,
    externalId: `${sessionId}:${String(record.id)}`,
    role,
    textContent: text,
    parts,
  };
  const createdAt = typeof record.timestamp === "string" ? Date.parse(record.timestamp) : NaN;
  if (!Number.isNaN(createdAt)) message.createdAt = createdAt;
  if (role === "assistant") {
    message.provider = GEMINI_PROVIDER;
    if (typeof record.model === "string" && record.model) message.model = record.model;
    Object.assign(message, tokenFields(record.tokens));
  }
  const metadata: Json = {};
  if (role === "system" && type !== "info") metadata.kind = type;
  if (rewound) metadata.rewound = true;
  if (Object.keys(metadata).length) message.metadata = metadata;
  return message;
}
