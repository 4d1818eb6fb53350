import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { expectedFrom, isolatedEnv, makeFixtureHome } from "./fixture-home.js";

/**
 * Issue 7, defect 2: "A killed or interrupted sync blocks all syncing for 10 minutes." The real CLI
 * is stopped while it holds the machine's sync lease (its upload hangs on a server that never
 * answers), then the next sync must start at once and deliver everything.
 */

/** An HTTP server that accepts every request and never answers: a sync against it hangs mid-upload. */
class StallServer {
  requests: string[] = [];
  private readonly open = new Set<IncomingMessage>();
  private readonly waiters: Array<() => void> = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<StallServer> {
    const server = createServer();
    const stall = new StallServer(server);
    server.on("request", (req: IncomingMessage) => {
      stall.requests.push(`${req.method} ${req.url}`);
      stall.open.add(req);
      for (const wake of stall.waiters.splice(0)) wake();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return stall;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once a request is hanging here (the client is past taking the lease). */
  async stalled(timeoutMs = 20_000): Promise<void> {
    if (this.requests.length) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no request reached the stalling server")), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<Exit>((done) => child.once("exit", (code, signal) => done({ code, signal, stdout, stderr })));
  return { child, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Defect 2: a killed or interrupted sync blocks all syncing for 10 minutes (real CLI)", () => {
  let server: ServerProcess;
  let stall: StallServer;
  const homes: string[] = [];
  beforeAll(async () => {
    server = await startServer();
    stall = await StallServer.start();
  });
  afterAll(async () => {
    await stall?.close();
    await server?.cleanup();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  // Every test is its own user, so what it finds on the server was delivered by its own runs.
  let users = 0;
  const freshKey = () => server.createKey(`interrupted-${++users}@example.com`);
  const freshHome = () => {
    const home = makeFixtureHome();
    homes.push(home);
    return home;
  };

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal} during a stalled upload: the lease is released, exit ${code}, the next sync starts at once`, async () => {
      const home = freshHome();
      const key = await freshKey();
      const stalled = startCli(["sync"], isolatedEnv(home, { OPENSYNC_URL: stall.url, OPENSYNC_API_KEY: key }));
      stall.requests = [];
      await stall.stalled();
      stalled.child.kill(signal);
      const interrupted = await stalled.exited;
      expect({ code: interrupted.code, signal: interrupted.signal }).toEqual({ code, signal: null });

      const started = Date.now();
      const next = spawnSync(process.execPath, [CLI, "sync", "--json"], { cwd: REPO_ROOT, env: isolatedEnv(home, { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key }), encoding: "utf8", timeout: 60_000 });
      expect(next.stderr).toBe("");
      expect(next.status).toBe(0);
      // A lease left behind would have made it wait 30 s and fail with "another sync is running".
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(JSON.parse(next.stdout).messages).toBeGreaterThan(0);
    });
  }

  it("SIGKILL during a stalled upload: the next sync does not wait for the dead holder's lease", async () => {
    const home = freshHome();
    const key = await freshKey();
    const stalled = startCli(["sync"], isolatedEnv(home, { OPENSYNC_URL: stall.url, OPENSYNC_API_KEY: key }));
    stall.requests = [];
    await stall.stalled();
    stalled.child.kill("SIGKILL");
    expect((await stalled.exited).signal).toBe("SIGKILL");

    const started = Date.now();
    const next = spawnSync(process.execPath, [CLI, "sync", "--json"], { cwd: REPO_ROOT, env: isolatedEnv(home, { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key }), encoding: "utf8", timeout: 60_000 });
    expect(next.stderr).toBe("");
    expect(next.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const expected = await expectedFrom(home);
    const listed = await server.client(key).listSessionIds();
    for (const id of expected.keys()) expect(listed.sessionIds).toContain(id);
  });

  describe("hook worker interrupted mid-sync", () => {
    const TRANSCRIPT = ".claude/projects/-work-demo/tool-use-session.jsonl";
    const SESSION = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f";

    const hook = (home: string, url: string, key: string) =>
      spawnSync(process.execPath, [CLI, "hook", "claude-code", "Stop"], {
        cwd: REPO_ROOT,
        env: isolatedEnv(home, { OPENSYNC_URL: url, OPENSYNC_API_KEY: key }),
        input: JSON.stringify({ session_id: SESSION, transcript_path: join(home, TRANSCRIPT), cwd: home, hook_event_name: "Stop" }),
        encoding: "utf8",
        timeout: 10_000,
      });
    const workerPid = (home: string): number | undefined => {
      const lock = join(home, ".opensync/state/hook-worker.pid");
      return existsSync(lock) ? Number(readFileSync(lock, "utf8").split(" ")[0]) : undefined;
    };
    const queued = (home: string) => {
      const dir = join(home, ".opensync/state/hook-queue");
      return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")) : [];
    };
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };

    for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
      it(`${signal}: the entry stays queued, the dead worker blocks nobody, one more trigger delivers everything`, async () => {
        const home = freshHome();
        const key = await freshKey();
        stall.requests = [];
        expect(hook(home, stall.url, key).status).toBe(0);
        await stall.stalled();
        const pid = workerPid(home)!;
        expect(alive(pid)).toBe(true);
        process.kill(pid, signal);
        for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
        expect(alive(pid)).toBe(false);
        expect(queued(home)).toHaveLength(1);

        // The next event, now with a server that answers.
        expect(hook(home, server.url, key).status).toBe(0);
        for (let i = 0; i < 200 && queued(home).length; i++) await sleep(100);
        expect(queued(home)).toEqual([]);
        const log = readFileSync(join(home, ".opensync/logs/hook.log"), "utf8");
        expect(log).not.toMatch(/gave up/);
        const expected = (await expectedFrom(home)).get(SESSION)!;
        const { messages } = await server.client(key).getSession(SESSION);
        expect(new Set(messages.map((m) => m.externalId))).toEqual(expected.messages);
      });
    }
  });
});
