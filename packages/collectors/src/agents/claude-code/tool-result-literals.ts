import { isUtf8 } from "node:buffer";
import { isSpace, stringEnd, valueEnd, withoutMember, type Member } from "./json-scan.js";

/** Names and values the walk compares, as the bytes of their JSON literals (keys hold no escape). */
const MESSAGE = Buffer.from('"message"');
const CONTENT = Buffer.from('"content"');
const TYPE = Buffer.from('"type"');
const TOOL_RESULT = Buffer.from('"tool_result"');

const bytesAre = (line: Buffer, start: number, end: number, literal: Buffer) =>
  end - start === literal.length && line.compare(literal, 0, literal.length, start, end) === 0;

/**
 * The JSON string literals of a user line's tool results, as the transcript holds them: by index
 * in `message.content`, the bytes of each `tool_result` block's string `content` (quotes included).
 * The uploader sends such a literal as it is when the output reaches it unchanged, instead of
 * serialising and encoding the same text again (issue 8: most of a tool-heavy history's bytes).
 *
 * One walk down the line (`message` → `content` → each block), every other value skipped as the
 * cut of `toolUseResult` skips it. The literal must be the very value JSON.parse gave the
 * collector, so the walk follows the parse: the last member of a name wins, as in JSON.parse. A key
 * written with an escape (`"con\u0074ent"`) would be the same name to JSON.parse but not to a byte
 * comparison, so a key with a backslash on the way gives up on the whole line, as does anything
 * that does not scan. A literal whose bytes are not valid UTF-8 is left out: the collector's text
 * holds U+FFFD where the bytes do not.
 */
export function toolResultLiterals(line: Buffer, minBytes = 0): Map<number, Buffer> | undefined {
  return walkUserLine(line, minBytes)?.literals;
}

/**
 * The line without its top-level member `name` (as `withoutTopLevelMember` cuts it) and the
 * literals of its tool results (as `toolResultLiterals` finds them), from one walk of the line: the
 * cut walks past the same tool outputs. `undefined` when the walk does not get through the line
 * (the caller cuts it the usual way and sends its outputs as strings).
 */
export function withoutMemberAndLiterals(line: Buffer, name: Buffer, minBytes = 0): { bytes: Buffer; literals?: Map<number, Buffer> } | undefined {
  const walked = walkUserLine(line, minBytes);
  if (!walked) return undefined;
  const at = walked.members.findIndex((m) => bytesAre(line, m.keyStart, m.keyEnd, name));
  return { bytes: at === -1 ? line : withoutMember(line, walked.members, at), literals: walked.literals };
}

function walkUserLine(line: Buffer, minBytes: number): { members: Member[]; literals?: Map<number, Buffer> } | undefined {
  let found: Map<number, Buffer> | undefined;
  const members: Member[] = [];
  const end = walkObject(
    line,
    0,
    (keyStart, keyEnd, at) => {
      if (!bytesAre(line, keyStart, keyEnd, MESSAGE)) return undefined;
      found = undefined; // a later `message` replaces an earlier one
      return walkObject(line, at, (keyStart, keyEnd, at) => {
        if (!bytesAre(line, keyStart, keyEnd, CONTENT)) return undefined;
        found = undefined;
        return walkBlocks(line, at, (index, literal) => {
          if (literal.length >= minBytes) (found ??= new Map()).set(index, literal);
        });
      });
    },
    members,
  );
  if (end === -1) return undefined;
  if (found) {
    for (const [index, literal] of found) {
      if (!isUtf8(literal)) found.delete(index);
      // A copy: the line is a view of the reader's buffer, which the next read overwrites (jsonl.ts).
      else found.set(index, Buffer.from(literal));
    }
  }
  return { members, literals: found?.size ? found : undefined };
}

/** The elements of `content`: for each object whose last `type` is `tool_result`, its last string `content`. */
function walkBlocks(line: Buffer, from: number, literal: (index: number, bytes: Buffer) => void): number {
  let i = skipSpace(line, from);
  if (line[i] !== 0x5b) return valueEnd(line, i); // not an array: no tool results, keep walking
  i = skipSpace(line, i + 1);
  if (line[i] === 0x5d) return i + 1;
  for (let index = 0; ; index++) {
    i = skipSpace(line, i);
    let end: number;
    if (line[i] === 0x7b) {
      let toolResult = false;
      let content: Buffer | undefined;
      end = walkObject(line, i, (keyStart, keyEnd, at) => {
        const isType = bytesAre(line, keyStart, keyEnd, TYPE);
        if (!isType && !bytesAre(line, keyStart, keyEnd, CONTENT)) return undefined;
        const e = valueEnd(line, at);
        if (e === -1) return -1;
        if (isType) toolResult = bytesAre(line, at, e, TOOL_RESULT);
        else content = line[at] === 0x22 ? line.subarray(at, e) : undefined;
        return e;
      });
      if (end !== -1 && toolResult && content) literal(index, content);
    } else end = valueEnd(line, i);
    if (end === -1) return -1;
    i = skipSpace(line, end);
    if (line[i] === 0x5d) return i + 1;
    if (line[i] !== 0x2c) return -1;
    i++;
  }
}

/**
 * Walks the object that opens at `from`: `member(keyStart, keyEnd, at)` may walk the value at `at`
 * itself and return the index past it; `undefined` skips it. Returns the index past the object,
 * -1 when the bytes do not scan as one or a key holds an escape.
 */
function walkObject(
  line: Buffer, from: number, member: (keyStart: number, keyEnd: number, at: number) => number | undefined, members?: Member[],
): number {
  let i = skipSpace(line, from);
  if (line[i] !== 0x7b) return -1;
  i = skipSpace(line, i + 1);
  if (line[i] === 0x7d) return i + 1;
  for (;;) {
    i = skipSpace(line, i);
    if (line[i] !== 0x22) return -1;
    const keyStart = i;
    const keyEnd = stringEnd(line, i);
    if (keyEnd === -1) return -1;
    for (let k = i + 1; k < keyEnd - 1; k++) if (line[k] === 0x5c) return -1;
    i = skipSpace(line, keyEnd);
    if (line[i] !== 0x3a) return -1;
    i = skipSpace(line, i + 1);
    const valueStart = i;
    const end = member(keyStart, keyEnd, i) ?? valueEnd(line, i);
    if (end === -1) return -1;
    members?.push({ keyStart, keyEnd, valueStart, valueEnd: end });
    i = skipSpace(line, end);
    if (line[i] === 0x7d) return i + 1;
    if (line[i] !== 0x2c) return -1;
    i++;
  }
}

function skipSpace(line: Buffer, i: number): number {
  while (i < line.length && isSpace(line[i])) i++;
  return i;
}
