import type { ServerResponse } from "node:http";
import { SCRIPTED_COMMAND, SCRIPTED_FINAL_ANSWER, SCRIPTED_PROMPT_MARKER, type Handler } from "./server.js";

/**
 * OpenAI Responses API (`POST /v1/responses`, SSE) as Codex CLI calls it through a custom model
 * provider with `wire_api = "responses"`. Mount it with `startMockLlm({ "/v1": openaiResponsesHandler })`.
 * The event and item shapes follow what Codex parses (openai/codex codex-rs/codex-api/src/sse/responses.rs
 * and codex-rs/protocol/src/models.rs `ResponseItem`, 0.171).
 *
 * The scripted conversation: a request whose user input mentions SCRIPTED_PROMPT_MARKER and that
 * offers a shell-like tool gets a reasoning item, a short text and one call of that tool running
 * SCRIPTED_COMMAND; the request carrying the tool's output gets SCRIPTED_FINAL_ANSWER. Anything
 * else gets a short text. Every response ends with `response.completed` carrying the usage of
 * {@link responsesUsageFor}, so a test knows to the token what the agent was billed.
 */

interface InputItem { type?: string; role?: string; content?: unknown; output?: unknown; call_id?: string }
interface Tool { type?: string; name?: string; parameters?: { properties?: Record<string, unknown> } }
export interface ResponsesRequest {
  model?: string;
  input?: InputItem[];
  tools?: Tool[];
  stream?: boolean;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

type OutputItem = Record<string, unknown> & { type: string };

export const RESPONSES_REASONING = "The user wants the marker command run; the shell tool can do that.";
export const RESPONSES_PREAMBLE = "I'll run the command.";
const SHORT_REPLY = "opensync mock reply";

/** Shell-like tools Codex has offered over its versions, and how each takes the command. */
const SHELL_TOOLS: Record<string, (command: string) => Record<string, unknown>> = {
  exec_command: (cmd) => ({ cmd }),
  shell_command: (command) => ({ command }),
  shell: (command) => ({ command: ["bash", "-lc", command] }),
};

/** The usage of every response served, in order: what the agent was billed. */
export const responsesBilled: ResponsesUsage[] = [];

let responseCounter = 0;
let itemCounter = 0;
let callCounter = 0;
const nextResponseId = () => `resp_mock_${String(++responseCounter).padStart(4, "0")}`;
const nextItemId = (prefix: string) => `${prefix}_mock_${String(++itemCounter).padStart(4, "0")}`;
const nextCallId = () => `call_mock_${String(++callCounter).padStart(4, "0")}`;
const CREATED = 1_700_000_000;

export const openaiResponsesHandler: Handler = (body, res, req) => {
  const path = (req.url ?? "").split("?")[0];
  if (req.method === "GET" && path.endsWith("/models")) {
    sendJson(res, 200, { object: "list", data: [{ id: "mock-model", object: "model", created: CREATED, owned_by: "opensync-mock" }] });
    return;
  }
  if (!path.endsWith("/responses")) {
    sendJson(res, 404, { error: { type: "not_found", message: `mock Responses API has no route ${path}` } });
    return;
  }
  const request = (body ?? {}) as ResponsesRequest;
  const output = scriptedOutput(request);
  const usage = responsesUsageFor(request, output);
  responsesBilled.push(usage);
  streamResponse(res, request.model ?? "mock-model", output, usage);
};

function scriptedOutput(request: ResponsesRequest): OutputItem[] {
  const input = request.input ?? [];
  const last = input[input.length - 1];
  if (last?.type === "function_call_output" || last?.type === "custom_tool_call_output") {
    return [message(SCRIPTED_FINAL_ANSWER)];
  }
  const userText = input.filter((i) => i.type === "message" && i.role === "user").map((i) => textOf(i.content)).join("\n");
  const shell = (request.tools ?? []).find((t) => t.type === "function" && t.name && t.name in SHELL_TOOLS);
  if (shell && userText.includes(SCRIPTED_PROMPT_MARKER)) {
    return [
      { type: "reasoning", id: nextItemId("rs"), summary: [{ type: "summary_text", text: RESPONSES_REASONING }] },
      message(RESPONSES_PREAMBLE),
      {
        type: "function_call", id: nextItemId("fc"), call_id: nextCallId(), name: shell.name!,
        arguments: JSON.stringify(SHELL_TOOLS[shell.name!](SCRIPTED_COMMAND)),
      },
    ];
  }
  return [message(SHORT_REPLY)];
}

function message(text: string): OutputItem {
  return { type: "message", id: nextItemId("msg"), role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [] }] };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((c) => (c && typeof c.text === "string" ? c.text : "")).join("\n");
}

/** Plausible and deterministic for a given request: about 4 characters a token. */
function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? "").length / 4));
}

/**
 * As OpenAI reports it: cached (read) and cache-write tokens are part of input_tokens, reasoning
 * tokens part of output_tokens. A request without history writes half its input to the cache; one
 * with history reads a quarter of it from there, so transcripts carry every usage field.
 */
export function responsesUsageFor(request: ResponsesRequest, output: OutputItem[]): ResponsesUsage {
  const input = estimateTokens(request.input);
  const hasHistory = (request.input ?? []).some((i) => i.type === "function_call_output" || (i.type === "message" && i.role === "assistant"));
  const cached = hasHistory ? Math.floor(input / 4) : 0;
  const cacheWrite = hasHistory ? 0 : Math.floor(input / 2);
  const reasoning = output.some((o) => o.type === "reasoning") ? estimateTokens(RESPONSES_REASONING) : 0;
  const out = estimateTokens(output.filter((o) => o.type !== "reasoning")) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: cacheWrite },
    output_tokens: out,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + out,
  };
}

function streamResponse(res: ServerResponse, model: string, output: OutputItem[], usage: ResponsesUsage): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const id = nextResponseId();
  let sequence = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  const response = (status: string, extra: Record<string, unknown> = {}) =>
    ({ id, object: "response", created_at: CREATED, status, model, output: [], ...extra });

  send("response.created", { response: response("in_progress") });
  output.forEach((item, index) => {
    send("response.output_item.added", { output_index: index, item: { ...item, ...(item.type === "message" ? { content: [] } : {}) } });
    if (item.type === "message") {
      const text = textOf(item.content);
      // Two deltas, so the agent really assembles a streamed text.
      const cut = Math.ceil(text.length / 2);
      for (const delta of [text.slice(0, cut), text.slice(cut)]) {
        send("response.output_text.delta", { item_id: item.id, output_index: index, content_index: 0, delta });
      }
    } else if (item.type === "reasoning") {
      const summary = (item.summary as { text: string }[])[0].text;
      send("response.reasoning_summary_text.delta", { item_id: item.id, output_index: index, summary_index: 0, delta: summary });
    }
    send("response.output_item.done", { output_index: index, item });
  });
  send("response.completed", { response: response("completed", { output, usage }) });
  res.end();
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}
