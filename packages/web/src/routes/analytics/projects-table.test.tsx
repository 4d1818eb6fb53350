import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { StatsGroupRow } from "@opensync/protocol";
import { ProjectsTable } from "./projects-table";

const row = (key: string | null, totalTokens: number, totalCost: number, sessionCount: number): StatsGroupRow => ({
  key, totalTokens, totalCost, sessionCount, messageCount: sessionCount * 4, promptTokens: 0, completionTokens: 0,
  cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalDurationMs: 60_000,
});
const rows = [row("/code/alpha", 5_000, 3, 2), row("/code/beta", 90_000, 1, 9), row(null, 20, 0.5, 1)];
const projectNames = () => screen.getAllByRole("row").slice(1).map((r) => within(r).getAllByRole("cell")[0].textContent);

describe("ProjectsTable", () => {
  it("sorts by tokens first, toggles direction on a second click, and sorts by another column", async () => {
    const user = userEvent.setup();
    render(<ProjectsTable rows={rows} />, { wrapper: MemoryRouter });
    expect(projectNames()).toEqual(["beta", "alpha", "(no project)"]);
    await user.click(screen.getByRole("button", { name: /Tokens/ }));
    expect(projectNames()).toEqual(["(no project)", "alpha", "beta"]);
    await user.click(screen.getByRole("button", { name: /Cost/ }));
    expect(projectNames()).toEqual(["alpha", "beta", "(no project)"]);
    expect(screen.getByRole("columnheader", { name: /Cost/ }).getAttribute("aria-sort")).toBe("descending");
  });
  it("filters by the search box and says when nothing matches", async () => {
    const user = userEvent.setup();
    render(<ProjectsTable rows={rows} />, { wrapper: MemoryRouter });
    await user.type(screen.getByLabelText("Search projects"), "alp");
    expect(projectNames()).toEqual(["alpha"]);
    expect(screen.getByRole("link", { name: "alpha" }).getAttribute("href")).toBe("/sessions?project=%2Fcode%2Falpha");
    await user.type(screen.getByLabelText("Search projects"), "zzz");
    expect(screen.getByText("No project matches.")).toBeTruthy();
  });
});
