import { afterEach, describe, expect, it, vi } from "vitest";
import { ReindexBar } from "./admin.js";

describe("admin reindex progress", () => {
  afterEach(() => vi.restoreAllMocks());

  it("draws done/total as a 24-cell bar, with failures when there are any", () => {
    expect(ReindexBar.line("embeddings", { total: 1000, pending: 1000, failed: 0 })).toBe(`embeddings [${"-".repeat(24)}]   0%  0/1,000`);
    expect(ReindexBar.line("full-text", { total: 1000, pending: 500, failed: 0 })).toBe(`full-text  [${"#".repeat(12)}${"-".repeat(12)}]  50%  500/1,000`);
    expect(ReindexBar.line("embeddings", { total: 4, pending: 0, failed: 1 })).toBe(`embeddings [${"#".repeat(24)}] 100%  4/4  failed 1`);
    // Nothing queued is done, not divided by zero.
    expect(ReindexBar.line("full-text", { total: 0, pending: 0, failed: 0 })).toContain("100%  0/0");
  });

  it("off a terminal prints a plain line per tenth and the last one, never a carriage return", () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const bar = new ReindexBar("embeddings", false);
    for (let pending = 100; pending >= 0; pending -= 5) bar.update({ total: 100, pending, failed: 0 });
    bar.update({ total: 100, pending: 0, failed: 0 }, true);
    expect(lines.every((l) => !l.includes("\r") && l.endsWith("\n"))).toBe(true);
    expect(lines.map((l) => /(\d+)%/.exec(l)![1])).toEqual(["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100", "100"]);
  });

  it("on a terminal redraws one line in place and ends it with a newline", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    const bar = new ReindexBar("full-text", true);
    bar.update({ total: 10, pending: 10, failed: 0 });
    bar.update({ total: 10, pending: 0, failed: 0 }, true);
    expect(writes[0].startsWith("\r")).toBe(true);
    expect(writes.at(-1)).toMatch(/^\rfull-text .* 100%  10\/10\x1b\[K\n$/);
  });
});
