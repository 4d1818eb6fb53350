import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueue, listQueue, queueDir, settle } from "./queue.js";

describe("hook queue", () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { OPENSYNC_HOME: mkdtempSync(join(tmpdir(), "opensync-queue-")) };
  });
  afterEach(() => rmSync(env.OPENSYNC_HOME, { recursive: true, force: true }));

  it("keeps one entry per target, the latest event winning", () => {
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "PostToolUse", queuedAt: 1 });
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "Stop", queuedAt: 2 });
    enqueue(env, { agent: "claude-code", path: "/t/b.jsonl", event: "Stop", queuedAt: 3 });
    enqueue(env, { agent: "codex-cli", threadId: "th", queuedAt: 4 });
    const items = listQueue(env);
    expect(items.map((i) => [i.entry.agent, i.entry.path ?? i.entry.threadId, i.entry.event ?? null])).toEqual([
      ["claude-code", "/t/a.jsonl", "Stop"],
      ["claude-code", "/t/b.jsonl", "Stop"],
      ["codex-cli", "th", null],
    ]);
    expect(queueDir(env)).toBe(join(env.OPENSYNC_HOME, "state", "hook-queue"));
  });

  it("merges the events of one target and settles exactly those; one queued after the listing stays", () => {
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "PostToolUse", queuedAt: 7 });
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "Stop", queuedAt: 7 }); // same ms: queue order wins
    const [item] = listQueue(env);
    expect(item.files).toHaveLength(2);
    expect(item.entry.event).toBe("Stop");
    const newer = enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "SessionEnd", queuedAt: 7 });
    settle(item);
    expect(listQueue(env)).toEqual([{ file: newer, files: [newer], entry: expect.objectContaining({ event: "SessionEnd" }) }]);
  });

  it("settles an item only if nobody re-queued its target meanwhile", () => {
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "Stop", queuedAt: 5 });
    const [item] = listQueue(env);
    enqueue(env, { agent: "claude-code", path: "/t/a.jsonl", event: "Stop", queuedAt: 5 }); // same ms, new write
    settle(item);
    expect(listQueue(env)).toHaveLength(1);
    const [again] = listQueue(env);
    settle(again);
    expect(listQueue(env)).toEqual([]);
  });
});
