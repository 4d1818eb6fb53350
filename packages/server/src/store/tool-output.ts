import type { MessageUpsert, Part } from "@opensync/protocol";

/**
 * A tool message's output is stored once (issue 8, import speed on tool-heavy histories).
 *
 * Collectors send a `tool` message's output twice, as its `textContent` and as the `output` of its
 * `tool-result` part, and the server used to store both: every large output was serialised,
 * converted to UTF-8 and written twice, and took twice its size on disk. Now, when the stored text
 * is exactly the only tool-result's output, the part is stored without `output` and with this
 * marker instead, and every reader puts the text back (`withStoredOutputs`), so the API returns
 * exactly what was sent. One rule for every backend: it lives in the shared Kysely repository.
 */
export const OUTPUT_IS_TEXT = "$outputIsText";

type PartUpsert = NonNullable<MessageUpsert["parts"]>[number];

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** The JSON a part is stored as, for a message of `role` whose stored text is `text`. */
export function storedPartContent(part: PartUpsert, role: string, text: string | null, parts: readonly PartUpsert[]): string {
  const content = part.content;
  if (
    role === "tool" &&
    text !== null &&
    part.type === "tool-result" &&
    isRecord(content) &&
    content.output === text &&
    !(OUTPUT_IS_TEXT in content) &&
    parts.length === 1
  ) {
    const { output: _inText, ...rest } = content;
    return JSON.stringify({ ...rest, [OUTPUT_IS_TEXT]: true });
  }
  return JSON.stringify(content ?? null);
}

/** Whether stored part content (parsed) has its output in the message's text. */
export function outputIsInText(content: unknown): content is Record<string, unknown> {
  return isRecord(content) && content[OUTPUT_IS_TEXT] === true && !("output" in content);
}

/** The content as it was sent: the marker replaced by the output, which is the message's text. */
export function withOutput(content: Record<string, unknown>, text: string | null): Record<string, unknown> {
  const { [OUTPUT_IS_TEXT]: _marker, ...rest } = content;
  return { ...rest, output: text ?? "" };
}

/** A message's parts as read back, with every output stored in the text put back. */
export function withStoredOutputs(parts: Part[], text: string | null): Part[] {
  let copy: Part[] | undefined;
  parts.forEach((p, i) => {
    if (p.type !== "tool-result" || !outputIsInText(p.content)) return;
    copy ??= parts.slice();
    copy[i] = { ...p, content: withOutput(p.content, text) };
  });
  return copy ?? parts;
}

/** The LIKE pattern that finds stored parts carrying the marker (as JSON.stringify writes it). */
export const OUTPUT_IS_TEXT_LIKE = `%"${OUTPUT_IS_TEXT}":true%`;
