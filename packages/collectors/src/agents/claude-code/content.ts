import type { PartInput } from "@opensync/protocol";
import { rememberJsonLiteral } from "../../json-literal.js";

/**
 * Claude content blocks -> protocol parts. Assistant lines carry text / thinking /
 * redacted_thinking / tool_use blocks; user lines carry a prompt string, or text / image /
 * document / tool_result blocks.
 */

/** Tool outputs beyond this are cut: a search index and a viewer do not need 10 MB of `cat`. */
export const MAX_TOOL_OUTPUT_CHARS = 256_000;

export type Block = Record<string, unknown> & { type?: unknown };

const asBlocks = (content: unknown): Block[] =>
  Array.isArray(content) ? content.filter((b): b is Block => !!b && typeof b === "object") : [];

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function imagePart(block: Block): PartInput {
  const source = (block.source ?? {}) as Record<string, unknown>;
  const mime = str(source.media_type) || str(block.mime_type) || undefined;
  const url = str(source.url);
  return { type: "file", content: { path: url || "[image]", mime } };
}

function documentPart(block: Block): PartInput {
  const source = (block.source ?? {}) as Record<string, unknown>;
  return { type: "file", content: { path: str(block.title) || str(source.url) || "[document]", mime: str(source.media_type) || undefined } };
}

/** `fullLength`: the length of the whole output when `output` is only the start of it. */
function capOutput(output: string, fullLength = output.length): { output: string; truncated?: { originalLength: number } } {
  if (output.length <= MAX_TOOL_OUTPUT_CHARS && fullLength <= output.length) return { output };
  const omitted = fullLength - Math.min(output.length, MAX_TOOL_OUTPUT_CHARS);
  return {
    output: `${output.slice(0, MAX_TOOL_OUTPUT_CHARS)}\n… [${omitted} characters truncated by opensync]`,
    truncated: { originalLength: fullLength },
  };
}

/** A tool_result's `content` is a string or a list of text/image blocks: keep the text. */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  return asBlocks(content)
    .map((b) => (b.type === "text" ? str(b.text) : b.type === "image" ? "[image]" : ""))
    .filter((t) => t.length > 0)
    .join("\n");
}

/** `literal`: the transcript's JSON string literal of `block.content`, when that is a string. */
function toolResultPart(block: Block, isError: boolean, readPersisted?: PersistedOutputReader, literal?: Buffer): PartInput {
  const text = toolResultText(block.content);
  const persisted = readPersisted?.(text);
  const { output, truncated } = persisted ? capOutput(persisted.text, persisted.fullLength) : capOutput(text);
  const content = { callId: str(block.tool_use_id), output, isError, ...(truncated ? { truncated: true, originalLength: truncated.originalLength } : {}) };
  if (literal && output === block.content) rememberJsonLiteral(content, "output", literal);
  return { type: "tool-result", content };
}

/** One assistant content block as a part; `undefined` for blocks with nothing to show. */
export function assistantPart(block: Block): PartInput | undefined {
  switch (block.type) {
    case "text":
      return str(block.text) ? { type: "text", content: { text: str(block.text) } } : undefined;
    case "thinking":
      // With `display: "omitted"` thinking arrives as a bare signature: nothing to show.
      return str(block.thinking) ? { type: "reasoning", content: { text: str(block.thinking) } } : undefined;
    case "redacted_thinking":
      return { type: "reasoning", content: { text: "[redacted thinking]", redacted: true } };
    case "tool_use":
    case "server_tool_use":
      return { type: "tool-call", content: { toolName: str(block.name), args: block.input ?? {}, callId: str(block.id) } };
    case "image":
      return imagePart(block);
    default:
      // Server tool results (web_search_tool_result, ...) sit in assistant content.
      if (typeof block.type === "string" && block.type.endsWith("_tool_result")) {
        return { type: "tool-result", content: { callId: str(block.tool_use_id), output: JSON.stringify(block.content ?? null), isError: false } };
      }
      return undefined;
  }
}

export function assistantParts(content: unknown): PartInput[] {
  if (typeof content === "string") return content ? [{ type: "text", content: { text: content } }] : [];
  return asBlocks(content).map(assistantPart).filter((p): p is PartInput => p !== undefined);
}

export interface UserContent {
  parts: PartInput[];
  /** True when the line answers tool calls: it becomes a `tool` message. */
  hasToolResults: boolean;
}

/**
 * Claude Code keeps only a preview of a large tool output in the transcript and the whole output in
 * a file beside it; given the text of a tool_result, this returns the whole output, if it can.
 */
export type PersistedOutputReader = (preview: string) => { text: string; fullLength: number } | undefined;

/** Whitespace-only text is no message: Claude Code writes such prompts, nobody reads them. */
const hasText = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0;

/** `literals`: by index in `content`, the JSON literals of tool results (`toolResultLiterals`). */
export function userContent(content: unknown, readPersisted?: PersistedOutputReader, literals?: ReadonlyMap<number, Buffer>): UserContent {
  if (typeof content === "string") {
    return { parts: hasText(content) ? [{ type: "text", content: { text: content } }] : [], hasToolResults: false };
  }
  const parts: PartInput[] = [];
  let hasToolResults = false;
  const blocks: unknown[] = Array.isArray(content) ? content : [];
  for (let index = 0; index < blocks.length; index++) {
    const block = blocks[index] as Block;
    if (!block || typeof block !== "object") continue;
    switch (block.type) {
      case "text":
        if (hasText(block.text)) parts.push({ type: "text", content: { text: block.text } });
        break;
      case "tool_result":
        hasToolResults = true;
        parts.push(toolResultPart(block, block.is_error === true, readPersisted, literals?.get(index)));
        break;
      case "image":
        parts.push(imagePart(block));
        break;
      case "document":
        parts.push(documentPart(block));
        break;
    }
  }
  return { parts, hasToolResults };
}

/** The text a human would read: text parts, or tool outputs for tool messages. */
export function readableText(parts: PartInput[]): string {
  const pieces: string[] = [];
  for (const part of parts) {
    const c = part.content as Record<string, unknown>;
    if (part.type === "text") pieces.push(str(c.text));
    else if (part.type === "tool-result") pieces.push(str(c.output));
  }
  return pieces.filter((p) => p.length > 0).join("\n\n");
}
