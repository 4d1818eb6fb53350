import { describe, expect, it } from "vitest";
import { parseQuery } from "./query.js";
import { makeSnippet } from "./snippet.js";

const marked = (text: string, q: string, max?: number) => {
  const s = makeSnippet(text, parseQuery(q), max);
  return { snippet: s.snippet, marks: s.highlights.map(([a, b]) => s.snippet.slice(a, b)) };
};

describe("snippets", () => {
  it("marks words and their variants, identifier pieces, paths, flags and phrases", () => {
    expect(marked("we added a rate limiter; limiting works", "rate limiting").marks).toEqual(["rate", "limiter", "limiting"]);
    expect(marked("const useSessionStore = create()", "SessionStore").marks).toEqual(["SessionStore"]);
    expect(marked("see src/lib/auth.ts line 4", "src/lib/auth.ts").marks).toEqual(["src/lib/auth.ts"]);
    expect(marked("npm i --force, not --force-with-lease or force", "--force").marks).toEqual(["--force"]);
    expect(marked("TypeError: Cannot read properties of undefined", `"cannot read properties"`).marks).toEqual(["Cannot read properties"]);
    expect(marked("useSessionStore and useSession", "useSess*").marks).toEqual(["useSessionStore", "useSession"]);
  });

  it("cuts long text around the densest matches, at word boundaries, with … and shifted offsets", () => {
    const text = "lorem ipsum ".repeat(100) + "the ECONNREFUSED error on port 5432 ECONNREFUSED again " + "dolor sit ".repeat(100);
    const { snippet, marks } = marked(text, "ECONNREFUSED", 120);
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(122);
    expect(marks).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
  });

  it("is plain text: markup stays text, whitespace collapses", () => {
    const { snippet, marks } = marked("<b>bold</b>\n\n  ECONNREFUSED", "ECONNREFUSED");
    expect(snippet).toBe("<b>bold</b> ECONNREFUSED");
    expect(marks).toEqual(["ECONNREFUSED"]);
  });

  it("does not mark a question's stopwords, unless the query has nothing else", () => {
    expect(marked("I think the cache leaks in the worker", "where is the cache leak").marks).toEqual(["cache", "leaks"]);
    expect(marked("to be or not to be", "to be").marks).toEqual(["to", "be", "to", "be"]);
  });

  it("marks only whole words a stem can reach: `log` is not found in `login` or `catalog`", () => {
    expect(marked("login logs catalog logging blog", "log").marks).toEqual(["logs", "logging"]);
    expect(marked("limits limiting limitlessness", "limit").marks).toEqual(["limits", "limiting"]);
  });

  it("cuts a long text around its densest matches without flattening all of it, counting every match", () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}\n\t  of   output`).join("\n");
    const text = `${filler(400)}\nfirst ECONNREFUSED\n${filler(300)}\n  ECONNREFUSED   ECONNREFUSED\n\n ECONNREFUSED ${filler(500)}\nlast ECONNREFUSED`;
    const s = makeSnippet(text, parseQuery("ECONNREFUSED"), 120);
    expect(s.matches).toBe(5);
    expect(s.snippet.startsWith("…")).toBe(true);
    expect(s.snippet.endsWith("…")).toBe(true);
    expect(s.snippet).not.toMatch(/\s{2}|\n|\t/);
    expect(s.snippet.length).toBeLessThanOrEqual(122);
    expect(s.highlights.map(([a, b]) => s.snippet.slice(a, b))).toEqual(["ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"]);
    // Starts at a word: no piece of a word cut in half after the ellipsis.
    expect(s.snippet.slice(1)).toMatch(/^(line|of|output|\d+|ECONNREFUSED)\b/);
  });

  it("gives a long text without a match its beginning", () => {
    const text = "alpha beta gamma ".repeat(200);
    const s = makeSnippet(text, parseQuery("zeta"), 100);
    expect(s.matches).toBe(0);
    expect(s.snippet.startsWith("alpha")).toBe(true);
    expect(s.snippet.endsWith("…")).toBe(true);
  });
});
