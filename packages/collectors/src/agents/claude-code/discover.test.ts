import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeCodeCollector } from "./index.js";
import { transcriptFileOf } from "./discover.js";

const ctx = (home: string, env: Record<string, string> = {}) => ({ home, env, machine: "m" });

describe("claude-code discovery", () => {
  it("defaults to ~/.claude and ~/.config/claude", () => {
    expect(claudeCodeCollector.roots(ctx("/home/u"))).toEqual(["/home/u/.claude", "/home/u/.config/claude"]);
  });

  it("takes CLAUDE_CONFIG_DIR as a comma-separated list, with ~ expanded", () => {
    expect(claudeCodeCollector.envVar).toBe("CLAUDE_CONFIG_DIR");
    const roots = claudeCodeCollector.roots(ctx("/home/u", { CLAUDE_CONFIG_DIR: "~/.claude-work, /opt/claude ,,~/.claude-work" }));
    expect(roots).toEqual(["/home/u/.claude-work", "/opt/claude"]);
  });

  it("finds transcripts and nested subagent transcripts in every root, parents first", async () => {
    const home = mkdtempSync(join(tmpdir(), "cc-discover-"));
    const touch = (rel: string) => {
      mkdirSync(join(home, rel, ".."), { recursive: true });
      writeFileSync(join(home, rel), "");
    };
    touch(".claude/projects/-home-u-app/11111111-aaaa.jsonl");
    touch(".claude/projects/-home-u-app/11111111-aaaa/subagents/agent-abc.jsonl");
    touch(".claude/projects/-home-u-app/11111111-aaaa/subagents/agent-abc.meta.json");
    touch(".claude/projects/-home-u-app/11111111-aaaa/subagents/deeper/agent-x.jsonl");
    touch(".claude/projects/-home-u-lib/22222222-bbbb.jsonl");
    touch(".claude/projects/stray.jsonl"); // not inside a project directory
    touch(".claude/todos/33333333.jsonl"); // outside projects/
    touch(".config/claude/projects/-srv/44444444-cccc.jsonl");
    const units = await claudeCodeCollector.discover(ctx(home));
    expect(units.map((u) => u.path.slice(home.length + 1))).toEqual([
      ".claude/projects/-home-u-app/11111111-aaaa.jsonl",
      ".claude/projects/-home-u-lib/22222222-bbbb.jsonl",
      ".config/claude/projects/-srv/44444444-cccc.jsonl",
      ".claude/projects/-home-u-app/11111111-aaaa/subagents/agent-abc.jsonl",
      ".claude/projects/-home-u-app/11111111-aaaa/subagents/deeper/agent-x.jsonl",
    ]);
    for (const u of units) expect(u).toEqual({ key: `claude-code:${u.path}`, agent: "claude-code", path: u.path });
  });

  it("is fine with missing roots", async () => {
    expect(await claudeCodeCollector.discover(ctx("/does/not/exist"))).toEqual([]);
  });

  it("builds a unit for a path a hook names", () => {
    expect(claudeCodeCollector.unitFor("/x/projects/-p/s.jsonl")).toEqual({ key: "claude-code:/x/projects/-p/s.jsonl", agent: "claude-code", path: "/x/projects/-p/s.jsonl" });
  });

  it("reads the session and subagent ids from a transcript path", () => {
    expect(transcriptFileOf("/c/projects/-p/abc-123.jsonl")).toEqual({ path: "/c/projects/-p/abc-123.jsonl", projectDir: "/c/projects/-p", defaultSessionId: "abc-123" });
    expect(transcriptFileOf("/c/projects/-p/abc-123/subagents/agent-a9f.jsonl")).toEqual({
      path: "/c/projects/-p/abc-123/subagents/agent-a9f.jsonl", projectDir: "/c/projects/-p", defaultSessionId: "abc-123", subagentId: "a9f",
    });
  });
});
