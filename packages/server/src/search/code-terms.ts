/**
 * How code is cut into searchable words, on both sides of the index: the documents (`document.ts`)
 * and the queries (`query.ts`). SQLite's `unicode61` tokenizer (under `porter`) keeps runs of
 * letters and digits, so `src/lib/auth.ts` becomes `src lib auth ts`, `snake_case_name` becomes
 * `snake case name` (found as phrases) and `useSessionStore`, `ECONNREFUSED`, `TS2345` stay whole
 * words. What it cannot see is a piece of an identifier (`SessionStore` in `useSessionStore`) and
 * a command-line flag as opposed to the word (`--force` vs "force"): for those each document gets
 * a derived `terms` column (`deriveTerms`), and queries ask it for the same derived words.
 */

/** A word as `unicode61` sees it: a run of letters and digits. */
export const WORD = /[\p{L}\p{N}]+/gu;

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * An identifier cut at its case changes: `useSessionStore` → use, Session, Store; `HTTPServer` →
 * HTTP, Server; `parseJSON` → parse, JSON. Digits do not cut (`TS2345`, `v8` stay whole). ASCII
 * case only, the same on the document and the query side.
 */
export function camelParts(word: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = 1; i < word.length; i++) {
    const prev = word.charCodeAt(i - 1);
    const c = word.charCodeAt(i);
    if (((isLower(prev) || isDigit(prev)) && isUpper(c)) || (isUpper(prev) && isUpper(c) && isLower(word.charCodeAt(i + 1)))) {
      parts.push(word.slice(from, i));
      from = i;
    }
  }
  parts.push(word.slice(from));
  return parts;
}

/** Parts of an identifier this long or longer are not all combined (it would be quadratic). */
const MAX_PARTS = 8;

/**
 * What an identifier contributes to `terms`: its parts and every shorter run of two or more
 * consecutive parts, written together: `useSessionStore` → use, Session, Store, useSession,
 * SessionStore (the whole word is already in the text). A piece of an identifier is then one word
 * of the index, found as fast as any word (a phrase of its parts would read the position lists of
 * words as common as "session").
 */
export function identifierPieces(parts: string[]): string[] {
  const out = [...parts];
  const n = Math.min(parts.length, MAX_PARTS);
  for (let from = 0; from < n; from++) {
    let piece = parts[from];
    for (let to = from + 1; to < n; to++) {
      piece += parts[to];
      if (from > 0 || to < parts.length - 1) out.push(piece);
    }
  }
  return out;
}

/** Words joined by single separators: a path, `snake_case_name`, `SomeClass.method`, `well-known`, `host:port`. */
const COMPOUND = /[\p{L}\p{N}]+(?:[._/\\:-][\p{L}\p{N}]+)+/gu;
const HAS_LETTER = /\p{L}/u;

/** Words of a compound joined in `terms` at most (a longer path is found by its runs' phrase). */
export const MAX_RUN = 6;

/**
 * Every run of 2 to `maxWords` consecutive words of the compounds in `text` (runs of words with a
 * letter: versions and addresses are left out), written together: `src/lib/auth.ts` → srclib,
 * srclibauth, srclibauthts, libauth, libauthts, authts. A query for a path or `snake_case` was a
 * phrase of common words (`store parse js`), which FTS5 can only match by checking positions in
 * every document that has all of them (20-55 ms at 1M generated messages); as one run it is one
 * rare word of the index (~1 ms).
 */
export function compoundRuns(text: string, maxWords = MAX_RUN): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(COMPOUND)) {
    const ws = m[0].match(WORD) ?? [];
    for (let from = 0; from < ws.length; from++) {
      if (!HAS_LETTER.test(ws[from])) continue;
      let run = ws[from];
      for (let to = from + 1; to < ws.length && to - from < maxWords; to++) {
        if (!HAS_LETTER.test(ws[to])) break;
        run += ws[to];
        out.push(run);
      }
    }
  }
  return out;
}

/** The derived word standing for a flag: `--dry-run` → `dashdashdryrun`, `-f` → `dashf`. */
export function flagTerm(dashes: string, name: string): string {
  return (dashes === "--" ? "dashdash" : "dash") + name.replace(/-/g, "").toLowerCase();
}

/** A flag where a command line has one: after a space, a quote, `(`, `[` or `=`, or at the start. */
const FLAG = /(?:^|[\s"'=(\[])(--?)([A-Za-z][A-Za-z0-9-]*)/g;

/** A whole query token that is a flag. */
export const FLAG_TOKEN = /^(--?)([A-Za-z][A-Za-z0-9-]*)$/;

/** A case change inside a word (`eS` of useSession, `PSe` of HTTPServer). ASCII only. */
const CASE_CHANGE = /[a-z0-9][A-Z]|[A-Z][A-Z][a-z]/g;

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * The `terms` column of a document: the pieces of every identifier with case changes
 * (`identifierPieces`), a derived word per flag and the word runs of compounds (`compoundRuns`). Identifiers are found from their case changes
 * (prose has none), then widened to the whole word: the indexer runs this over every tool output.
 */
export function deriveTerms(text: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const changes = new RegExp(CASE_CHANGE);
  for (let m = changes.exec(text); m; m = changes.exec(text)) {
    let start = m.index;
    while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
    let end = m.index + m[0].length;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    const word = text.slice(start, end);
    // Once per identifier per document: repeats add nothing the query side needs.
    if (!seen.has(word)) {
      seen.add(word);
      out.push(identifierPieces(camelParts(word)).join(" "));
    }
    changes.lastIndex = end;
  }
  if (text.includes("-")) {
    for (const match of text.matchAll(FLAG)) out.push(flagTerm(match[1], match[2]));
  }
  const runs = [...new Set(compoundRuns(text).map((r) => r.toLowerCase()))];
  if (runs.length) out.push(runs.join(" "));
  return out.join("\n");
}
