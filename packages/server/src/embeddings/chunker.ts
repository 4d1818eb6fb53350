import { createHash } from "node:crypto";

/**
 * Messages cut into chunks for embedding. Turn-aware: a chunk never spans two messages (a hit
 * names one message of one turn, and the context API cites it), and a message's reasoning is
 * chunked apart from its text. Inside a message, text is cut at paragraph boundaries into chunks
 * of at most `maxChars`, neighbours sharing about `overlapChars` of text; a fenced code block is
 * kept whole when it fits in one chunk and cut at line boundaries only when it does not.
 */

export type ChunkField = "text" | "reasoning";

export interface ChunkDraft {
  ord: number;
  field: ChunkField;
  text: string;
  /** SHA-256 of field + text: the same text is never embedded twice (re-sent messages, repeats). */
  hash: string;
}

export interface ChunkOptions {
  maxChars: number;
  overlapChars: number;
}

/** ~256 tokens of English for MiniLM-sized models (their window is 256-512 tokens). */
export const DEFAULT_CHUNKING: ChunkOptions = { maxChars: 1000, overlapChars: 150 };

export const chunkHash = (field: string, text: string) => createHash("sha256").update(field).update("\0").update(text).digest("hex");

/** Paragraphs and whole fenced code blocks, in order. */
function blocks(text: string): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  let current: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    const block = current.join("\n").trim();
    if (block) out.push(block);
    current = [];
  };
  for (const line of lines) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence === null && marker) {
      flush();
      fence = marker;
      current.push(line);
    } else if (fence !== null) {
      current.push(line);
      if (marker && marker.startsWith(fence[0]) && marker.length >= fence.length && line.trim() === marker) {
        fence = null;
        flush();
      }
    } else if (line.trim() === "") flush();
    else current.push(line);
  }
  flush();
  return out;
}

/** A block longer than a chunk, cut at line ends (or, for one huge line, at spaces, or hard). */
function split(block: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = block;
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) pieces.push(rest);
  return pieces.filter(Boolean);
}

/** The end of `text`, at most `chars` long, starting at a word boundary. */
function tail(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const start = text.indexOf(" ", text.length - chars);
  return start < 0 ? "" : text.slice(start + 1);
}

export function chunkText(text: string, options: ChunkOptions = DEFAULT_CHUNKING): string[] {
  const { maxChars, overlapChars } = options;
  const units = blocks(text).flatMap((b) => (b.length > maxChars ? split(b, maxChars) : [b]));
  const chunks: string[] = [];
  let current = "";
  for (const unit of units) {
    if (!current) current = unit;
    else if (current.length + 2 + unit.length <= maxChars) current += "\n\n" + unit;
    else {
      chunks.push(current);
      // Overlap: the next chunk starts with the end of this one, when that still leaves room.
      const carry = tail(current, overlapChars);
      current = carry && carry.length + 2 + unit.length <= maxChars && !unit.startsWith("```") ? `${carry}\n\n${unit}` : unit;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** The chunks of one message: its text, then its reasoning. */
export function chunkMessage(parts: { text: string | null; reasoning: string[] }, options: ChunkOptions = DEFAULT_CHUNKING): ChunkDraft[] {
  const out: ChunkDraft[] = [];
  const add = (field: ChunkField, text: string) => {
    for (const piece of chunkText(text, options)) out.push({ ord: out.length, field, text: piece, hash: chunkHash(field, piece) });
  };
  if (parts.text) add("text", parts.text);
  for (const r of parts.reasoning) add("reasoning", r);
  return out;
}
