import { outputIsInText } from "../store/tool-output.js";
import { deriveTerms } from "./code-terms.js";

/**
 * What of a message the full-text index reads, by column. The columns carry BM25 weights
 * (`COLUMN_WEIGHTS`): a session's title and the user's prompts count most, tool output least.
 * Built from the stored row and its parts (PROTOCOL.md's part types), on every backend alike.
 */
export const FULLTEXT_COLUMNS = ["title", "prompt", "reply", "tool", "output", "reasoning", "terms"] as const;
export type FulltextColumn = (typeof FULLTEXT_COLUMNS)[number];
export type FulltextDocument = Record<FulltextColumn, string>;

/** BM25 weight per column, in `FULLTEXT_COLUMNS` order. */
export const COLUMN_WEIGHTS: Record<FulltextColumn, number> = {
  title: 10,
  prompt: 4,
  reply: 2,
  tool: 2,
  output: 1,
  reasoning: 1.5,
  terms: 1,
};

/** A column never indexes more than this many characters (a 60 KB build log is still all in). */
const MAX_COLUMN_CHARS = 200_000;

export interface MessageSource {
  role: string;
  textContent: string | null;
  /** Stored parts: `type` and `content` as the JSON text it is stored as. */
  parts: Array<{ type: string; content: string }>;
}

/** Strings and numbers of a JSON value, depth first (keys are left out: they are noise). */
function leaves(value: unknown, out: string[], depth = 0): void {
  if (value === null || value === undefined || depth > 8) return;
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) leaves(v, out, depth + 1);
  else if (typeof value === "object") for (const v of Object.values(value)) leaves(v, out, depth + 1);
}

const textOf = (value: unknown): string => {
  const out: string[] = [];
  leaves(value, out);
  return out.join("\n");
};

function parseContent(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

const field = (obj: unknown, ...keys: string[]): unknown => {
  if (!obj || typeof obj !== "object") return undefined;
  for (const k of keys) if ((obj as Record<string, unknown>)[k] !== undefined) return (obj as Record<string, unknown>)[k];
  return undefined;
};

/** The text of each kind of content in a message: what it says, its tool calls, their output, its reasoning. */
export interface MessageTexts { text: string; toolCall: string; toolOutput: string; reasoning: string }

export function messageTexts(source: MessageSource): MessageTexts {
  const texts: string[] = [];
  const calls: string[] = [];
  const outputs: string[] = [];
  const reasoning: string[] = [];
  if (source.textContent) texts.push(source.textContent);
  for (const part of source.parts) {
    const content = parseContent(part.content);
    switch (part.type) {
      case "text":
        // text_content already holds the text parts (merge.ts textOfParts) when none was sent.
        if (!source.textContent) texts.push(typeof content === "string" ? content : textOf(field(content, "text") ?? content));
        break;
      case "reasoning":
        reasoning.push(typeof content === "string" ? content : textOf(field(content, "text") ?? content));
        break;
      case "tool-call": {
        const name = field(content, "toolName", "name");
        const args = field(content, "args", "arguments", "input");
        calls.push([typeof name === "string" ? name : "", textOf(args)].filter(Boolean).join("\n"));
        break;
      }
      case "tool-result":
        // Stored once, in the message's text (store/tool-output.ts).
        if (outputIsInText(content)) outputs.push(source.textContent ?? "");
        else outputs.push(typeof content === "string" ? content : textOf(field(content, "output", "result", "content") ?? content));
        break;
      case "file":
        calls.push(textOf(field(content, "path", "filename") ?? content));
        break;
      case "patch":
        outputs.push(textOf(content));
        break;
      default:
        break;
    }
  }
  const join = (xs: string[]) => xs.join("\n").slice(0, MAX_COLUMN_CHARS);
  return { text: join(texts), toolCall: join(calls), toolOutput: join(outputs), reasoning: join(reasoning) };
}

/** The index document of a message. A `tool` message's own text is tool output. */
export function messageDocument(source: MessageSource): FulltextDocument {
  const t = messageTexts(source);
  const doc: FulltextDocument = { title: "", prompt: "", reply: "", tool: t.toolCall, output: t.toolOutput, reasoning: t.reasoning, terms: "" };
  if (source.role === "user") doc.prompt = t.text;
  // A tool message's text is usually its output again (collectors send both; the server derives
  // one from the other): indexed once, so the output is neither tokenized twice nor counted twice by BM25.
  else if (source.role === "tool") doc.output = t.text === t.toolOutput ? t.text : [t.text, t.toolOutput].filter(Boolean).join("\n");
  else doc.reply = t.text;
  doc.terms = deriveTerms([doc.prompt, doc.reply, doc.tool, doc.output, doc.reasoning].join("\n"));
  return doc;
}

export function titleDocument(title: string): FulltextDocument {
  return { title, prompt: "", reply: "", tool: "", output: "", reasoning: "", terms: deriveTerms(title) };
}
