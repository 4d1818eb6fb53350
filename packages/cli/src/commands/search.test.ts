import type { SearchResponse } from "@opensync/protocol";
import { describe, expect, test } from "vitest";
import { renderResults } from "./search.js";

const response: SearchResponse = {
  type: "hybrid",
  total: 7,
  nextCursor: "c1",
  tookMs: 3,
  results: [
    {
      sessionId: "s1",
      sessionExternalId: "ext",
      messageId: "m9",
      title: "Fix retries",
      snippet: "the backoff\nnever caps",
      highlights: [[4, 11]],
      score: 1,
      source: "codex-cli",
      model: null,
      projectName: null,
      projectPath: "/srv/app",
      machine: null,
      createdAt: Date.UTC(2025, 0, 31, 23, 0),
      updatedAt: 0,
      hits: [],
    },
  ],
};

describe("renderResults", () => {
  test("on a terminal: bold title, dim details, matches in bold yellow", () => {
    expect(renderResults(response, "http://h:1/", true)).toBe(
      "\x1b[1mFix retries\x1b[0m\n" +
        "  \x1b[2m/srv/app · codex-cli · 2025-01-31\x1b[0m\n" +
        "  the \x1b[1;33mbackoff\x1b[0m never caps\n" +
        "  http://h:1/sessions/s1#m-m9\n\n" +
        "\x1b[2m1 of 7 (hybrid search; more with --limit)\x1b[0m\n",
    );
  });

  test("piped: the same lines without escape codes", () => {
    expect(renderResults(response, "http://h:1", false)).toBe(
      "Fix retries\n  /srv/app · codex-cli · 2025-01-31\n  the backoff never caps\n  http://h:1/sessions/s1#m-m9\n\n1 of 7 (hybrid search; more with --limit)\n",
    );
  });

  test("a total the server stopped counting at is shown as a lower bound", () => {
    const out = renderResults({ ...response, total: 2000, totalIsEstimate: true }, "http://h:1", false);
    expect(out.endsWith("1 of 2,000+ (hybrid search; more with --limit)\n")).toBe(true);
  });
});
