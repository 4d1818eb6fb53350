import { describe, expect, it } from "vitest";
import { arrange, matches, type PaletteItem } from "./palette-items";

const item = (group: PaletteItem["group"], label: string, hint?: string): PaletteItem => ({ id: `${group}-${label}`, group, label, hint, run: () => undefined });

describe("palette items", () => {
  it("matches every word of the query in the label or hint, in any case and order", () => {
    expect(matches(item("Pages", "Analytics", "Go to /analytics"), "ANALY")).toBe(true);
    expect(matches(item("Actions", "Switch to dark theme", "theme dark light"), "theme dark")).toBe(true);
    expect(matches(item("Actions", "Switch to dark theme"), "dark sessions")).toBe(false);
  });

  it("with no query lists actions, pages, then recent sessions; with one, the found sessions first and only matching pages and actions", () => {
    const sessions = [item("Sessions", "Fix the flaky login test")];
    const pages = [item("Pages", "Overview"), item("Pages", "Settings")];
    const actions = [item("Actions", "Create an API key", "settings key")];
    expect(arrange(sessions, pages, actions, "  ").map((i) => i.label)).toEqual(["Create an API key", "Overview", "Settings", "Fix the flaky login test"]);
    expect(arrange(sessions, pages, actions, "settings").map((i) => i.label)).toEqual(["Fix the flaky login test", "Settings", "Create an API key"]);
  });
});
