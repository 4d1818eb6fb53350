import { describe, expect, it } from "vitest";
import { MESSAGE_ROLES, SEARCH_TYPES } from "@opensync/protocol";
import { hitHref, readSearchState, ROLES, SEARCH_MODES, toQuery, writeSearchState } from "./search-state";
import { splitHighlights } from "./highlighted";

describe("search state in the URL", () => {
  it("keeps the protocol's lists (declared there, mirrored here as types only)", () => {
    expect(SEARCH_MODES).toEqual(SEARCH_TYPES);
    expect(ROLES).toEqual(MESSAGE_ROLES);
  });

  it("round-trips query, mode and filters, and drops the defaults and junk", () => {
    const state = readSearchState(new URLSearchParams("q=reconnect+loop&type=semantic&source=codex-cli&role=assistant&from=1700000000000&to=bad&model="));
    expect(state).toEqual({ q: "reconnect loop", type: "semantic", source: "codex-cli", project: undefined, model: undefined, role: "assistant", from: 1700000000000, to: undefined });
    expect(writeSearchState(state).toString()).toBe("q=reconnect+loop&type=semantic&source=codex-cli&role=assistant&from=1700000000000");
    expect(readSearchState(new URLSearchParams("type=nonsense&role=root")).type).toBe("hybrid");
    expect(readSearchState(new URLSearchParams("role=root")).role).toBeUndefined();
    expect(toQuery(state)).toEqual({ q: "reconnect loop", type: "semantic", groupBy: "session", limit: 20, source: "codex-cli", role: "assistant", from: 1700000000000 });
  });

  it("links a hit to the viewer at its message", () => {
    expect(hitHref("s 1", "m/2")).toBe("/sessions/s%201#m-m%2F2");
    expect(hitHref("s1")).toBe("/sessions/s1");
  });
});

describe("splitHighlights", () => {
  it("marks the spans, merges overlaps and ignores spans out of range", () => {
    expect(splitHighlights("fix the reconnect loop", [[8, 17], [4, 7], [12, 20], [30, 40]])).toEqual([
      { text: "fix ", match: false },
      { text: "the", match: true },
      { text: " ", match: false },
      { text: "reconnect", match: true },
      { text: " lo", match: true },
      { text: "op", match: false },
    ]);
    expect(splitHighlights("abc", [])).toEqual([{ text: "abc", match: false }]);
  });
});
