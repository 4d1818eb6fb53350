/**
 * Claude Code writes the structured result of a tool call (`toolUseResult`) beside the tool_result
 * block it already put in `message.content`: for Bash, Read and Grep the same output a second time
 * (`stdout`, `file.content`, `content`), so in histories dominated by tool output it is about half
 * of the bytes. The collector never reads it, so it is cut from the line's bytes before the line is
 * decoded and parsed (issue 8: UTF-8 decoding and JSON.parse of long lines were the largest costs).
 *
 * The cut needs the member's exact extent, found by a structural scan of the line: strings are
 * skipped with `indexOf('"')` (the bytes in between are the bulk of a line and are never looked
 * at one by one), brackets are counted. Only a member of the top-level object is cut, and every
 * byte outside the member is kept: a line JSON.parse refused for a defect elsewhere (torn, trailing
 * bytes, a missing comma or value) is refused after the cut too, and a line the walk cannot follow
 * is returned as it is. What the scan does not check is the syntax *inside* the member's value
 * (escapes, numbers, commas between nested members): a line whose only defect lies there is read
 * rather than skipped. Claude Code writes every line with JSON.stringify, so that takes a file
 * corrupted in the middle of that member.
 */

import { isSpace, keyIs, plainString, scanObject, withoutMember, type Member } from "./json-scan.js";
import { withoutMemberAndLiterals } from "./tool-result-literals.js";

/**
 * The line without the top-level member `name` (a JSON string literal such as `"toolUseResult"`,
 * as bytes), or the line itself when it has no such member or does not scan as one object. The
 * cut is made in `line`'s own bytes (`withoutMember`).
 */
export function withoutTopLevelMember(line: Buffer, name: Buffer): Buffer {
  if (line.indexOf(name) === -1) return line;
  const scanned = scanObject(line, 0);
  if (!scanned) return line;
  const at = scanned.members.findIndex((m) => m.keyEnd - m.keyStart === name.length && line.compare(name, 0, name.length, m.keyStart, m.keyEnd) === 0);
  return at === -1 ? line : withoutMember(line, scanned.members, at);
}

/**
 * Bookkeeping lines (every type but the conversation's and the title lines) are read for their
 * `sessionId` and time only (`TranscriptAssembler.acceptBookkeeping`), yet they are half of the bytes
 * of a real history: api-request payloads with every tool's schema, prompt snapshots, skill listings,
 * file-history snapshots. Their members over this size are dropped before decoding and parsing; a
 * large member is searched for members under it instead when it may hold the line's time (a
 * file-history snapshot keeps its `timestamp` inside `snapshot`).
 */
const BOOKKEEPING_MEMBER_BYTES = 512;
const SHORT_LINE_BYTES = 2048;
const READ_WHOLE = new Set(["user", "assistant", "system", "summary", "custom-title", "ai-title"]);
const QUEUED_COMMAND = Buffer.from('"queued_command"');
const NESTED_TIME = new Set(["snapshot"]);

function projectObject(line: Buffer, members: Member[], nested: boolean): Buffer {
  const pieces: Buffer[] = [Buffer.from("{")];
  let first = true;
  for (const m of members) {
    let value = line.subarray(m.valueStart, m.valueEnd);
    if (m.valueEnd - m.valueStart > BOOKKEEPING_MEMBER_BYTES) {
      if (nested || !NESTED_TIME.has(line.toString("latin1", m.keyStart + 1, m.keyEnd - 1))) continue;
      const inner = scanObject(line, m.valueStart);
      if (!inner) continue;
      value = projectObject(line, inner.members, true);
    }
    if (!first) pieces.push(Buffer.from(","));
    pieces.push(line.subarray(m.keyStart, m.keyEnd), Buffer.from(":"), value);
    first = false;
  }
  pieces.push(Buffer.from("}"));
  return Buffer.concat(pieces);
}

/**
 * A Claude Code transcript line with what the collector never reads taken out, before it is
 * decoded and parsed: `toolUseResult` of user lines (above), and the large members of bookkeeping
 * lines. A queued prompt (an `attachment` holding a `queued_command`) is a user message and is kept
 * whole, as are the conversation and title lines. A line that does not scan as one object, or has
 * anything after it, is returned as it is, so JSON.parse refuses it as before; what is not checked
 * is the syntax inside a dropped value (a line whose only defect lies there is read).
 * `toolResults`, when given, receives the JSON literals of a user line's long tool outputs, found
 * by the same walk that cuts its `toolUseResult` (`withoutMemberAndLiterals`). A cut is made in
 * `line`'s own bytes (`withoutMember`): they must be the caller's to overwrite.
 */
export function withoutUnreadMembers(line: Buffer, toolResults?: (literals: Map<number, Buffer>) => void): Buffer {
  // Short lines cost less to parse than to take apart.
  if (line.length <= SHORT_LINE_BYTES) return line;
  // Which kind of line this is decides what is read. The members before `type` are small on every
  // line but the assistant's, whose `message` comes first: a line reaching its `message` before
  // its `type` is a conversation line, read whole (but for toolUseResult) without scanning further.
  let type: string | undefined;
  const head = scanObject(line, 0, (m) => {
    if (keyIs(line, m, "type")) {
      type = plainString(line, m) ?? "";
      return true;
    }
    return keyIs(line, m, "message");
  });
  if (type === "user" && toolResults && line.length > LITERAL_FROM_BYTES && line.includes(TOOL_RESULT)) {
    const read = withoutMemberAndLiterals(line, TOOL_USE_RESULT, LITERAL_FROM_BYTES);
    if (read?.literals) toolResults(read.literals);
    if (read) return read.bytes;
  }
  if (!head || type === undefined || READ_WHOLE.has(type)) return type === "user" || type === undefined ? withoutTopLevelMember(line, TOOL_USE_RESULT) : line;
  if (type === "attachment" && line.includes(QUEUED_COMMAND)) return line;
  // A bookkeeping line is read for its session and time: once both are seen, the rest (api-request
  // payloads come after them) is not walked. The line must still end as an object does.
  let last = line.length - 1;
  while (last >= 0 && isSpace(line[last])) last--;
  if (line[last] !== 0x7d) return line;
  let session = false;
  let time = false;
  const scanned = scanObject(line, 0, (m) => {
    if (keyIs(line, m, "sessionId")) session = true;
    else if (keyIs(line, m, "timestamp")) time = true;
    return session && time && !TITLE_TYPES.has(type!);
  });
  if (!scanned) return line;
  if (scanned.end !== -1) {
    let rest = scanned.end;
    while (rest < line.length && isSpace(line[rest])) rest++;
    if (rest !== line.length) return line;
    if (!scanned.members.some((m) => m.valueEnd - m.valueStart > BOOKKEEPING_MEMBER_BYTES)) return line;
  }
  return projectObject(line, scanned.members, false);
}

/** Bookkeeping lines read for more than their session and time (their members are all kept anyway). */
const TITLE_TYPES = new Set(["summary", "custom-title", "ai-title"]);

const TOOL_USE_RESULT = Buffer.from('"toolUseResult"');
const TOOL_RESULT = Buffer.from('"tool_result"');
/**
 * Tool outputs whose JSON literal takes this many bytes are handed to `toolResults`, to be sent as
 * they are (`toolResultLiterals`); for shorter ones, finding and splicing the literal costs about
 * what serialising them again does (measured: 1 KB was a loss on the standard corpus).
 */
const LITERAL_FROM_BYTES = 8192;

