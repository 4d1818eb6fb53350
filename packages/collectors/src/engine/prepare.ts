import type { MessageInput, SessionInput } from "@opensync/protocol";
import { computeCost } from "../pricing/index.js";
import type { Redactor } from "../redaction/index.js";
import type { Chunk } from "../types.js";
import { clampStrings, fitMessage, MAX_TEXT_CONTENT, truncate } from "./limits.js";

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Everything that happens to a chunk between parsing and upload, on this machine: secrets are
 * redacted, costs are priced where the agent recorded none (unknown models are marked unpriced,
 * never $0), and oversized strings are cut to the protocol's limits, in UTF-8 bytes, until the
 * whole message fits in one request.
 */
export function prepareChunk(chunk: Chunk, redactor: Redactor): { sessions: SessionInput[]; messages: MessageInput[]; unpricedModels: Set<string> } {
  const unpricedModels = new Set<string>();
  const sessions = chunk.sessions.map((s) => ({ ...s, ...(s.title ? { title: redactor.redactText(String(s.title)) } : {}) }));
  const messages = chunk.messages.map((m) => {
    const out: MessageInput = { ...m };
    if (typeof out.textContent === "string") out.textContent = truncate(redactor.redactText(out.textContent), MAX_TEXT_CONTENT);
    if (out.parts) out.parts = clampStrings(redactor.redactValue(out.parts));
    const tokens = num(out.promptTokens) + num(out.completionTokens) + num(out.cacheReadTokens) + num(out.cacheWriteTokens) + num(out.reasoningTokens);
    if ((out.cost === undefined || out.cost === null) && tokens > 0 && typeof out.model === "string" && out.model) {
      const priced = computeCost(
        out.model,
        {
          promptTokens: num(out.promptTokens),
          completionTokens: num(out.completionTokens),
          cacheReadTokens: num(out.cacheReadTokens),
          cacheWriteTokens: num(out.cacheWriteTokens),
          reasoningTokens: num(out.reasoningTokens),
        },
        typeof out.provider === "string" ? out.provider : undefined,
      );
      if ("cost" in priced) {
        out.cost = priced.cost;
        out.metadata = { ...(out.metadata ?? {}), costSource: "pricing-table" };
      } else {
        unpricedModels.add(out.model);
        out.metadata = { ...(out.metadata ?? {}), unpriced: true };
      }
    }
    // Last: the whole message must fit in one request, counted in UTF-8 bytes.
    return fitMessage(out);
  });
  // The session says it too, so a total of $0 is never mistaken for "free".
  if (unpricedModels.size) {
    const unpricedSessions = new Set(messages.filter((m) => m.metadata && (m.metadata as { unpriced?: boolean }).unpriced).map((m) => String(m.sessionExternalId)));
    for (const session of sessions) {
      if (unpricedSessions.has(String(session.externalId ?? session.sessionId))) {
        session.metadata = { ...(session.metadata ?? {}), unpricedModels: [...unpricedModels] };
      }
    }
  }
  return { sessions, messages, unpricedModels };
}
