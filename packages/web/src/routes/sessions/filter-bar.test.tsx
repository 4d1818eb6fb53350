import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { StatsResponse } from "@opensync/protocol";
import { client } from "../../api/client";
import { dayKeyStart } from "../../lib/format";
import { FilterBar } from "./filter-bar";
import type { ListState } from "./filters";

const group = (key: string, sessionCount: number) => ({
  key, sessionCount, messageCount: 0, totalTokens: 0, promptTokens: 0, completionTokens: 0, cacheReadTokens: 0,
  cacheWriteTokens: 0, reasoningTokens: 0, totalCost: 0, totalDurationMs: 0,
});

function renderBar(state: ListState, onChange: (s: ListState) => void) {
  vi.spyOn(client, "stats").mockImplementation(async (q) => {
    const groups = q?.groupBy === "source" ? [group("claude-code", 5), group("codex-cli", 2)] : q?.groupBy === "project" ? [group("/home/a/web-app", 3)] : q?.groupBy === "provider" ? [group("anthropic", 4), group("openai", 1)] : [];
    return { groups } as unknown as StatsResponse;
  });
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <FilterBar state={state} onChange={onChange} />
    </QueryClientProvider>,
  );
}

afterEach(() => vi.restoreAllMocks());

describe("FilterBar", () => {
  const base: ListState = { sort: "updatedAt", order: "desc", q: "" };

  it("offers each agent with its session count under its display name, and reports the choice", async () => {
    const onChange = vi.fn();
    renderBar(base, onChange);
    await screen.findByRole("option", { name: "Claude Code (5)" });
    await userEvent.setup().selectOptions(screen.getByLabelText("Agent", { exact: true }), "codex-cli");
    expect(onChange).toHaveBeenLastCalledWith({ ...base, source: "codex-cli" });
  });

  it("filters by provider, with each provider's session count, and shows it as a chip", async () => {
    const onChange = vi.fn();
    renderBar(base, onChange);
    await screen.findByRole("option", { name: "openai (1)" });
    await userEvent.setup().selectOptions(screen.getByLabelText("Provider", { exact: true }), "openai");
    expect(onChange).toHaveBeenLastCalledWith({ ...base, provider: "openai" });
  });

  it("shows active filters as chips that remove themselves, and 'Clear all' keeps the sort", async () => {
    const onChange = vi.fn();
    const state: ListState = { ...base, sort: "cost", source: "claude-code", provider: "anthropic", project: "/home/a/web-app" };
    renderBar(state, onChange);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Remove filter Provider: anthropic" }));
    expect(onChange).toHaveBeenLastCalledWith({ ...state, provider: undefined });
    await user.click(screen.getByRole("button", { name: "Remove filter Project: web-app" }));
    expect(onChange).toHaveBeenLastCalledWith({ ...state, project: undefined });
    await user.click(screen.getByRole("button", { name: "Clear all" }));
    expect(onChange).toHaveBeenLastCalledWith({ sort: "cost", order: "desc", q: "" });
  });

  it("reports typed text once typing pauses, not per keystroke", async () => {
    const onChange = vi.fn();
    renderBar(base, onChange);
    await userEvent.setup().type(screen.getByLabelText("Filter sessions by text"), "auth");
    await waitFor(() => expect(onChange).toHaveBeenCalledWith({ ...base, q: "auth" }));
    expect(onChange.mock.calls.filter(([s]) => (s as ListState).q !== "auth")).toEqual([]);
  });

  it("turns the From and To days into local midnight and the end of the day", () => {
    const onChange = vi.fn();
    renderBar(base, onChange);
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-03-09" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, from: dayKeyStart("2026-03-09"), day: undefined });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-03-10" } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, to: dayKeyStart("2026-03-11") - 1, day: undefined });
  });
});
