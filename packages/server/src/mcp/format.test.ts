import { describe, expect, test } from "vitest";
import type { Message, SearchResponse, Session } from "@opensync/protocol";
import { CUT, cut, markHighlights, PAGE_CHARS, searchText, sessionText, sessionUrl } from "./format.js";

describe("markHighlights", () => {
  test("wraps each span, in order, whatever order they come in", () => {
    expect(markHighlights("retry the backoff now", [[10, 17], [0, 5]], "<", ">")).toBe("<retry> the <backoff> now");
  });
  test("clamps spans past the end and skips overlapping or empty ones", () => {
    expect(markHighlights("abcdef", [[0, 3], [2, 4], [5, 5], [4, 99]], "[", "]")).toBe("[abc][d][ef]");
  });
  test("no spans: the text unchanged", () => {
    expect(markHighlights("plain", [], "*", "*")).toBe("plain");
  });
});

describe("cut", () => {
  test("keeps short text and says how much of a long one was left out", () => {
    expect(cut("abc", 3)).toBe("abc");
    expect(cut("abcdef", 2)).toBe("ab… [cut: 4 more characters]");
  });
});

describe("sessionUrl", () => {
  test("dashboard link, with the message anchor for a hit, ids escaped", () => {
    expect(sessionUrl("https://sync.example.com/", "s 1")).toBe("https://sync.example.com/sessions/s%201");
    expect(sessionUrl("https://sync.example.com", "s1", "m/2")).toBe("https://sync.example.com/sessions/s1#m-m%2F2");
  });
});

const session = { id: "s1", externalId: "e1", source: "opencode", title: "T", projectName: "p", projectPath: "/p", model: null, gitBranch: null, machine: null, totalTokens: 0, cost: 0, messageCount: 0, createdAt: 0, updatedAt: 0 } as unknown as Session;
const message = (i: number, text: string): Message => ({ id: `m${i}`, role: "user", textContent: text, createdAt: i, parts: [] }) as unknown as Message;

describe("sessionText", () => {
  test("a page stops near PAGE_CHARS and names the offset of the rest", () => {
    const messages = Array.from({ length: 40 }, (_, i) => message(i, "x".repeat(CUT.text)));
    const { text, page } = sessionText(session, messages, 0, 200, "http://h");
    const fits = Math.floor(PAGE_CHARS / (CUT.text + 40));
    expect(page.returned).toBeGreaterThanOrEqual(fits - 1);
    expect(page.returned).toBeLessThanOrEqual(fits);
    expect(page.nextOffset).toBe(page.returned);
    expect(text).toContain(`More: call get_session with {"id": "s1", "offset": ${page.returned}}.`);
    expect(text.length).toBeLessThan(PAGE_CHARS + 1000);
  });

  test("one message larger than a page is still returned, cut", () => {
    const { text, page } = sessionText(session, [message(0, "y".repeat(PAGE_CHARS * 2))], 0, 50, "http://h");
    expect(page).toMatchObject({ returned: 1, nextOffset: null });
    expect(text).toContain(`[cut: ${PAGE_CHARS * 2 - CUT.text} more characters]`);
  });

  test("an offset past the end says how many messages there are", () => {
    const { text, page } = sessionText(session, [message(0, "a")], 5, 50, "http://h");
    expect(page).toMatchObject({ offset: 5, returned: 0, nextOffset: null });
    expect(text).toContain("No messages from offset 5: the session has 1.");
  });
});

describe("searchText", () => {
  const result = { sessionId: "s1", sessionExternalId: "e1", title: "T", snippet: "a test", highlights: [[2, 6]], score: 1, source: "codex", model: null, projectName: null, projectPath: null, machine: null, createdAt: 0, updatedAt: 0, hits: [] };
  const response = (extra: Partial<SearchResponse>): SearchResponse => ({ type: "fulltext", results: [result], total: 2000, nextCursor: null, tookMs: 1, ...extra } as SearchResponse);
  test("a total that is a lower bound is written with a plus", () => {
    expect(searchText("test", response({ totalIsEstimate: true }), "http://x")).toContain("1 of 2000+ matching");
    expect(searchText("test", response({}), "http://x")).toContain("1 of 2000 matching");
  });
});
