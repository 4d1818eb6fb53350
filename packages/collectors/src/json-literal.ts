/**
 * Strings whose JSON literal is already in hand, as UTF-8 bytes: the transcript holds a tool's
 * output as a JSON string literal, and serialising and encoding 50 KB of it again for the upload
 * costs more than reading it did (issue 8). A collector remembers the literal beside the object
 * holding the string; the uploader sends it in place of the string's serialisation.
 *
 * Keyed by the holding object, and valid only while that object's property still holds the very
 * text the literal encodes: redaction, truncation and the message-size cut all put a new object
 * (or a new string) in its place, so a changed output is serialised as usual.
 */
interface Known {
  key: string;
  text: string;
  json: Buffer;
}

const known = new WeakMap<object, Known>();

/** `json` must be a JSON string literal (quotes included) whose value is `owner[key]`. */
export function rememberJsonLiteral(owner: Record<string, unknown>, key: string, json: Buffer): void {
  const text = owner[key];
  if (typeof text === "string") known.set(owner, { key, text, json });
}

/** The remembered literal of `owner[key]`, if that property still holds the text it encodes. */
export function jsonLiteralOf(owner: object, key: string): Buffer | undefined {
  const k = known.get(owner);
  return k !== undefined && k.key === key && (owner as Record<string, unknown>)[key] === k.text ? k.json : undefined;
}
