import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI_BIN } from "./spawn.js";
import { acquireWorkerLock, releaseWorkerLock, workerRunning } from "./worker-lock.js";

/**
 * The hook as agents run it: the built bin, stdin from the agent, nothing ever printed, exit 0.
 * OPENSYNC_URL points nowhere, so the detached worker only ever logs (the e2e tests cover delivery).
 */
describe("opensync hook (process)", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "opensync-hook-"));
    env = { PATH: process.env.PATH, HOME: home, OPENSYNC_URL: "http://127.0.0.1:9", OPENSYNC_API_KEY: "osk_x" };
  });
  afterEach(async () => {
    // Let the detached worker finish before its home goes away.
    for (let i = 0; i < 100 && workerRunning({ HOME: home }); i++) await new Promise((r) => setTimeout(r, 50));
    rmSync(home, { recursive: true, force: true });
  });

  const hook = (args: string[], input: string, extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [CLI_BIN, "hook", ...args], { input, env: { ...env, ...extra }, encoding: "utf8", timeout: 10_000 });
  const queued = () => {
    const dir = join(home, ".opensync", "state", "hook-queue");
    return existsSync(dir) ? readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8"))) : [];
  };

  it.skipIf(!existsSync(CLI_BIN.replace(/bin\/opensync\.js$/, "dist/hook/entry.js")))("queues the transcript a Claude Code event names, silently, exit 0", () => {
    const payload = { session_id: "s1", transcript_path: join(home, "t.jsonl"), cwd: home, hook_event_name: "Stop" };
    const r = hook(["claude-code", "Stop"], JSON.stringify(payload));
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(queued()).toMatchObject([{ agent: "claude-code", path: payload.transcript_path, event: "Stop", sessionId: "s1" }]);
  });

  it("exits 0 without a word on garbage, an empty stdin, or an unknown target", () => {
    for (const [args, input] of [[["claude-code", "Stop"], "{not json"], [["claude-code", "Stop"], ""], [["??"], ""], [[], ""]] as const) {
      const r = hook([...args], input);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
    }
    expect(queued()).toEqual([]);
    expect(readFileSync(join(home, ".opensync", "logs", "hook.log"), "utf8")).toMatch(/no transcript_path/);
  });

  it("does nothing with auto_sync off (file or CLAUDE_SYNC_AUTO)", () => {
    const payload = JSON.stringify({ transcript_path: join(home, "t.jsonl"), hook_event_name: "Stop" });
    expect(hook(["claude-code", "Stop"], payload, { CLAUDE_SYNC_AUTO: "false" }).status).toBe(0);
    writeFileSync(join(home, ".claude-code-sync.json"), JSON.stringify({ auto_sync: false }));
    expect(hook(["claude-code", "Stop"], payload).status).toBe(0);
    expect(queued()).toEqual([]);
  });

  it("queues a Codex turn by thread id", () => {
    const r = hook(["codex", JSON.stringify({ type: "agent-turn-complete", "thread-id": "th-1", "turn-id": "1" })], "");
    expect(r.status).toBe(0);
    expect(queued()).toMatchObject([{ agent: "codex-cli", threadId: "th-1", event: "agent-turn-complete" }]);
  });
});

describe("worker lock", () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { OPENSYNC_HOME: mkdtempSync(join(tmpdir(), "opensync-lock-")) };
  });
  afterEach(() => rmSync(env.OPENSYNC_HOME, { recursive: true, force: true }));

  it("admits one worker and frees itself", () => {
    expect(workerRunning(env)).toBe(false);
    expect(acquireWorkerLock(env)).toBe(true);
    expect(workerRunning(env)).toBe(true);
    expect(acquireWorkerLock(env)).toBe(false);
    releaseWorkerLock(env);
    expect(workerRunning(env)).toBe(false);
  });

  it("a worker killed and its pid reused by another process does not block the next worker (Linux)", () => {
    mkdirSync(join(env.OPENSYNC_HOME, "state"), { recursive: true });
    const lock = join(env.OPENSYNC_HOME, "state", "hook-worker.pid");
    // This process is alive; with another start time it is not the worker that wrote the lock.
    writeFileSync(lock, `${process.pid} 1`);
    if (!existsSync(`/proc/${process.pid}/stat`)) return;
    expect(workerRunning(env)).toBe(false);
    expect(acquireWorkerLock(env)).toBe(true);
    expect(readFileSync(lock, "utf8")).toMatch(new RegExp(`^${process.pid} \\d+$`));
    releaseWorkerLock(env);
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over from a dead worker", () => {
    mkdirSync(join(env.OPENSYNC_HOME, "state"), { recursive: true });
    writeFileSync(join(env.OPENSYNC_HOME, "state", "hook-worker.pid"), "999999999");
    expect(workerRunning(env)).toBe(false);
    expect(acquireWorkerLock(env)).toBe(true);
    releaseWorkerLock(env);
  });
});
