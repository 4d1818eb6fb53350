import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { MessageInput, PartInput, SessionInput } from "@opensync/protocol";
import type { OcMessage, OcMessageWithParts, OcPart, OcSession, OcTokens } from "./types.js";

export const SOURCE = "opencode";

/** Tool metadata is kept when small; edits carry whole before/after files there. */
const MAX_TOOL_METADATA_CHARS = 4_096;

/** Longest title made from a prompt; the rest of the prompt is in the first message. */
const MAX_PROMPT_TITLE_CHARS = 100;

export interface ModelRef { model?: string; provider?: string }

/**
 * What a session row does not say but its messages do: the model of its latest assistant message
 * (for sessions without one) and its first user prompt (for sessions without a real title).
 */
export interface SessionHints extends ModelRef {
  firstPrompt?: string;
}

export function mapSession(session: OcSession, machine: string, hints: SessionHints = {}): SessionInput {
  const out: SessionInput = {
    externalId: session.id,
    source: SOURCE,
    machine,
  };
  const title = sessionTitle(session.title, hints.firstPrompt);
  if (title) out.title = title;
  if (session.directory) {
    out.projectPath = session.directory;
    out.projectName = basename(session.directory);
  }
  if (session.gitBranch) out.gitBranch = session.gitBranch;
  const model = session.model?.id ?? hints.model;
  const provider = session.model?.providerID ?? hints.provider;
  if (model) out.model = model;
  if (provider) out.provider = provider;
  if (isTime(session.time?.created)) out.createdAt = session.time.created;
  if (isTime(session.time?.updated)) out.updatedAt = session.time.updated;
  const metadata: Record<string, unknown> = {};
  if (session.parentID) metadata.parentSessionId = session.parentID;
  if (session.slug) metadata.slug = session.slug;
  if (session.version) metadata.opencodeVersion = session.version;
  if (session.agent) metadata.agent = session.agent;
  if (session.projectID) metadata.projectId = session.projectID;
  if (isTime(session.time?.archived)) metadata.archivedAt = session.time.archived;
  if (Object.keys(metadata).length) out.metadata = metadata;
  return out;
}

/**
 * OpenCode names a session "New session - <ISO time>" ("Child session - ..." for a subagent's) until
 * its title model answers (opencode-ai 1.18.33, session/index.ts `createNext` and `isDefaultTitle`);
 * a session whose title never came (offline, title model failing, interrupted) keeps it for good.
 */
const PLACEHOLDER_TITLE = /^(New session|Child session) - \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isPlaceholderTitle(title: string | undefined): boolean {
  return !title?.trim() || PLACEHOLDER_TITLE.test(title.trim());
}

/** The session's own title, unless it is empty or OpenCode's placeholder: then its first prompt, on one line. */
export function sessionTitle(title: string | undefined, firstPrompt: string | undefined): string | undefined {
  if (!isPlaceholderTitle(title)) return title;
  const prompt = firstPrompt?.replace(/\s+/g, " ").trim();
  if (prompt) return prompt.length > MAX_PROMPT_TITLE_CHARS ? `${prompt.slice(0, MAX_PROMPT_TITLE_CHARS - 1).trimEnd()}…` : prompt;
  return title?.trim() ? title : undefined;
}

/** The text of the first user message among `messages` (in conversation order), for `SessionHints.firstPrompt`. */
export function firstUserPrompt(messages: Iterable<OcMessageWithParts>): string | undefined {
  for (const { message, parts } of messages) {
    if (message.role !== "user") continue;
    const text = textContentOf(parts).trim();
    if (text) return text;
  }
  return undefined;
}

export function mapMessage({ message, parts: unordered }: OcMessageWithParts): MessageInput {
  const parts = inStartOrder(unordered);
  const out: MessageInput = {
    sessionExternalId: message.sessionID,
    externalId: message.id,
    role: message.role ?? "unknown",
    source: SOURCE,
    textContent: textContentOf(parts),
    parts: parts.flatMap(mapPart),
  };
  if (message.role === "assistant") {
    if (message.modelID) out.model = message.modelID;
    if (message.providerID) out.provider = message.providerID;
    Object.assign(out, tokenFields(message.tokens, stepTotals(parts)));
    // OpenCode prices every assistant message itself; 0 is its real answer for free/unpriced models.
    const cost = isCount(message.cost) ? message.cost : stepCost(parts);
    if (cost !== undefined) out.cost = cost;
    const created = message.time?.created;
    const completed = message.time?.completed;
    if (isTime(created) && isTime(completed) && completed >= created) out.durationMs = completed - created;
  }
  if (isTime(message.time?.created)) out.createdAt = message.time.created;
  const metadata = messageMetadata(message);
  if (Object.keys(metadata).length) out.metadata = metadata;
  return out;
}

interface TokenCounts { input?: number; output?: number; reasoning?: number; cacheRead?: number; cacheWrite?: number }

const TOKEN_FIELDS = {
  input: "promptTokens",
  output: "completionTokens",
  reasoning: "reasoningTokens",
  cacheRead: "cacheReadTokens",
  cacheWrite: "cacheWriteTokens",
} as const satisfies Record<keyof TokenCounts, keyof MessageInput>;

function countsOf(t: OcTokens | undefined): TokenCounts {
  if (!t || typeof t !== "object") return {};
  const out: TokenCounts = {};
  if (isCount(t.input)) out.input = t.input;
  if (isCount(t.output)) out.output = t.output;
  if (isCount(t.reasoning)) out.reasoning = t.reasoning;
  if (isCount(t.cache?.read)) out.cacheRead = t.cache.read;
  if (isCount(t.cache?.write)) out.cacheWrite = t.cache.write;
  return out;
}

/**
 * Sum of the `step-finish` parts' tokens, one per model call (undefined: the message has none).
 * OpenCode writes each call's usage on its step-finish part but sets the message's `tokens` to the
 * last call's usage only (and adds the cost up): opencode-ai 1.18.33 session/processor.ts,
 * `case "step-finish"`: `assistantMessage.cost += usage.cost; assistantMessage.tokens = usage.tokens`.
 */
function stepTotals(parts: OcPart[]): TokenCounts | undefined {
  let total: TokenCounts | undefined;
  for (const part of parts) {
    if (part.type !== "step-finish" || !part.tokens) continue;
    total ??= {};
    for (const [key, value] of Object.entries(countsOf(part.tokens)) as [keyof TokenCounts, number][]) total[key] = (total[key] ?? 0) + value;
  }
  return total;
}

function stepCost(parts: OcPart[]): number | undefined {
  const costs = parts.filter((p) => p.type === "step-finish" && isCount(p.cost)).map((p) => p.cost as number);
  return costs.length ? costs.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * PROTOCOL.md's token fields. OpenCode already stores `input` net of cache reads and writes and
 * `output` without reasoning (session/index.ts `getUsage`), so values are copied as they are. The
 * billed usage of a message is the sum over its model calls (`steps`); where a field is larger on
 * the message itself (a step part lost, or none written), the message's value stands.
 */
function tokenFields(tokens: OcTokens | undefined, steps: TokenCounts | undefined): Partial<MessageInput> {
  const own = countsOf(tokens);
  const out: Partial<MessageInput> = {};
  for (const key of Object.keys(TOKEN_FIELDS) as (keyof TokenCounts)[]) {
    const values = [own[key], steps?.[key]].filter((v): v is number => v !== undefined);
    if (values.length) out[TOKEN_FIELDS[key]] = Math.max(...values);
  }
  return out;
}

/**
 * Parts in the order they happened: by start time (text and reasoning `time.start`, a tool's
 * `state.time.start`, a retry's `time.created`). A part without one (step markers, patches, files)
 * stays right after the part before it in OpenCode's id order, which is creation order.
 */
export function inStartOrder(parts: OcPart[]): OcPart[] {
  const byId = [...parts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let previous = -Infinity;
  const keyed = byId.map((part, index) => {
    const start = startOf(part);
    if (start !== undefined) previous = start;
    return { part, at: start ?? previous, index };
  });
  return keyed.sort((a, b) => a.at - b.at || a.index - b.index).map((k) => k.part);
}

function startOf(part: OcPart): number | undefined {
  const candidates = [part.time?.start, part.state?.time?.start, part.time?.created];
  return candidates.find(isTime);
}

function messageMetadata(message: OcMessage): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (message.agent) metadata.agent = message.agent;
  if (message.mode && message.mode !== message.agent) metadata.mode = message.mode;
  if (message.parentID) metadata.parentMessageId = message.parentID;
  if (message.finish) metadata.finish = message.finish;
  if (message.error) metadata.error = message.error;
  if (message.role === "user" && message.model?.modelID) {
    metadata.requestedModel = message.model.modelID;
    if (message.model.providerID) metadata.requestedProvider = message.model.providerID;
  }
  return metadata;
}

/**
 * The text a human would read: the message's own text parts. Synthetic parts (file contents
 * OpenCode injects for an attachment, "Called the Read tool ...") and ignored ones stay in `parts`
 * but not here, unless they are all there is.
 */
export function textContentOf(parts: OcPart[]): string {
  const texts = parts.filter((p) => p.type === "text" && typeof p.text === "string");
  const own = texts.filter((p) => !p.synthetic && !p.ignored);
  return (own.length ? own : texts).map((p) => p.text as string).join("\n\n");
}

export function mapPart(part: OcPart): PartInput[] {
  switch (part.type) {
    case "text":
      return [{ type: "text", content: withFlags({ text: part.text ?? "" }, part) }];
    case "reasoning":
      return [{ type: "reasoning", content: { text: part.text ?? "" } }];
    case "tool":
      return mapToolPart(part);
    case "file":
      return [{ type: "file", content: fileContent(part) }];
    case "patch":
      return [{ type: "patch", content: { hash: part.hash, files: part.files ?? [] } }];
    case "step-start":
      return [{ type: "step", content: compact({ kind: "start", snapshot: part.snapshot }) }];
    case "step-finish":
      return [{
        type: "step",
        content: compact({ kind: "finish", reason: part.reason, tokens: part.tokens, cost: part.cost, snapshot: part.snapshot }),
      }];
    default: {
      // agent, subtask, compaction, retry, snapshot...: kept as steps so nothing is lost.
      const { id: _id, sessionID: _s, messageID: _m, type, ...rest } = part;
      return [{ type: "step", content: { kind: type, ...rest } }];
    }
  }
}

function mapToolPart(part: OcPart): PartInput[] {
  const state = part.state ?? {};
  const callId = part.callID ?? part.id;
  const call: PartInput = {
    type: "tool-call",
    content: compact({ toolName: part.tool ?? "unknown", args: state.input ?? {}, callId, title: state.title, status: state.status }),
  };
  // A state without a status (older OpenCode) that holds an output is a finished call all the same.
  const finished = state.status === "completed" || state.status === "error" || (state.status === undefined && (state.output !== undefined || state.error !== undefined));
  if (!finished) return [call];
  const isError = state.status === "error" || (state.status === undefined && state.output === undefined) || failedExit(state.metadata);
  const start = state.time?.start;
  const end = state.time?.end;
  const result = compact({
    callId,
    toolName: part.tool,
    output: state.status === "error" || state.output === undefined ? state.error : state.output,
    isError,
    title: state.title,
    durationMs: isTime(start) && isTime(end) && end >= start ? end - start : undefined,
    metadata: smallMetadata(state.metadata, state.output),
  });
  return [call, { type: "tool-result", content: result }];
}

/**
 * A command that ran but exited non-zero: OpenCode marks the tool `completed` and records the exit
 * code in its metadata (bash: `metadata.exit`, opencode-ai 1.18.33 tool/bash.ts; `exitCode` in others).
 */
function failedExit(metadata: Record<string, unknown> | undefined): boolean {
  if (!metadata || typeof metadata !== "object") return false;
  const code = metadata.exit ?? metadata.exitCode;
  return typeof code === "number" && Number.isFinite(code) && code !== 0;
}

/** Drops the metadata's copy of the output (bash keeps one) and metadata too big to be worth syncing. */
function smallMetadata(metadata: Record<string, unknown> | undefined, output: unknown): Record<string, unknown> | undefined {
  if (!metadata || typeof metadata !== "object") return undefined;
  const { output: copy, ...rest } = metadata;
  const kept = copy !== undefined && copy !== output ? metadata : rest;
  if (!Object.keys(kept).length) return undefined;
  return JSON.stringify(kept).length <= MAX_TOOL_METADATA_CHARS ? kept : undefined;
}

/** Files attached by path keep the path; pasted data (`data:` URLs, whole images) is not copied. */
function fileContent(part: OcPart): Record<string, unknown> {
  const url = part.url ?? "";
  const content: Record<string, unknown> = compact({ mime: part.mime, filename: part.filename });
  if (url.startsWith("file://")) {
    try { content.path = fileURLToPath(url); } catch { content.url = url; }
  } else if (url.startsWith("data:")) {
    content.path = part.filename ?? "(inline data)";
    content.inline = true;
  } else if (url) {
    content.path = url;
    content.url = url;
  } else if (part.filename) {
    content.path = part.filename;
  }
  return content;
}

function withFlags(content: Record<string, unknown>, part: OcPart): Record<string, unknown> {
  if (part.synthetic) content.synthetic = true;
  if (part.ignored) content.ignored = true;
  return content;
}

function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
