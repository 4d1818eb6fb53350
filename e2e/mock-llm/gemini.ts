import type { ServerResponse } from "node:http";
import { SCRIPTED_COMMAND, SCRIPTED_FINAL_ANSWER, SCRIPTED_PROMPT_MARKER, type Handler } from "./server.js";

/**
 * The Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse` and
 * `:generateContent`) as Gemini CLI calls it through GOOGLE_GEMINI_BASE_URL. Mount it with
 * `startMockLlm({ "/v1beta": geminiHandler })`. Shapes follow @google/genai's
 * `GenerateContentResponse` as Gemini CLI 0.61 reads it (packages/core/src/core/geminiChat.ts).
 *
 * The scripted conversation: a request whose user turns mention SCRIPTED_PROMPT_MARKER and that
 * declares `run_shell_command` gets a thought, a short text and a `functionCall` running
 * SCRIPTED_COMMAND; the request carrying the `functionResponse` gets SCRIPTED_FINAL_ANSWER. A
 * request with a response schema (the model router, next-speaker checks, ...) gets a JSON object
 * built from that schema. Streamed replies end with a chunk carrying `usageMetadata`
 * ({@link geminiUsageFor}), so a test knows to the token what the agent was billed.
 */

interface Part { text?: string; thought?: boolean; functionCall?: unknown; functionResponse?: unknown }
interface Content { role?: string; parts?: Part[] }
interface Schema { type?: string; properties?: Record<string, Schema>; enum?: unknown[]; minimum?: number }
export interface GeminiRequest {
  contents?: Content[];
  tools?: { functionDeclarations?: { name?: string }[] }[];
  generationConfig?: { responseSchema?: Schema; responseJsonSchema?: Schema };
}

export interface GeminiUsage {
  promptTokenCount: number;
  cachedContentTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount: number;
  totalTokenCount: number;
}

export const GEMINI_THOUGHT = "**Running the marker**\n\nThe user wants the marker command run; run_shell_command can do that.";
export const GEMINI_PREAMBLE = "I'll run the command.";
const SHORT_REPLY = "opensync mock reply";
const MODEL_VERSION = "gemini-mock-001";

/** The usage of every reply served, with the API method: what the agent was billed. */
export const geminiBilled: { method: string; model: string; usage: GeminiUsage }[] = [];

let responseCounter = 0;
const nextResponseId = () => `gemini-mock-${String(++responseCounter).padStart(4, "0")}`;

export const geminiHandler: Handler = (body, res, req) => {
  const [path, query = ""] = (req.url ?? "").split("?");
  const method = /:(\w+)$/.exec(path)?.[1];
  const request = (body ?? {}) as GeminiRequest;
  if (method === "countTokens") {
    sendJson(res, 200, { totalTokens: estimateTokens(request.contents) });
    return;
  }
  if (method !== "streamGenerateContent" && method !== "generateContent") {
    sendJson(res, 404, { error: { code: 404, status: "NOT_FOUND", message: `mock Gemini API has no route ${path}` } });
    return;
  }
  const schema = request.generationConfig?.responseJsonSchema ?? request.generationConfig?.responseSchema;
  const parts = schema ? [{ text: JSON.stringify(valueFor(schema)) }] : scriptedParts(request);
  const usage = geminiUsageFor(request, parts);
  geminiBilled.push({ method, model: /models\/([^:/]+):/.exec(path)?.[1] ?? "", usage });
  if (method === "generateContent") sendJson(res, 200, { ...candidate(parts, "STOP"), usageMetadata: usage, modelVersion: MODEL_VERSION, responseId: nextResponseId() });
  else streamParts(res, parts, usage, new URLSearchParams(query).get("alt") === "sse");
};

function scriptedParts(request: GeminiRequest): Part[] {
  const contents = request.contents ?? [];
  const last = contents[contents.length - 1];
  if (last?.parts?.some((p) => p.functionResponse)) return [{ text: SCRIPTED_FINAL_ANSWER }];
  const offersShell = (request.tools ?? []).some((t) => (t.functionDeclarations ?? []).some((f) => f.name === "run_shell_command"));
  const userText = contents.filter((c) => c.role === "user").flatMap((c) => c.parts ?? []).map((p) => p.text ?? "").join("\n");
  if (offersShell && userText.includes(SCRIPTED_PROMPT_MARKER)) {
    return [
      { text: GEMINI_THOUGHT, thought: true },
      { text: GEMINI_PREAMBLE },
      { functionCall: { name: "run_shell_command", args: { command: SCRIPTED_COMMAND, description: "Print the opensync marker" } } },
    ];
  }
  return [{ text: SHORT_REPLY }];
}

/** A value matching a (small) JSON schema: the first enum value, else a placeholder of the type (numbers at their minimum, else 1). */
function valueFor(schema: Schema): unknown {
  if (schema.enum?.length) return schema.enum[0];
  switch (String(schema.type ?? "").toLowerCase()) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, valueFor(s)]));
    case "array":
      return [];
    case "boolean":
      return false;
    case "number":
    case "integer":
      return schema.minimum ?? 1; // Gemini CLI validates some scores as 1..100 without saying so in the schema
    default:
      return "opensync mock";
  }
}

/** Plausible and deterministic for a given request: about 4 characters a token. */
function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? "").length / 4));
}

/**
 * As Gemini reports it: cachedContentTokenCount is part of promptTokenCount; thoughtsTokenCount is
 * not part of candidatesTokenCount. A quarter of the prompt is reported cached once there is history.
 */
export function geminiUsageFor(request: GeminiRequest, parts: Part[]): GeminiUsage {
  const prompt = estimateTokens(request.contents);
  const cached = (request.contents ?? []).length > 2 ? Math.floor(prompt / 4) : 0;
  const thoughts = parts.filter((p) => p.thought).reduce((n, p) => n + estimateTokens(p.text), 0);
  const candidates = estimateTokens(parts.filter((p) => !p.thought));
  return {
    promptTokenCount: prompt,
    cachedContentTokenCount: cached,
    candidatesTokenCount: candidates,
    thoughtsTokenCount: thoughts,
    totalTokenCount: prompt + candidates + thoughts,
  };
}

function candidate(parts: Part[], finishReason?: string) {
  return { candidates: [{ content: { role: "model", parts }, index: 0, ...(finishReason ? { finishReason } : {}) }] };
}

/** One chunk per part; the last one carries finishReason and the usage. */
function streamParts(res: ServerResponse, parts: Part[], usage: GeminiUsage, sse: boolean): void {
  const responseId = nextResponseId();
  const chunks = parts.map((p, i) => {
    const last = i === parts.length - 1;
    return { ...candidate([p], last ? "STOP" : undefined), ...(last ? { usageMetadata: usage } : {}), modelVersion: MODEL_VERSION, responseId };
  });
  if (!sse) {
    sendJson(res, 200, chunks);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  res.end();
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}
