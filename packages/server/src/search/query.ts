import { camelParts, compoundRuns, FLAG_TOKEN, flagTerm, WORD } from "./code-terms.js";

/**
 * A search query as people type it, parsed once and rendered for FTS5 (`toFts5`) and for the
 * snippet highlighter (`snippet.ts`). Every term must match (AND); a query whose terms do not all
 * occur anywhere is retried with any of its meaningful terms (`anyOf`), ranked by BM25, which is
 * what a question in plain words ("where did I set up rate limiting") needs.
 */
export type QueryTerm =
  /** A plain word. */
  | { kind: "word"; word: string }
  /** Words in sequence: a quoted phrase, or one token with separators (a path, `a.b`, `snake_case`). */
  | { kind: "phrase"; words: string[]; literal: string; prefix: boolean }
  /** An identifier with case changes: found whole, or as a piece of a longer one. */
  | { kind: "ident"; word: string; parts: string[] }
  /** `useSess*`: words starting with this. */
  | { kind: "prefix"; word: string }
  /** `--force`, `-f`: the flag, not the word. */
  | { kind: "flag"; literal: string; term: string };

export interface ParsedQuery {
  terms: QueryTerm[];
}

/** Words too common to mean anything in a question; dropped from `anyOf` queries only. */
const STOPWORDS = new Set(
  ("a an and are as at be but by can could did do does for from had has have how i if in into is it its me my " +
    "no not of on or our so that the their then there these this those to up was we were what when where which " +
    "who why will with would you your").split(" "),
);

const words = (text: string) => [...text.matchAll(WORD)].map((m) => m[0]);

export function parseQuery(input: string): ParsedQuery {
  const terms: QueryTerm[] = [];
  // Quoted phrases first; what is left is split on whitespace.
  const rest = input.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const ws = words(phrase).map((w) => w.toLowerCase());
    if (ws.length === 1) terms.push({ kind: "word", word: ws[0] });
    else if (ws.length > 1) terms.push({ kind: "phrase", words: ws, literal: phrase.trim(), prefix: false });
    return " ";
  });
  for (const raw of rest.split(/\s+/)) {
    // Sentence punctuation around a token is not part of it; a trailing `*` is kept (prefix).
    const token = raw.replace(/^[^\p{L}\p{N}\-_./~@]+/u, "").replace(/[^\p{L}\p{N}*]+$/u, "");
    if (!token) continue;
    const flag = FLAG_TOKEN.exec(token);
    if (flag) {
      terms.push({ kind: "flag", literal: token, term: flagTerm(flag[1], flag[2]) });
      continue;
    }
    const prefix = token.endsWith("*");
    const ws = words(token);
    if (ws.length === 0) continue;
    if (ws.length > 1) {
      terms.push({ kind: "phrase", words: ws.map((w) => w.toLowerCase()), literal: token.replace(/\*$/, ""), prefix });
    } else if (prefix) {
      terms.push({ kind: "prefix", word: ws[0].toLowerCase() });
    } else {
      const parts = camelParts(ws[0]);
      if (parts.length > 1) terms.push({ kind: "ident", word: ws[0].toLowerCase(), parts: parts.map((p) => p.toLowerCase()) });
      else terms.push({ kind: "word", word: ws[0].toLowerCase() });
    }
  }
  return { terms };
}

/** The query without stopwords (unless that leaves nothing): what must match. */
export function meaningful(query: ParsedQuery): ParsedQuery {
  const terms = query.terms.filter((t) => !(t.kind === "word" && STOPWORDS.has(t.word)));
  return terms.length ? { terms } : query;
}

/** The same (meaningful) query, any term of which may match; null when that is the same query. */
export function anyOf(query: ParsedQuery): ParsedQuery | null {
  const terms = meaningful(query).terms;
  return terms.length > 1 ? { terms } : null;
}

/** FTS5 string literal (the words hold only letters and digits; quotes are doubled anyway). */
const lit = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * A path or `snake_case` typed whole is one run of words in `terms` (code-terms.ts
 * `compoundRuns`): one rare word of the index instead of a phrase of common ones. Null when the
 * phrase is not such a compound (prose in quotes, a prefix).
 */
function compoundRun(term: Extract<QueryTerm, { kind: "phrase" }>): string | null {
  const run = term.words.join("");
  return !term.prefix && compoundRuns(term.literal).some((r) => r.toLowerCase() === run) ? run : null;
}

/**
 * What FTS5 does for a term beyond reading doclists: `positions`, a phrase checked in every
 * document with all its words (prose in quotes); `prefix`, every index word starting with it
 * merged into one doclist before the first row (a prefix, or a phrase ending in one); `none`.
 */
export function termCost(term: QueryTerm): "positions" | "prefix" | "none" {
  if (term.kind === "prefix" || (term.kind === "phrase" && term.prefix)) return "prefix";
  if (term.kind === "phrase" && compoundRun(term) === null) return "positions";
  return "none";
}

function termToFts5(term: QueryTerm): string {
  switch (term.kind) {
    case "word":
      return lit(term.word);
    case "phrase": {
      const run = compoundRun(term);
      if (run !== null) return `terms : ${lit(run)}`;
      // Otherwise the phrase, with the pairs of words it has whole (a prefix's last word is not),
      // which spare FTS5 part of the phrase's position checks.
      const phrase = lit(term.words.join(" ")) + (term.prefix ? " *" : "");
      const literal = term.prefix ? term.literal.replace(/[\p{L}\p{N}]+$/u, "") : term.literal;
      const pairs = [...new Set(compoundRuns(literal, 2).map((p) => p.toLowerCase()))];
      return pairs.length ? `(${phrase} AND terms : (${pairs.map(lit).join(" AND ")}))` : phrase;
    }
    case "ident":
      // One word: whole in the text, or a piece of a longer identifier in `terms` (code-terms.ts).
      return lit(term.word);
    case "prefix":
      return `${lit(term.word)} *`;
    case "flag":
      return `terms : ${lit(term.term)}`;
  }
}

/** The FTS5 MATCH expression: every term (`all`) or any term. Null when the query has no terms. */
export function toFts5(query: ParsedQuery, mode: "all" | "any" = "all"): string | null {
  if (query.terms.length === 0) return null;
  return query.terms.map(termToFts5).join(mode === "all" ? " AND " : " OR ");
}
