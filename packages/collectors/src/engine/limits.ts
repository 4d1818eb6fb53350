/**
 * Cutting oversized strings before upload, so one message never exceeds what the server accepts.
 * Every limit here is in UTF-8 bytes, the unit of the server's body limit: a 4M-character CJK
 * prompt is 12 MB on the wire (issue 7, defect 7). A byte budget also bounds the UTF-16 length the
 * server's validator counts, since a UTF-16 code unit never takes fewer than one UTF-8 byte.
 * Pure and import-free: the OpenCode plugin compiles this file into its own bundle.
 */

/** The protocol's `LIMITS.textContent` (a test keeps them equal; the plugin cannot import the protocol at run time). */
export const MAX_TEXT_CONTENT = 8 * 1024 * 1024;
/** Longest string kept inside a part, in bytes; longer tool outputs are cut. */
export const MAX_PART_STRING = 2 * 1024 * 1024;
/**
 * Largest serialized message, in bytes. Half the server's default body limit (16 MiB), so a
 * message always fits in a request with room to spare; a server configured smaller answers 413
 * and the uploader cuts the message further.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Room kept for the note appended to a cut string (its digits included). */
const NOTE_ROOM = 64;

/**
 * The runtime's native UTF-8 byte count: Node's and Bun's `Buffer.byteLength` (no import, so this
 * file stays usable in the OpenCode plugin). It counts a lone surrogate as 3 bytes (U+FFFD), as
 * the loop below and `JSON.stringify` + UTF-8 encoding do.
 */
const nativeByteLength: ((text: string) => number) | undefined = (() => {
  const buffer = (globalThis as { Buffer?: { byteLength?: (text: string, encoding: "utf8") => number } }).Buffer;
  const byteLength = buffer?.byteLength;
  return typeof byteLength === "function" ? (text: string) => byteLength.call(buffer, text, "utf8") : undefined;
})();

/**
 * UTF-8 length of a string, without allocating: natively where the runtime can (an order of
 * magnitude faster on 100 KB tool outputs), else by walking the UTF-16 code units.
 */
export function utf8Length(text: string): number {
  return nativeByteLength ? nativeByteLength(text) : utf8LengthByLoop(text);
}

/** The portable count (exported for tests, which check it against Buffer). */
export function utf8LengthByLoop(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix of `text` whose UTF-8 form fits `budget` bytes, never splitting a surrogate pair. */
function prefixWithin(text: string, budget: number): { prefix: string; bytes: number } {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let width = 1;
    let units = 1;
    if (c >= 0x80 && c < 0x800) width = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      width = 4;
      units = 2;
    } else if (c >= 0x800) width = 3;
    if (bytes + width > budget) break;
    bytes += width;
    i += units;
  }
  return { prefix: text.slice(0, i), bytes };
}

/**
 * `text` cut so that the result, note included, is at most `maxBytes` of UTF-8. Texts that fit are
 * returned as they are (the same string, so callers can tell nothing changed).
 */
export function truncate(text: string, maxBytes: number): string {
  // Fast path: a UTF-16 code unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const total = utf8Length(text);
  if (total <= maxBytes) return text;
  const { prefix, bytes } = prefixWithin(text, Math.max(0, maxBytes - NOTE_ROOM));
  return `${prefix}\n[truncated by opensync: ${total - bytes} more bytes]`;
}

/** Cuts every string in a JSON value to `maxBytes`; copies only the paths it changed. */
export function clampStrings<T>(value: T, maxBytes: number = MAX_PART_STRING): T {
  if (typeof value === "string") return truncate(value, maxBytes) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = clampStrings(item, maxBytes);
      if (next !== item) (copy ??= value.slice())[i] = next;
    });
    return (copy ?? value) as T;
  }
  if (value && typeof value === "object") {
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const next = clampStrings(v, maxBytes);
      if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = next;
    }
    return (copy ?? value) as T;
  }
  return value;
}

/** Serialized size of a value in UTF-8 bytes. */
export const serializedBytes = (value: unknown): number => utf8Length(JSON.stringify(value));

interface CuttableMessage {
  textContent?: string | null;
  parts?: unknown[] | null;
  metadata?: Record<string, unknown> | null;
}

/**
 * An upper bound of `serializedBytes(value)` computed without serialising, or Infinity once it
 * exceeds `budget` (or for anything but plain JSON data: the exact path then decides). A UTF-16
 * code unit never takes more than 6 bytes in JSON (`\u001f`; a lone surrogate `\udXXX`), a
 * number at most 24 characters; keys and punctuation are counted generously.
 */
function jsonBytesBound(value: unknown, budget: number, depth = 0): number {
  switch (typeof value) {
    case "string":
      return value.length * 6 + 2;
    case "number":
    case "boolean":
      return 24;
    case "undefined":
      return 4;
    case "object": {
      if (value === null) return 4;
      if (depth > 64) return Infinity;
      let total = 2;
      if (Array.isArray(value)) {
        for (const item of value) {
          total += jsonBytesBound(item, budget - total, depth + 1) + 1;
          if (total > budget) return Infinity;
        }
        return total;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if ((proto !== Object.prototype && proto !== null) || "toJSON" in value) return Infinity;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        total += key.length * 6 + 4 + jsonBytesBound((value as Record<string, unknown>)[key], budget - total, depth + 1);
        if (total > budget) return Infinity;
      }
      return total;
    }
    default:
      return Infinity; // bigint, symbol, function: let JSON.stringify decide, as before
  }
}

/** Strings shorter than this are never cut when fitting a message: the cap stops halving here. */
const SMALLEST_CAP = 1024;

/**
 * A message whose serialized form fits `maxBytes`: strings are cut with a shared cap that halves
 * until the whole fits; if many small parts still overflow, trailing parts are dropped and the
 * message says how many. The result is marked `metadata.truncated` so a reader knows it is partial.
 */
export function fitMessage<M extends CuttableMessage>(message: M, maxBytes: number = MAX_MESSAGE_BYTES): M {
  // Almost every message is far below the limit: prove it without serialising it (the uploader
  // serialises it once, later).
  if (jsonBytesBound(message, maxBytes) <= maxBytes) return message;
  if (JSON.stringify(message).length * 3 <= maxBytes || serializedBytes(message) <= maxBytes) return message;
  let cap = maxBytes;
  let candidate = message;
  while (cap > SMALLEST_CAP) {
    cap = Math.max(SMALLEST_CAP, Math.floor(cap / 2));
    candidate = {
      ...message,
      ...(typeof message.textContent === "string" ? { textContent: truncate(message.textContent, cap) } : {}),
      ...(Array.isArray(message.parts) ? { parts: clampStrings(message.parts, cap) } : {}),
      metadata: { ...(message.metadata ?? {}), truncated: true },
    };
    if (serializedBytes(candidate) <= maxBytes) return candidate;
  }
  // Thousands of small parts: keep the leading parts that fit in half the budget.
  const parts = Array.isArray(candidate.parts) ? candidate.parts : [];
  const kept: unknown[] = [];
  let used = 0;
  for (const part of parts) {
    const size = serializedBytes(part) + 1;
    if (used + size > maxBytes / 2) break;
    kept.push(part);
    used += size;
  }
  const dropped = parts.length - kept.length;
  return {
    ...candidate,
    textContent: typeof candidate.textContent === "string" ? truncate(candidate.textContent, Math.floor(maxBytes / 4)) : candidate.textContent,
    parts: kept,
    metadata: { ...(candidate.metadata ?? {}), truncated: true, ...(dropped ? { droppedParts: dropped } : {}) },
  };
}
