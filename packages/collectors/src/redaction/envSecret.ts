import type { Detector } from "./detector.js";
import { isRedacted, marker } from "./marker.js";

// `NAME=value`, `NAME: value`, `"NAME": "value"`, `NAME := "value"` where NAME ends in a secret
// word. Only the value is replaced. The hard part is leaving code alone (`password: string`,
// `const token = getToken()`, `apiKey: process.env.API_KEY`), so values are classified:
//
//   quoted value        -> redacted unless empty or a reference (`${X}`, `$X`, `{{ x }}`, `%X%`)
//                          or a template literal with `${`
//   unquoted, "strong"  -> redacted unless a reference, a call, a member chain (`cfg.key`,
//   context (NAME is       `process.env.X`) or a type word
//   UPPER_CASE or --flag=)
//   unquoted, otherwise -> redacted only when it cannot be code: a bare identifier needs a digit
//                          (`hunter2` goes, `accessToken` stays); member chains, calls, generics,
//                          type words stay.
//
// Placeholders such as `xxx`, `changeme` or `<your-token>` are redacted like real values: telling
// them apart would need a list that is never complete, and redacting a placeholder costs nothing.

/** The secret word must end the name (or be followed by `_KEY`): `DB_PASSWORD`, `accessToken`,
 * `SECRET_KEY`, but not `max_tokens`, `tokenizer`, `PASSWORD_FILE`, `tokenCount`. */
const KEYWORD =
  /(?:secret|passw(?:or)?d|token|api[_-]?key|private[_-]?key|access[_-]?key)(?:[_-]?key)?(?![A-Za-z0-9_])/gi;
/** Names ending in TOKEN that are not credentials: tokenizer specials and pagination cursors. */
const NOT_SECRET_NAME =
  /(?:eos|bos|pad|unk|sep|cls|mask|eot|stop|special|page|next|continuation|cancellation|sync)[_-]?token$/i;
/** A whole field name that holds a secret (object keys in `redactValue`). */
const SECRET_FIELD_NAME = new RegExp(`(?:${KEYWORD.source})$`, "i");
/** Closing quote of a quoted key, optional `?` (TypeScript), then `:`, `=`, `:=`; not `==`, `=>`, `::`. */
const SEPARATOR = /(?:\\?["'])?\??[ \t]*(?::=|:(?!:)|=(?![=>~]))[ \t]*/y;

const MAX_VALUE = 4096;
const MARK = marker("env-secret");

const REFERENCE = /^(?:\$\{[^}]*\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\{\{.*\}\}|<%.*%>)$/s;
const UNQUOTED_REFERENCE_START = /^(?:\$|%[A-Za-z_][A-Za-z0-9_]*%|\{|\[|<%|[:@][A-Za-z_]\w*$)/;
const CALL = /^[A-Za-z_$][\w$.]*\(/;
const ENV_LOOKUP = /^(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|Deno\.env|ENV\[)/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const MEMBER_CHAIN = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/;
const CODE_AFTER_IDENTIFIER = /^[.<[|&!?(]/;
const TYPE_WORDS = new Set([
  "string", "number", "boolean", "bool", "bigint", "symbol", "any", "unknown", "never", "object",
  "void", "null", "undefined", "true", "false", "none", "nil", "str", "int", "integer", "float",
  "bytes", "text", "optional", "required", "new", "await", "typeof", "this", "self", "function",
]);

interface ValueSpan {
  start: number;
  end: number;
  quote: string | undefined;
}

/** KEYWORD tried at one position (an occurrence of the trigger, which every keyword starts with). */
const KEYWORD_AT = new RegExp(KEYWORD.source, "iy");

export const envSecretDetector: Detector = {
  kind: "env-secret",
  // Every occurrence: the trigger scan already visits each position where a keyword can start, so
  // this pass tries only those instead of running KEYWORD over the whole text a second time.
  trigger: {
    source: "secret|passw(?:or)?d|token|api[_-]?key|private[_-]?key|access[_-]?key",
    ignoreCase: true,
    everyOccurrence: true,
  },
  redact(text, occurrences) {
    let out = "";
    let last = 0;
    let changed = false;
    // No name's keyword starts before this: past the last keyword, or past a value kept.
    let resume = 0;
    let next = 0; // the next occurrence to try
    for (;;) {
      let keyStart = -1;
      let keyEnd = -1;
      if (occurrences) {
        // The same keywords, in the same order, as the global KEYWORD search below: a keyword
        // starts with a trigger, and each occurrence from `resume` on is tried, leftmost first.
        for (; next < occurrences.length && keyStart === -1; next++) {
          const at = occurrences[next]!;
          if (at < resume) continue;
          KEYWORD_AT.lastIndex = at;
          const m = KEYWORD_AT.exec(text);
          if (m !== null) {
            keyStart = at;
            keyEnd = at + m[0].length;
          }
        }
      } else {
        KEYWORD.lastIndex = resume;
        const m = KEYWORD.exec(text);
        if (m !== null) {
          keyStart = m.index;
          keyEnd = m.index + m[0].length;
        }
      }
      if (keyStart === -1) break;
      resume = keyEnd;
      SEPARATOR.lastIndex = keyEnd;
      const sep = SEPARATOR.exec(text);
      if (sep === null) continue;
      const span = readValue(text, keyEnd + sep[0].length);
      if (span === undefined) continue;
      const value = text.slice(span.start, span.end);
      // Keywords inside a value we keep (`${OPENAI_API_KEY:-}`) are not names: skip past it.
      resume = Math.max(resume, span.end);
      const start = nameStart(text, keyStart);
      const name = text.slice(start, keyEnd);
      if (NOT_SECRET_NAME.test(name)) continue;
      const strong = () => !/[a-z]/.test(name) || (start >= 2 && text.startsWith("--", start - 2));
      if (!shouldRedact(value, span.quote, strong)) continue;
      out += text.slice(last, span.start) + MARK;
      last = span.end;
      changed = true;
    }
    return changed ? out + text.slice(last) : text;
  },
};

function readValue(text: string, at: number): ValueSpan | undefined {
  const c = text[at];
  if (c === undefined) return undefined;
  // A double-encoded JSON string: \"NAME\": \"value\"
  if (c === "\\" && (text[at + 1] === '"' || text[at + 1] === "'")) {
    const start = at + 2;
    let i = start;
    while (i < text.length && i - start < MAX_VALUE && text[i] !== "\\" && text[i] !== "\n") i++;
    return text[i] === "\\" ? { start, end: i, quote: text[at + 1] } : undefined;
  }
  if (c === '"' || c === "'" || c === "`") {
    const start = at + 1;
    for (let i = start; i < text.length && i - start < MAX_VALUE; i++) {
      const ch = text[i];
      if (ch === "\\") i++;
      else if (ch === c) return { start, end: i, quote: c };
      else if (ch === "\n" && c !== "`") break;
    }
    // No closing quote (truncated text): treat what follows as an unquoted value.
    return { start, end: unquotedEnd(text, start), quote: undefined };
  }
  return { start: at, end: unquotedEnd(text, at), quote: undefined };
}

function unquotedEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && i - start < MAX_VALUE && !isUnquotedStop(text.charCodeAt(i))) i++;
  return i;
}

function isUnquotedStop(code: number): boolean {
  // whitespace, quotes, `,` `;` `&` and closing brackets
  return (
    code <= 0x20 || code === 0x22 || code === 0x27 || code === 0x60 || code === 0x2c ||
    code === 0x3b || code === 0x26 || code === 0x29 || code === 0x5d || code === 0x7d
  );
}

/** Start of the identifier that ends with the keyword at `keywordStart`. */
function nameStart(text: string, keywordStart: number): number {
  let start = keywordStart;
  while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
  return start;
}

function isNameChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f
  );
}

function shouldRedact(value: string, quote: string | undefined, strong: () => boolean): boolean {
  if (value.length === 0 || isRedacted(value)) return false;
  if (quote !== undefined) {
    if (REFERENCE.test(value)) return false;
    return !(quote === "`" && value.includes("${"));
  }
  if (!/[A-Za-z0-9]/.test(value)) return false;
  if (UNQUOTED_REFERENCE_START.test(value) || CALL.test(value) || ENV_LOOKUP.test(value)) return false;
  if (MEMBER_CHAIN.test(value)) return false;
  if (TYPE_WORDS.has(value.toLowerCase())) return false;
  if (strong()) return true;
  const ident = IDENTIFIER.exec(value);
  if (ident === null) return true;
  const rest = value.slice(ident[0].length);
  if (rest.length === 0) return /\d/.test(ident[0]);
  return !CODE_AFTER_IDENTIFIER.test(rest);
}

/**
 * For `redactValue`: an object field whose name says it holds a secret (`password`,
 * `accessToken`, `OPENAI_API_KEY`) and whose string value is a literal, not a reference.
 */
export function isSecretField(name: string, value: string): boolean {
  return SECRET_FIELD_NAME.test(name) && !NOT_SECRET_NAME.test(name) && shouldRedact(value, '"', () => true);
}
