import type { Highlight } from "@opensync/protocol";
import { WORD } from "./code-terms.js";
import type { ParsedQuery, QueryTerm } from "./query.js";

/**
 * Plain-text snippets with the matched spans as offsets (never HTML: the dashboard renders them
 * safely). The index stems words (`porter`), so a word matches its variants here too ("limiting"
 * highlights "limiter" and "limit").
 */

/** A light English stemmer, enough to agree with the index on common variants. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  const m = /^(.{3,}?)(?:ations?|ers?|ings?|ed|ies|es|s|ly|ion|ions)$/.exec(w);
  return m ? m[1].replace(/(.)\1$/, "$1") : w;
}

interface Token { text: string; lower: string; start: number; end: number }

function tokensOf(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) out.push({ text: m[0], lower: m[0].toLowerCase(), start: m.index!, end: m.index! + m[0].length });
  return out;
}

function literalRanges(text: string, literal: string): Highlight[] {
  const out: Highlight[] = [];
  if (!literal) return out;
  const hay = text.toLowerCase();
  const needle = literal.toLowerCase();
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) out.push([i, i + needle.length]);
  return out;
}

function termRanges(text: string, tokens: Token[], term: QueryTerm): Highlight[] {
  switch (term.kind) {
    case "word": {
      const s = stem(term.word);
      return tokens.filter((t) => t.lower === term.word || stem(t.lower) === s).map((t) => [t.start, t.end]);
    }
    case "prefix":
      return tokens.filter((t) => t.lower.startsWith(term.word)).map((t) => [t.start, t.end]);
    case "ident": {
      // Whole tokens, and the identifier inside longer ones (`SessionStore` in `useSessionStore`).
      const out: Highlight[] = [];
      for (const t of tokens) {
        const at = t.lower.indexOf(term.word);
        if (at !== -1) out.push([t.start + at, t.start + at + term.word.length]);
      }
      return out;
    }
    case "flag":
      return literalRanges(text, term.literal).filter(([s, e]) => !/[\p{L}\p{N}_\-.]/u.test(text[s - 1] ?? " ") && !/[\p{L}\p{N}]/u.test(text[e] ?? " "));
    case "phrase": {
      const exact = literalRanges(text, term.literal);
      if (exact.length) return exact;
      // Otherwise the words in sequence, whatever separates them.
      const out: Highlight[] = [];
      const n = term.words.length;
      for (let i = 0; i + n <= tokens.length; i++) {
        let ok = true;
        for (let j = 0; j < n && ok; j++) {
          const last = j === n - 1;
          const tok = tokens[i + j].lower;
          ok = last && term.prefix ? tok.startsWith(term.words[j]) : tok === term.words[j] || stem(tok) === stem(term.words[j]);
        }
        if (ok) out.push([tokens[i].start, tokens[i + n - 1].end]);
      }
      return out;
    }
  }
}

/** Every matched span of `query` in `text`, sorted and merged. */
export function matchRanges(text: string, query: ParsedQuery): Highlight[] {
  const tokens = tokensOf(text);
  const all = query.terms.flatMap((t) => termRanges(text, tokens, t)).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Highlight[] = [];
  for (const r of all) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

export interface Snippet { snippet: string; highlights: Highlight[]; matches: number }

/**
 * The window of at most `maxChars` of `text` (whitespace collapsed) holding the most matches,
 * cut at word boundaries, with `…` where it was cut.
 */
export function makeSnippet(text: string, query: ParsedQuery, maxChars = 240): Snippet {
  const flat = text.replace(/\s+/g, " ").trim();
  const ranges = matchRanges(flat, query);
  if (flat.length <= maxChars) return { snippet: flat, highlights: ranges, matches: ranges.length };
  // The densest window: for each match as the window's first, count the matches that fit.
  let bestStart = 0;
  let bestCount = 0;
  for (let i = 0, j = 0; i < ranges.length; i++) {
    if (j < i) j = i;
    while (j < ranges.length && ranges[j][1] - ranges[i][0] <= maxChars) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      bestStart = ranges[i][0];
    }
  }
  // Some context before the first match, starting at a word.
  let start = ranges.length ? Math.max(0, bestStart - Math.floor(maxChars / 4)) : 0;
  if (start > 0) {
    const space = flat.indexOf(" ", start);
    start = space !== -1 && space < bestStart ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + maxChars);
  if (end < flat.length) {
    const space = flat.lastIndexOf(" ", end);
    if (space > start + maxChars / 2) end = space;
  }
  const head = start > 0 ? "…" : "";
  const tail = end < flat.length ? "…" : "";
  const highlights: Highlight[] = ranges
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]) => [s - start + head.length, e - start + head.length]);
  return { snippet: head + flat.slice(start, end) + tail, highlights, matches: ranges.length };
}
