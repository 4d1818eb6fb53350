import { describe, expect, it } from "vitest";
import { activeFilterCount, parseListState, toQuery, writeListState } from "./filters";

describe("list state in the URL", () => {
  it("round-trips every filter, the sort and the text query", () => {
    const url = "source=claude-code&provider=anthropic&model=claude-opus-4&project=%2Fhome%2Fa%2Fapp&machine=laptop&from=100&to=200&day=2026-03-02&sort=cost&order=asc&q=auth+bug";
    const state = parseListState(new URLSearchParams(url));
    expect(state).toEqual({
      source: "claude-code", provider: "anthropic", model: "claude-opus-4", project: "/home/a/app", machine: "laptop",
      from: 100, to: 200, day: "2026-03-02", sort: "cost", order: "asc", q: "auth bug",
    });
    expect(writeListState(state).toString()).toBe(url);
  });
  it("falls back to newest-updated first and drops what it does not understand", () => {
    const state = parseListState(new URLSearchParams("sort=hack&order=sideways&from=-5&to=abc&day=tomorrow"));
    expect(state).toEqual({ sort: "updatedAt", order: "desc", q: "" });
    expect(writeListState(state).toString()).toBe("");
  });
  it("sends the API the filters, the sort and the trimmed text (the server searches every session), not the day label", () => {
    const state = parseListState(new URLSearchParams("source=codex-cli&provider=openai&q=+auth+bug+&day=2026-01-01&from=5"));
    expect(toQuery(state)).toEqual({ source: "codex-cli", provider: "openai", from: 5, sort: "updatedAt", order: "desc", q: "auth bug" });
    expect(activeFilterCount(state)).toBe(3);
    expect(toQuery(parseListState(new URLSearchParams("q=+++")))).toEqual({ sort: "updatedAt", order: "desc" });
  });
});
