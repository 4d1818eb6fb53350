import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { isolatedEnv, makeFixtureHome } from "./fixture-home.js";

const TRANSCRIPT = ".claude/projects/-work-demo/tool-use-session.jsonl";
const SESSION = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 7, "also examine": `watch` deferred to the lease holder, whose rerun repeats the holder's
 * own work (a hook worker syncs only its queued transcripts), so what watch saw waited for the next
 * change or the 5-minute sweep. Watch now waits for the lease and syncs what it saw.
 */
describe("opensync watch while a hook worker holds the sync lease (real CLI and server)", () => {
  let server: ServerProcess;
  let key: string;
  let home: string;
  let watch: ChildProcess;
  let output = "";
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  beforeAll(async () => {
    server = await startServer();
    key = await server.createKey("watch-lease@example.com");
    home = makeFixtureHome();
    watch = spawn(process.execPath, [CLI, "watch", "--agent", "claude-code"], {
      cwd: REPO_ROOT,
      env: isolatedEnv(home, { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    exited = new Promise((done) => watch.once("exit", (code, signal) => done({ code, signal })));
    watch.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
    watch.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d));
    for (let i = 0; i < 200 && !output.includes("Watching for new sessions"); i++) await sleep(100);
    expect(output).toContain("Watching for new sessions");
    // The watcher may miss a change made before its initial scan is done: warm up until one is synced.
    for (let i = 0; i < 8 && !/synced \d+ messages/.test(output); i++) {
      appendPrompt(`warm-up-${i}`);
      for (let j = 0; j < 30 && !/synced \d+ messages/.test(output); j++) await sleep(100);
    }
    expect(output).toMatch(/synced \d+ messages/);
  });
  afterAll(async () => {
    if (watch.exitCode === null && watch.signalCode === null) watch.kill("SIGKILL");
    await server?.cleanup();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const stateDb = () => new Database(join(home, ".opensync/state/state.db"));
  /** The lease row a live hook worker (this test process) writes while it syncs its queue. */
  const holdLeaseAsWorker = () => {
    const db = stateDb();
    db.prepare("INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES ('sync', ?, ?)").run(
      JSON.stringify({ pid: process.pid, host: hostname(), id: "e2e", who: "hook worker" }),
      Date.now() + 60_000,
    );
    db.close();
  };
  const releaseLease = () => {
    const db = stateDb();
    db.prepare("DELETE FROM leases WHERE name = 'sync'").run();
    db.close();
  };
  const appendPrompt = (uuid: string) => {
    const file = join(home, TRANSCRIPT);
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = [...lines].reverse().find((l) => l.type === "user" || l.type === "assistant")!;
    const stamp = new Date(Date.parse(String(last.timestamp)) + 60_000).toISOString();
    appendFileSync(file, JSON.stringify({ ...last, type: "user", uuid, parentUuid: last.uuid, timestamp: stamp, message: { role: "user", content: `question ${uuid}` } }) + "\n");
  };
  const onServer = async (uuid: string) => {
    const { messages } = await server.client(key).getSession(SESSION);
    return messages.some((m) => m.externalId === uuid);
  };

  it("a change seen while the lease is busy is synced as soon as the holder lets go", async () => {
    holdLeaseAsWorker();
    appendPrompt("watch-lease-1");
    await sleep(4_000); // past the watcher's 1.5 s debounce: it found the lease taken
    expect(await onServer("watch-lease-1")).toBe(false);
    releaseLease();
    let delivered = false;
    for (let i = 0; i < 100 && !delivered; i++) {
      await sleep(100);
      delivered = await onServer("watch-lease-1");
    }
    expect(delivered, output).toBe(true);
  });

  it("Ctrl-C while waiting for the lease stops at once, with 130", async () => {
    holdLeaseAsWorker();
    appendPrompt("watch-lease-2");
    await sleep(3_000);
    const started = Date.now();
    watch.kill("SIGINT");
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(Date.now() - started).toBeLessThan(3_000);
    releaseLease();
  });
});
