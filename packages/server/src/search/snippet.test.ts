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
});
