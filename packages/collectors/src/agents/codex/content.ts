import type { PartInput } from "@opensync/protocol";
import { isRecord } from "./rollout-line.js";

/** Text of a message's `content` (`input_text` / `output_text` items); images become a placeholder. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const pieces: string[] = [];
  for (const item of content) {
    if (!isRecord(item)) continue;
    if (typeof item.text === "string") pieces.push(item.text);
    else if (item.type === "input_image") pieces.push("[image]");
  }
  return pieces.join("\n");
}

/** Image items of a user message as `file` parts (data URLs are not repeated: they can be megabytes). */
export function imageParts(content: unknown): PartInput[] {
  if (!Array.isArray(content)) return [];
  const parts: PartInput[] = [];
  for (const item of content) {
    if (!isRecord(item) || item.type !== "input_image" || typeof item.image_url !== "string") continue;
    const url = item.image_url;
    const inline = /^data:([^;,]+)/.exec(url);
    parts.push({ type: "file", content: inline ? { path: "(inline image)", mime: inline[1] } : { path: url } });
  }
  return parts;
}

/**
 * User-role text Codex injects for the model rather than typed by the user: environment context,
 * AGENTS.md / user instructions, skills, plugin and app catalogues, goal contexts, aborted-turn and
 * sub-agent notices, `!` shell command records. Codex recognises them per content item by their
 * opening tag (openai/codex codex-rs/core/src/context/contextual_user_message.rs,
 * `is_contextual_user_fragment`, main 2026); `<external_*>` covers its IDE / host contexts.
 */
const INJECTED_PREFIXES = [
  "<environment_context>", "<user_instructions>", "# agents.md instructions", "<instructions>",
  "<skill>", "<turn_aborted>", "<context_update>", "<subagent_notification>", "<user_shell_command>",
  "<permissions instructions>", "<tool_context>", "<reasoning_context>", "<pinned_notes>",
  "<recommended_plugins>", "<codex_internal_context", "<goal_context>", "<external_", "<app-context>",
  "<apps_instructions>", "<skills_instructions>", "<plugins_instructions>", "<collaboration_mode>",
];

export function isInjectedContext(text: string): boolean {
  const head = text.trimStart().slice(0, 64).toLowerCase();
  return INJECTED_PREFIXES.some((p) => head.startsWith(p));
}

/**
 * Splits one injected text into its context block and whatever the user typed after it in the
 * same item (`<environment_context>…</environment_context>\nFix the build`). The block ends at the
 * closing tag of its opening tag (`</INSTRUCTIONS>` for an AGENTS.md header).
 */
function splitInjectedText(text: string): { context: string; rest: string } {
  const trimmed = text.trimStart();
  const agents = /^# agents\.md instructions/i.test(trimmed);
  const tag = agents ? "INSTRUCTIONS" : /^<([A-Za-z_][\w-]*)/.exec(trimmed)?.[1];
  if (!tag) return { context: text, rest: "" };
  const close = `</${tag.toLowerCase()}>`;
  const at = trimmed.toLowerCase().indexOf(close);
  if (at === -1) return { context: text, rest: "" };
  const cut = at + close.length;
  return { context: trimmed.slice(0, cut), rest: trimmed.slice(cut).trim() };
}

/** A user-role message's content, separated into injected context and what the user typed. */
export interface SplitInput {
  context: string[];
  prompt: string[];
  images: PartInput[];
}

export function splitUserContent(content: unknown): SplitInput {
  const items = typeof content === "string" ? [{ type: "input_text", text: content }] : Array.isArray(content) ? content : [];
  const out: SplitInput = { context: [], prompt: [], images: imageParts(items) };
  for (const item of items) {
    if (!isRecord(item)) continue;
    if (typeof item.text !== "string") {
      if (item.type === "input_image") out.prompt.push("[image]");
      continue;
    }
    if (!isInjectedContext(item.text)) {
      if (item.text) out.prompt.push(item.text);
      continue;
    }
    let rest = item.text;
    // A prompt glued after one or several blocks in the same item is still the prompt.
    while (rest && isInjectedContext(rest)) {
      const split = splitInjectedText(rest);
      out.context.push(split.context);
      rest = split.rest;
    }
    if (rest) out.prompt.push(rest);
  }
  return out;
}

/** `function_call.arguments` is a JSON string; keep it raw when it does not parse. */
export function parseArguments(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export interface ToolOutput {
  text: string;
  isError: boolean;
  durationMs?: number;
}

/**
 * A tool output in any of the shapes Codex has written: a plain string; a JSON string
 * `{output, metadata: {exit_code, duration_seconds}}` (shell tool, 2025); content items
 * `[{type: "input_text", text}]`; or `{content, success}`. Newer shell output is text starting
 * with `Exit code: N`; `exec_command` output (0.171) is a header then `Output:` (see {@link parseExecOutput}).
 */
export function parseToolOutput(output: unknown): ToolOutput {
  if (Array.isArray(output)) return { text: contentText(output), isError: false };
  if (isRecord(output)) {
    const text = typeof output.content === "string" ? output.content : JSON.stringify(output);
    return { text, isError: output.success === false };
  }
  if (typeof output !== "string") return { text: "", isError: false };

  const structured = parseStructuredOutput(output) ?? parseExecOutput(output);
  if (structured) return structured;
  const exit = /^Exit code: (-?\d+)/.exec(output);
  return { text: output, isError: exit ? Number(exit[1]) !== 0 : false };
}

/**
 * `exec_command` output as Codex 0.171 writes it in the rollout: `Key: value` header lines
 * (`Chunk ID`, `Wall time: 0.0123 seconds`, `Process exited with code N` or `Process running with
 * session ID N`, `Original token count`), then `Output:` and what the command printed.
 */
export function parseExecOutput(output: string): ToolOutput | undefined {
  const marker = output.indexOf("\nOutput:\n");
  if (marker === -1 || !/^(Chunk ID|Wall time): /.test(output)) return undefined;
  const header = output.slice(0, marker);
  const printed = output.slice(marker + "\nOutput:\n".length).replace(/\n$/, "");
  const exit = /^Process exited with code (-?\d+)$/m.exec(header);
  const seconds = /^Wall time: ([\d.]+) seconds$/m.exec(header);
  return {
    text: printed,
    isError: exit ? Number(exit[1]) !== 0 : false,
    ...(seconds ? { durationMs: Math.round(Number(seconds[1]) * 1000) } : {}),
  };
}

function parseStructuredOutput(output: string): ToolOutput | undefined {
  if (!output.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed.output !== "string") return undefined;
  const meta = isRecord(parsed.metadata) ? parsed.metadata : {};
  const exitCode = typeof meta.exit_code === "number" ? meta.exit_code : undefined;
  const seconds = typeof meta.duration_seconds === "number" ? meta.duration_seconds : undefined;
  return {
    text: parsed.output,
    isError: exitCode !== undefined && exitCode !== 0,
    ...(seconds !== undefined ? { durationMs: Math.round(seconds * 1000) } : {}),
  };
}

/**
 * A reasoning item as a reasoning part: its summaries, else its raw reasoning text. An item whose
 * reasoning is only `encrypted_content` still happened (and was billed as reasoning tokens): it
 * stays a reasoning part, with no text and `encrypted: true`.
 */
export function reasoningPart(payload: Record<string, unknown>): PartInput {
  const pick = (list: unknown) =>
    Array.isArray(list) ? list.filter(isRecord).map((s) => (typeof s.text === "string" ? s.text : "")).filter(Boolean) : [];
  const summary = pick(payload.summary);
  const text = (summary.length ? summary : pick(payload.content)).join("\n\n");
  return { type: "reasoning", content: text ? { text } : { text: "", encrypted: true } };
}

/** A tool call of any kind as a `tool-call` part, or `undefined` when the item is not a call. */
export function toolCallPart(payload: Record<string, unknown>): PartInput | undefined {
  const type = String(payload.type);
  const callId = typeof payload.call_id === "string" ? payload.call_id : typeof payload.id === "string" ? payload.id : undefined;
  const part = (toolName: string, args: unknown): PartInput => ({
    type: "tool-call",
    content: callId ? { toolName, args, callId } : { toolName, args },
  });
  switch (type) {
    case "function_call":
      return part(String(payload.name ?? "unknown"), parseArguments(payload.arguments));
    case "custom_tool_call":
      return part(String(payload.name ?? "unknown"), payload.input ?? "");
    case "local_shell_call":
      return part("local_shell", payload.action ?? {});
    case "web_search_call":
      return part("web_search", payload.action ?? {});
    default: {
      if (!type.endsWith("_call")) return undefined;
      const { type: _t, call_id: _c, id: _i, ...rest } = payload;
      return part(typeof payload.name === "string" ? payload.name : type, rest);
    }
  }
}

export const isToolOutputType = (type: string): boolean => type.endsWith("_call_output");

/** Short single-line session title from the first user message. */
export function titleFrom(text: string): string | undefined {
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) return undefined;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
