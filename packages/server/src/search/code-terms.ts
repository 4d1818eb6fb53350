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

/**
 * An identifier cut at its case changes: `useSessionStore` → use, Session, Store; `HTTPServer` →
 * HTTP, Server; `parseJSON` → parse, JSON. Digits do not cut (`TS2345`, `v8` stay whole).
 */
export function camelParts(word: string): string[] {
  return word
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .split(" ");
}

/** The derived word standing for a flag: `--dry-run` → `dashdashdryrun`, `-f` → `dashf`. */
export function flagTerm(dashes: string, name: string): string {
  return (dashes === "--" ? "dashdash" : "dash") + name.replace(/-/g, "").toLowerCase();
}

/** A flag where a command line has one: after a space, a quote, `(` or `=`, or at the start. */
const FLAG = /(?<![\p{L}\p{N}_\-./])(--?)([A-Za-z][A-Za-z0-9-]*)/gu;

/** A whole query token that is a flag. */
export const FLAG_TOKEN = /^(--?)([A-Za-z][A-Za-z0-9-]*)$/;

/**
 * The `terms` column of a document: the parts of every identifier with case changes, each
 * identifier's parts together (so `SessionStore` is the phrase "session store" inside "use
 * session store"), and a derived word per flag.
 */
export function deriveTerms(text: string): string {
  const out: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    // Cheap test first: only mixed-case words can have case changes.
    if (word.length < 4 || word === word.toLowerCase() || word === word.toUpperCase()) continue;
    const parts = camelParts(word);
    if (parts.length > 1) out.push(parts.join(" "));
  }
  if (text.includes("-")) {
    for (const match of text.matchAll(FLAG)) out.push(flagTerm(match[1], match[2]));
  }
  return out.join("\n");
}
