import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SYNC_LEASE } from "@opensync/collectors";
import { drainUnderLease, openHookContext } from "./drain.js";
import { hookLogPath } from "./log.js";
import { enqueue, listQueue } from "./queue.js";

describe("hook worker waiting for the sync lease", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "opensync-drain-"));
    // Nothing listens on port 9: the worker must never get as far as uploading here.
    env = { HOME: home, OPENSYNC_URL: "http://127.0.0.1:9", OPENSYNC_API_KEY: "osk_x" };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("gives up after its wait, says so in the hook log with who holds the lease, and keeps the queue", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    const context = openHookContext(env);
    try {
      await new Promise((r) => holder.once("spawn", r));
      context.base.state.forceLease(SYNC_LEASE, JSON.stringify({ pid: holder.pid, host: hostname(), id: "x", who: "opensync sync" }), 60_000);
      enqueue(env, { agent: "claude-code", path: join(home, "t.jsonl"), event: "Stop", queuedAt: Date.now() });

      await drainUnderLease(context, env, 1_500);

      const log = readFileSync(hookLogPath(env), "utf8");
      expect(log).toContain(`worker: gave up after 1.5 s waiting for the sync lease, held by pid ${holder.pid}, opensync sync; 1 queued target(s) kept for the next trigger`);
      expect(listQueue(env)).toHaveLength(1);
    } finally {
      holder.kill("SIGKILL");
      context.base.state.close();
    }
  });

  it("a holder killed with -9 does not make it wait: the queue is drained at once", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    const context = openHookContext(env);
    try {
      await new Promise((r) => holder.once("spawn", r));
      context.base.state.forceLease(SYNC_LEASE, JSON.stringify({ pid: holder.pid, host: hostname(), id: "x", who: "opensync sync" }), 60_000);
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
      enqueue(env, { agent: "claude-code", path: join(home, "missing.jsonl"), event: "Stop", queuedAt: Date.now() });

      const started = Date.now();
      await drainUnderLease(context, env, 30_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      // It ran its pass (which, with no server on port 9, may fail and keep the entry), no waiting.
      const log = readFileSync(hookLogPath(env), "utf8");
      expect(log).toMatch(/\] (synced \d+ messages for claude-code:Stop|sync failed, kept for the next trigger)/);
      expect(log).not.toMatch(/gave up/);
    } finally {
      context.base.state.close();
    }
  });
});
