import { describe, expect, test } from "vitest";
import { cut, markHighlights, sessionUrl } from "./format.js";

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
