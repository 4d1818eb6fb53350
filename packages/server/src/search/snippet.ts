import type { Highlight } from "@opensync/protocol";
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

/** Escapes regex syntax (in `u` mode only syntax characters may be escaped). */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const WORD_CHAR = "[\\p{L}\\p{N}]";
const NOT_AFTER_WORD = `(?<!${WORD_CHAR})`;

/**
 * A pattern finding a term's candidates in the text, and a test of each candidate. Scanning with
 * a native regex per term (rather than splitting the text into words) keeps snippets of 60 KB
 * tool outputs cheap.
 */
function termPattern(term: QueryTerm): { pattern: string; accept: (found: string) => boolean } {
  switch (term.kind) {
    case "word": {
      const s = stem(term.word);
      return { pattern: `${NOT_AFTER_WORD}${escape(s)}${WORD_CHAR}*`, accept: (f) => f.toLowerCase() === term.word || stem(f) === s };
    }
    case "prefix":
      return { pattern: `${NOT_AFTER_WORD}${escape(term.word)}${WORD_CHAR}*`, accept: () => true };
    case "ident":
      // Whole, and inside longer identifiers (`SessionStore` in `useSessionStore`).
      return { pattern: escape(term.word), accept: () => true };
    case "flag":
      return { pattern: `(?<![\\p{L}\\p{N}_\\-.])${escape(term.literal)}(?![\\p{L}\\p{N}_\\-])`, accept: () => true };
    case "phrase": {
      // The literal text, or the words in sequence whatever separates them (stems, like the index).
      const words = term.words.map((w, i) => escape(i === term.words.length - 1 && term.prefix ? w : stem(w)) + `${WORD_CHAR}*`);
      return { pattern: `${escape(term.literal)}|${NOT_AFTER_WORD}${words.join(`[^\\p{L}\\p{N}]+`)}`, accept: () => true };
    }
  }
}

function termRanges(text: string, term: QueryTerm): Highlight[] {
  const { pattern, accept } = termPattern(term);
  const out: Highlight[] = [];
  for (const m of text.matchAll(new RegExp(pattern, "giu"))) {
    if (m[0].length > 0 && accept(m[0])) out.push([m.index!, m.index! + m[0].length]);
  }
  return out;
}

/** Every matched span of `query` in `text`, sorted and merged. */
export function matchRanges(text: string, query: ParsedQuery): Highlight[] {
  const all = query.terms.flatMap((t) => termRanges(text, t)).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
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
