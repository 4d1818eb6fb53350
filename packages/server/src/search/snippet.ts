import type { Highlight } from "@opensync/protocol";
import { meaningful, type ParsedQuery, type QueryTerm } from "./query.js";

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
 * Longest ending `stem` strips (`ations` plus the doubled letter it undoes): a word whose stem is
 * `s` is never more than this longer than `s`, so longer words are not candidates at all.
 */
const MAX_STEMMED_SUFFIX = 7;

/**
 * A pattern finding a term's candidates in the text, and a test of each candidate. Scanning with
 * a native regex per term (rather than splitting the text into words) keeps snippets of 60 KB
 * tool outputs cheap. A word's pattern only matches whole words at most `MAX_STEMMED_SUFFIX`
 * longer than its stem: short words of a question (`I`, `in`, `the`) would otherwise make every
 * word that starts with them a candidate (thousands per tool output, each tested with `stem`).
 */
function termPattern(term: QueryTerm): { pattern: string; accept: (found: string) => boolean } {
  switch (term.kind) {
    case "word": {
      const s = stem(term.word);
      const stems = new Map<string, string>();
      const stemOf = (f: string) => {
        let found = stems.get(f);
        if (found === undefined) stems.set(f, (found = stem(f)));
        return found;
      };
      return {
        pattern: `${NOT_AFTER_WORD}${escape(s)}${WORD_CHAR}{0,${MAX_STEMMED_SUFFIX}}(?!${WORD_CHAR})`,
        accept: (f) => f.toLowerCase() === term.word || stemOf(f) === s,
      };
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

interface TermMatcher { regex: RegExp; accept: (found: string) => boolean }

/**
 * A query's matchers, compiled once per query (a page cites up to 60 messages of 4 fields each).
 * Stopwords are not marked (a question's `the`, `in`, `I` would light up every line), unless the
 * query is nothing else: the same terms the index is asked to match (`meaningful`).
 */
const compiled = new WeakMap<ParsedQuery, TermMatcher[]>();
function matchersOf(query: ParsedQuery): TermMatcher[] {
  let matchers = compiled.get(query);
  if (!matchers) {
    matchers = meaningful(query).terms.map((term) => {
      const { pattern, accept } = termPattern(term);
      return { regex: new RegExp(pattern, "giu"), accept };
    });
    compiled.set(query, matchers);
  }
  return matchers;
}

function termRanges(text: string, { regex, accept }: TermMatcher, out: Highlight[]): void {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    const found = m[0];
    if (found.length === 0) {
      regex.lastIndex++;
      continue;
    }
    if (accept(found)) out.push([m.index, m.index + found.length]);
  }
}

/** Every matched span of `query` in `text`, sorted and merged. */
export function matchRanges(text: string, query: ParsedQuery): Highlight[] {
  const all: Highlight[] = [];
  for (const matcher of matchersOf(query)) termRanges(text, matcher, all);
  all.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Highlight[] = [];
  for (const r of all) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

export interface Snippet { snippet: string; highlights: Highlight[]; matches: number }

/** The start of the window of `maxChars` holding the most matches (for each match as its first). */
function densestStart(ranges: Highlight[], maxChars: number): number {
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
  return bestStart;
}

/**
 * Texts longer than this many windows are not flattened whole: the densest window is found in the
 * text as it is, and only the stretch around it is flattened and cut. Collapsing the whitespace of
 * every cited field (tool outputs of tens of KB) was most of what a page of snippets cost.
 */
const FLATTEN_WHOLE_WINDOWS = 4;

/**
 * The window of at most `maxChars` of `text` (whitespace collapsed) holding the most matches,
 * cut at word boundaries, with `…` where it was cut. `matches` counts the matches in all of `text`.
 */
export function makeSnippet(text: string, query: ParsedQuery, maxChars = 240): Snippet {
  if (text.length <= maxChars * FLATTEN_WHOLE_WINDOWS) return windowOf(text, query, maxChars, false, false);
  const ranges = matchRanges(text, query);
  const around = densestStart(ranges, maxChars);
  const from = Math.max(0, around - maxChars);
  const to = Math.min(text.length, around + 2 * maxChars);
  return { ...windowOf(text.slice(from, to), query, maxChars, from > 0, to < text.length), matches: ranges.length };
}

/** `makeSnippet` of `text`, a stretch of a longer text when `cutBefore` / `cutAfter`. */
function windowOf(text: string, query: ParsedQuery, maxChars: number, cutBefore: boolean, cutAfter: boolean): Snippet {
  const flat = text.replace(/\s+/g, " ").trim();
  const ranges = matchRanges(flat, query);
  if (flat.length <= maxChars && !cutBefore && !cutAfter) return { snippet: flat, highlights: ranges, matches: ranges.length };
  const bestStart = densestStart(ranges, maxChars);
  // Some context before the first match, starting at a word.
  let start = ranges.length ? Math.max(0, bestStart - Math.floor(maxChars / 4)) : 0;
  if (start > 0 || cutBefore) {
    const space = flat.indexOf(" ", start);
    const limit = ranges.length ? bestStart : Math.min(flat.length, start + maxChars / 2);
    start = space !== -1 && space < limit ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + maxChars);
  if (end < flat.length) {
    const space = flat.lastIndexOf(" ", end);
    if (space > start + maxChars / 2) end = space;
  }
  const head = start > 0 || cutBefore ? "…" : "";
  const tail = end < flat.length || cutAfter ? "…" : "";
  const highlights: Highlight[] = ranges
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]) => [s - start + head.length, e - start + head.length]);
  return { snippet: head + flat.slice(start, end) + tail, highlights, matches: ranges.length };
}
