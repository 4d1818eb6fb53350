import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { isZombie, processStartTime } from "@opensync/collectors/engine/lease";
import { stateDir } from "@opensync/collectors/paths";

type Env = Record<string, string | undefined>;

/** A worker that has not finished in this long is presumed dead (where no start time tells a reused pid apart). */
const STALE_MS = 15 * 60_000;

const lockPath = (env: Env): string => join(stateDir(env), "hook-worker.pid");

/** The lock file's content: "<pid> <start time>" (the start time where procfs has it), see lease.ts. */
const ownMark = (): string => [process.pid, processStartTime(process.pid)].filter((v) => v !== undefined).join(" ");

/** The pid of the live worker holding the lock, or undefined when the lock is free or its worker is gone. */
function holder(env: Env): number | undefined {
  try {
    const path = lockPath(env);
    if (Date.now() - statSync(path).mtimeMs > STALE_MS) return undefined;
    const [pidText, start] = readFileSync(path, "utf8").trim().split(" ");
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    if (isZombie(pid)) return undefined; // exited, not yet reaped
    // Same pid, another start time: the worker died and its pid went to another process.
    if (start !== undefined && processStartTime(pid) !== undefined && processStartTime(pid) !== start) return undefined;
    return pid;
  } catch (err) {
    // EPERM: alive but not ours to signal.
    return (err as NodeJS.ErrnoException).code === "EPERM" ? -1 : undefined;
  }
}

/**
 * Whether a hook worker is running. A hook that queued its target and sees one running does not
 * start another: the running worker looks at the queue again after it released this lock, so the
 * target is either seen by it or by the worker the hook starts.
 */
export function workerRunning(env: Env): boolean {
  return holder(env) !== undefined;
}

/** One worker at a time per machine (per OPENSYNC_HOME); false when another holds the lock. */
export function acquireWorkerLock(env: Env): boolean {
  const path = lockPath(env);
  mkdirSync(stateDir(env), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, ownMark());
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || holder(env) !== undefined) return false;
      rmSync(path, { force: true }); // stale: its worker is gone
    }
  }
  return false;
}

export function releaseWorkerLock(env: Env): void {
  try {
    if (readFileSync(lockPath(env), "utf8") === ownMark()) rmSync(lockPath(env), { force: true });
  } catch {
    // already gone
  }
}
