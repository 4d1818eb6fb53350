/**
 * A structural scan of one JSON line's bytes: strings are skipped with `indexOf('"')` (the bytes
 * in between are the bulk of a line and are never looked at one by one), brackets are counted, and
 * the members of an object come back as byte offsets. What it does not check is the syntax inside
 * the values it skips (escapes, numbers, commas between nested members).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

export const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index just past the string that opens at `at` (a `"`), or -1 when it never closes. */
export function stringEnd(line: Buffer, at: number): number {
  let q = at + 1;
  for (;;) {
    q = line.indexOf(QUOTE, q);
    if (q === -1) return -1;
    let backslashes = 0;
    while (line[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    q++;
  }
}

/**
 * Index just past the JSON value that starts at `from` (after any whitespace was skipped): a
 * string, a balanced object or array, or a number or literal, which ends at the next comma,
 * whitespace or closing bracket. -1 when the line ends first or a bracket does not match.
 */
export function valueEnd(line: Buffer, from: number): number {
  let depth = 0;
  let i = from;
  while (i < line.length) {
    const b = line[i];
    if (b === QUOTE) {
      i = stringEnd(line, i);
      if (i === -1) return -1;
      if (depth === 0) return i;
      continue;
    }
    if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      if (depth === 0) return i === from ? -1 : i; // a number or literal ends at its container's bracket
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (b === COMMA || isSpace(b))) return i === from ? -1 : i;
    i++;
  }
  return depth === 0 && i > from ? i : -1;
}

/** One member of an object: byte offsets of its key (quotes included) and of its value. */
export interface Member {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * The members of the object that opens at `from` (whitespace skipped), and the index just past its
 * closing brace; `undefined` when the bytes do not scan as an object. With `stopAfter`, the scan
 * stops after the first member it accepts (`end` is then -1).
 */
export function scanObject(line: Buffer, from: number, stopAfter?: (m: Member) => boolean): { members: Member[]; end: number } | undefined {
  let i = from;
  while (i < line.length && isSpace(line[i])) i++;
  if (line[i] !== 0x7b) return undefined;
  i++;
  const members: Member[] = [];
  while (i < line.length && isSpace(line[i])) i++;
  if (line[i] === 0x7d) return { members, end: i + 1 };
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (line[i] !== QUOTE) return undefined;
    const keyStart = i;
    const keyEnd = stringEnd(line, i);
    if (keyEnd === -1) return undefined;
    i = keyEnd;
    while (i < line.length && isSpace(line[i])) i++;
    if (line[i] !== COLON) return undefined;
    i++;
    while (i < line.length && isSpace(line[i])) i++;
    const valueStart = i;
    const end = valueEnd(line, i);
    if (end === -1) return undefined;
    const member = { keyStart, keyEnd, valueStart, valueEnd: end };
    members.push(member);
    if (stopAfter?.(member)) return { members, end: -1 };
    i = end;
    while (i < line.length && isSpace(line[i])) i++;
    if (line[i] === 0x7d) return { members, end: i + 1 };
    if (line[i] !== COMMA) return undefined;
    i++;
  }
}

export const keyIs = (line: Buffer, m: Member, name: string) =>
  m.keyEnd - m.keyStart === name.length + 2 && line.toString("latin1", m.keyStart + 1, m.keyEnd - 1) === name;

/** A string value's text when it is a plain JSON string without escapes (line types are). */
export function plainString(line: Buffer, m: Member): string | undefined {
  if (line[m.valueStart] !== QUOTE) return undefined;
  const text = line.toString("latin1", m.valueStart + 1, m.valueEnd - 1);
  return text.includes("\\") ? undefined : text;
}

/**
 * The line without member `at` and one comma: the one before it, else the one after it (a member
 * follows it: `{"toolUseResult":1,}` never scans as an object, so it stays as invalid as it is).
 *
 * The cut is made in place: the bytes after the cut move up over it and the result is a view of
 * `line`, whose bytes past the result are then stale. Callers pass bytes that are theirs to
 * overwrite (the reader's line, read again for the next line). A copy of the rest of the line,
 * as before, cost ~0.1 s per 100 MB of tool output; the member cut is usually near the end, so
 * little moves.
 */
export function withoutMember(line: Buffer, members: Member[], at: number): Buffer {
  const m = members[at];
  const [from, to] = at > 0 ? [members[at - 1].valueEnd, m.valueEnd] : members.length > 1 ? [m.keyStart, members[1].keyStart] : [m.keyStart, m.valueEnd];
  line.copyWithin(from, to);
  return line.subarray(0, line.length - (to - from));
}
