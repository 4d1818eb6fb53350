import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileLock } from "./lock.js";

/**
 * Which snapshot of each session the server has, so an older one never overwrites it.
 *
 * Every upload (live, pending retry, spooled batch) happens under the session's upload lock
 * (`state/opencode-locks/<session>.lock`, across all OpenCode processes and the spool sender) and
 * records the time its snapshot was taken (`state/opencode-sent/<session>`). A snapshot taken before
 * the recorded one is dropped instead of sent: the server replaces a message's parts wholesale, so
 * sending it would roll the message back. A live upload reads the session after taking the lock,
 * so its snapshot is always the newest; a spooled one was taken at exit and may have been overtaken
 * by another OpenCode process (or the same session continued) before the sender ran.
 */
export class SentLedger {
  private readonly dir: string;
  private readonly lockDir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "opencode-sent");
    this.lockDir = join(stateDir, "opencode-locks");
  }

  /** Waits up to `waitMs` for the session's upload lock (refreshed while held). */
  lock(sessionId: string, waitMs: number): Promise<FileLock | undefined> {
    mkdirSync(this.lockDir, { recursive: true, mode: 0o700 });
    return FileLock.acquire(join(this.lockDir, `${safeName(sessionId)}.lock`), waitMs, { refresh: true, staleMs: 60_000 });
  }

  /** When the snapshot the server last acknowledged for the session was taken (0: none known). */
  sentAt(sessionId: string): number {
    try {
      const value = Number(readFileSync(join(this.dir, safeName(sessionId)), "utf8"));
      return Number.isFinite(value) ? value : 0;
    } catch {
      return 0;
    }
  }

  /** Call with the session's upload lock held, after the server acknowledged a snapshot taken at `snapshotAt`. */
  record(sessionId: string, snapshotAt: number): void {
    if (snapshotAt <= this.sentAt(sessionId)) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, safeName(sessionId));
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, String(snapshotAt), { mode: 0o600 });
    renameSync(tmp, path);
  }

  /** Forgets sessions not uploaded for `maxAgeMs` (their spooled snapshots are long gone too). */
  prune(maxAgeMs: number, now = Date.now()): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      try {
        if (now - statSync(join(this.dir, name)).mtimeMs > maxAgeMs) rmSync(join(this.dir, name), { force: true });
      } catch {
        // gone already
      }
    }
  }
}

export const safeName = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, "_");
