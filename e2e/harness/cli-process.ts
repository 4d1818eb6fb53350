import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, REPO_ROOT } from "./server-process.js";

/**
 * The built `opensync` CLI as a child process that a test can interrupt (SIGINT, SIGKILL) at any
 * moment, plus the hook worker it may start detached. Output is collected, never printed.
 */

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CliProcess {
  stdout = "";
  stderr = "";
  readonly done: Promise<CliResult>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.child.stdin!.on("error", () => {});
    this.child.stdin!.end(stdin ?? "");
    this.done = new Promise((resolve) =>
      this.child.once("close", (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Kills it if it has not finished within `ms` (a stuck run must not hang the suite). */
  async within(ms: number): Promise<CliResult> {
    const timer = setTimeout(() => this.kill("SIGKILL"), ms);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new CliProcess(args, env, opts.stdin).within(opts.timeoutMs ?? 90_000);
}

/** `~/.opensync/state` of a CLI environment (OPENSYNC_HOME, else HOME/.opensync). */
export function stateDirOf(env: NodeJS.ProcessEnv): string {
  return join(env.OPENSYNC_HOME || join(env.HOME!, ".opensync"), "state");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the running hook worker, from its lock file (`hook-worker.pid`), if any. */
export function hookWorkerPid(env: NodeJS.ProcessEnv): number | undefined {
  try {
    // The lock holds "<pid> <start time>" (packages/cli/src/hook/worker-lock.ts).
    const pid = Number(readFileSync(join(stateDirOf(env), "hook-worker.pid"), "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a hook worker to appear; its pid, or undefined after `timeoutMs`. */
export async function waitForHookWorker(env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pid = hookWorkerPid(env);
    if (pid) return pid;
    await sleep(20);
  }
  return undefined;
}

/** Waits until no hook worker runs and the hook queue is empty; false on timeout. */
export async function waitForHookIdle(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const queue = join(stateDirOf(env), "hook-queue");
  for (;;) {
    const queued = existsSync(queue) && readdirSync(queue).some((n) => n.endsWith(".json"));
    if (!hookWorkerPid(env) && !queued) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** Kills a detached process by pid (a hook worker) and waits until it is gone. */
export async function killPid(pid: number, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(10);
}
