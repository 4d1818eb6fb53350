import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * A cross-process lock file, in plain `node:fs` (the plugin runs in OpenCode's Bun: no native
 * module). The file is created with O_EXCL and holds `<pid> <token>`. It is free when absent, when
 * its holder's process is gone, or when its mtime is older than `staleMs` (a holder that hangs, or
 * a reused pid): a holder that works longer refreshes the mtime every `staleMs / 3`. A stale lock is
 * broken by renaming it away first, so two processes that both judged it stale cannot both take it.
 */
export interface LockOptions {
  /** Age of the lock file after which it is taken over although its holder seems alive. */
  staleMs?: number;
  /** Keep refreshing the lock while it is held (for holders that work for a while). */
  refresh?: boolean;
}

const DEFAULT_STALE_MS = 60_000;

export class FileLock {
  private lost = false;
  private released = false;
  private timer?: ReturnType<typeof setInterval>;

  private constructor(
    readonly path: string,
    private readonly content: string,
    staleMs: number,
    refresh: boolean,
  ) {
    if (refresh) {
      this.timer = setInterval(() => this.refresh(), Math.max(10, Math.floor(staleMs / 3)));
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Takes the lock if it is free (or stale); undefined when another live process holds it. */
  static try(path: string, options: LockOptions = {}): FileLock | undefined {
    const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    const content = `${process.pid} ${randomBytes(8).toString("hex")}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (create(path, content)) return new FileLock(path, content, staleMs, options.refresh ?? false);
      const seen = readOrUndefined(path);
      if (seen === undefined) continue; // released meanwhile: try again
      if (!isStale(path, seen, staleMs) || !breakStale(path, seen)) return undefined;
    }
    return undefined;
  }

  /** Waits (without blocking the event loop) up to `waitMs` for the lock. */
  static async acquire(path: string, waitMs: number, options: LockOptions = {}): Promise<FileLock | undefined> {
    const deadline = Date.now() + waitMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const lock = FileLock.try(path, options);
      if (lock || Date.now() >= deadline) return lock;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Waits synchronously (for exit handlers) up to `waitMs` for a lock held only for moments. */
  static acquireSync(path: string, waitMs: number, options: LockOptions = {}): FileLock | undefined {
    const deadline = Date.now() + waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const lock = FileLock.try(path, options);
      if (lock || Date.now() >= deadline) return lock;
      sleepSync(delay);
    }
  }

  /** False once another process broke the lock (this holder was judged dead or hung): stop working. */
  held(): boolean {
    if (this.released || this.lost) return false;
    if (readOrUndefined(this.path) !== this.content) this.lost = true;
    return !this.lost;
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.released) return;
    this.released = true;
    // Only our own file: a lock we lost belongs to someone else now.
    if (readOrUndefined(this.path) === this.content) rmSync(this.path, { force: true });
  }

  private refresh(): void {
    if (!this.held()) {
      if (this.timer) clearInterval(this.timer);
      return;
    }
    try {
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch {
      this.lost = true;
    }
  }
}

function create(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch {
    return false;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function isStale(path: string, content: string, staleMs: number): boolean {
  const pid = Number(content.split(" ")[0]);
  // A file without a pid yet is being written this very moment, unless it is old.
  if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) return true;
  try {
    return Date.now() - statSync(path).mtimeMs > staleMs;
  } catch {
    return true;
  }
}

export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves the stale lock aside and checks it is the one judged stale. If a live holder replaced it
 * in between, its file is put back (`link` fails rather than overwrite a newer lock).
 */
function breakStale(path: string, judged: string): boolean {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch {
    return true; // someone else moved it: try to create ours
  }
  const moved = readOrUndefined(aside);
  if (moved !== judged) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process created a lock meanwhile; the one we moved lost its lock (it will notice)
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  try {
    Atomics.wait(sleeper, 0, 0, ms);
  } catch {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // no Atomics.wait on this thread: spin for a few milliseconds
    }
  }
}
