import { jsonLiteralOf } from "../json-literal.js";

type Piece = string | Buffer;

/**
 * A message upsert as UTF-8 JSON. A tool-result part whose output still is the text of a JSON
 * literal the collector kept (`json-literal.ts`, the transcript's own bytes) gets those bytes
 * spliced in; everything else is JSON.stringify's. The output then moves to the end of its part's
 * content, and the content to the end of its part, which JSON does not care about. Anything not
 * plain data (a `toJSON`, a class instance) is serialised by JSON.stringify as a whole.
 */
export function messageJson(message: unknown): Buffer {
  const parts = isPlainObject(message) ? message.parts : undefined;
  if (!isPlainObject(message) || !Array.isArray(parts) || !parts.some((p) => literalOf(p) !== undefined)) {
    return Buffer.from(JSON.stringify(message), "utf8");
  }
  const pieces: Piece[] = [];
  objectWith(message, "parts", pieces, () => {
    pieces.push("[");
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) pieces.push(",");
      const part: unknown = parts[i];
      const literal = literalOf(part);
      if (literal === undefined) {
        pieces.push(JSON.stringify(part) ?? "null");
        continue;
      }
      const p = part as Record<string, unknown>;
      objectWith(p, "content", pieces, () => objectWith(p.content as Record<string, unknown>, "output", pieces, () => pieces.push(literal)));
    }
    pieces.push("]");
  });
  return Buffer.concat(pieces.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
}

function literalOf(part: unknown): Buffer | undefined {
  if (!isPlainObject(part) || part.type !== "tool-result" || !isPlainObject(part.content)) return undefined;
  return jsonLiteralOf(part.content, "output");
}

/** `object`'s JSON with member `key` last, its value written by `value`. */
function objectWith(object: Record<string, unknown>, key: string, pieces: Piece[], value: () => void): void {
  const { [key]: _moved, ...rest } = object;
  const head = JSON.stringify(rest);
  pieces.push(`${head.slice(0, -1)}${head.length > 2 ? "," : ""}${JSON.stringify(key)}:`);
  value();
  pieces.push("}");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || "toJSON" in value) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
