import type { ServerResponse } from "node:http";
import { openaiHandler } from "../mock-llm/openai.js";
import type { Handler } from "../mock-llm/server.js";

/**
 * An OpenAI-compatible chat model that uses an MCP tool: when a user turn carries
 * MCP_PROMPT_MARKER and the request offers a tool whose name ends with `toolSuffix` (OpenCode names
 * MCP tools `<server>_<tool>`), it calls that tool with `args`; the turn carrying the tool's result
 * gets MCP_FINAL_ANSWER. Everything else (models list, titles) is the shared mock's.
 */
export const MCP_PROMPT_MARKER = "opensync-mcp-e2e";
export const MCP_FINAL_ANSWER = "The past session explains the fix.";

interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages?: Array<{ role: string; content?: unknown }>;
  tools?: Array<{ function?: { name?: string } }>;
}

export function toolCallingHandler(toolSuffix: string, args: Record<string, unknown>): Handler {
  let calls = 0;
  return (body, res, req) => {
    const request = (body ?? {}) as ChatRequest;
    const messages = request.messages ?? [];
    const last = messages[messages.length - 1];
    const tool = (request.tools ?? []).map((t) => t.function?.name ?? "").find((n) => n.endsWith(toolSuffix));
    const asked = messages.some((m) => m.role === "user" && JSON.stringify(m.content ?? "").includes(MCP_PROMPT_MARKER));
    if (!asked || !(req.url ?? "").includes("/chat/completions")) return openaiHandler(body, res, req);
    if (last?.role === "tool") return stream(res, request.model ?? "mock-model", { text: MCP_FINAL_ANSWER });
    if (!tool) return stream(res, request.model ?? "mock-model", { text: `no tool ending in ${toolSuffix} was offered` });
    return stream(res, request.model ?? "mock-model", { text: "Let me look that up.", call: { id: `call_mcp_${++calls}`, name: tool, arguments: JSON.stringify(args) } });
  };
}

/** Chat-completion chunks as the OpenAI streaming API sends them (a role, deltas, a finish, usage). */
function stream(res: ServerResponse, model: string, reply: { text: string; call?: { id: string; name: string; arguments: string } }): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-mcp-${Date.now()}`;
  const send = (payload: Record<string, unknown>) => res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_700_000_000, model, ...payload })}\n\n`);
  const delta = (d: Record<string, unknown>, finish: string | null = null) => send({ choices: [{ index: 0, delta: d, finish_reason: finish }] });
  delta({ role: "assistant", content: "" });
  delta({ content: reply.text });
  if (reply.call) delta({ tool_calls: [{ index: 0, id: reply.call.id, type: "function", function: { name: reply.call.name, arguments: reply.call.arguments } }] });
  delta({}, reply.call ? "tool_calls" : "stop");
  send({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } });
  res.write("data: [DONE]\n\n");
  res.end();
}
