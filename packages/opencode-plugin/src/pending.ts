import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Batch } from "./batch.js";
import { stateDir } from "./config.js";
import { FileLock } from "./lock.js";
import { safeName, SentLedger } from "./sent-ledger.js";

type Env = Record<string, string | undefined>;

/**
 * What the plugin still owes the server, on disk so nothing is lost when the server is down or
 * OpenCode exits first:
 * - `state/opencode-pending.json`: ids of sessions whose upload failed; re-read through OpenCode's
 *   client and sent again on later events and at the next start;
 * - `state/opencode-spool/<time>-<pid>-<session>.json`: whole batches written at exit, with the time
 *   their snapshot was taken, sent by a detached process (and again at the next start if that fails
 *   too) unless a newer snapshot was sent meanwhile (`SentLedger`).
 * Several OpenCode processes and the spool sender change the pending list: every read-modify-write
 * of it holds `opencode-pending.json.lock`.
 */
export class PendingStore {
  readonly file: string;
  readonly spoolDir: string;
  readonly ledger: SentLedger;

  constructor(env: Env) {
    const dir = stateDir(env);
    this.file = join(dir, "opencode-pending.json");
    this.spoolDir = join(dir, "opencode-spool");
    this.ledger = new SentLedger(dir);
  }

  sessions(): string[] {
    try {
      const value = JSON.parse(readFileSync(this.file, "utf8")) as { sessions?: Record<string, unknown> };
      return Object.keys(value.sessions ?? {});
    } catch {
      return [];
    }
  }

  add(sessionId: string, reason: string): void {
    this.update((sessions) => {
      sessions[sessionId] = { since: (sessions[sessionId] as { since?: number } | undefined)?.since ?? Date.now(), reason };
    });
  }

  remove(sessionId: string): void {
    this.update((sessions) => {
      delete sessions[sessionId];
    });
  }

  /**
   * One file per exit and session, holding the snapshot time; names sort oldest first, so a later
   * (fuller) batch lands last.
   */
  spool(sessionId: string, batch: Batch, snapshotAt = Date.now()): string {
    mkdirSync(this.spoolDir, { recursive: true, mode: 0o700 });
    const path = join(this.spoolDir, `${snapshotAt}-${process.pid}-${safeName(sessionId)}.json`);
    const spooled: Spooled = { sessionId, snapshotAt, batch };
    writeAtomic(path, JSON.stringify(spooled));
    return path;
  }

  spooled(): string[] {
    try {
      return readdirSync(this.spoolDir)
        .filter((n) => n.endsWith(".json"))
        .sort()
        .map((n) => join(this.spoolDir, n));
    } catch {
      return [];
    }
  }

  /** Read-modify-write under the list's lock (held for moments; waited for synchronously, exit handlers use it). */
  private update(change: (sessions: Record<string, unknown>) => void): void {
    mkdirSync(join(this.file, ".."), { recursive: true, mode: 0o700 });
    const lock = FileLock.acquireSync(`${this.file}.lock`, PENDING_LOCK_WAIT_MS, { staleMs: PENDING_LOCK_STALE_MS });
    if (!lock) throw new Error("the pending list stays locked by another process");
    try {
      this.updateLocked(change);
    } finally {
      lock.release();
    }
  }

  private updateLocked(change: (sessions: Record<string, unknown>) => void): void {
    let sessions: Record<string, unknown> = {};
    try {
      sessions = (JSON.parse(readFileSync(this.file, "utf8")) as { sessions?: Record<string, unknown> }).sessions ?? {};
    } catch {
      // missing or broken: start over
    }
    change(sessions);
    if (!Object.keys(sessions).length) {
      rmSync(this.file, { force: true });
      return;
    }
    writeAtomic(this.file, JSON.stringify({ sessions }, null, 2) + "\n");
  }
}

/** A spooled batch: the session as the exiting process last saw it, at `snapshotAt`. */
export interface Spooled {
  sessionId: string;
  snapshotAt: number;
  batch: Batch;
}

export function readSpool(path: string): Spooled | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<Spooled> & Partial<Batch>;
    // Files of earlier versions hold the bare batch; the time it was taken leads their name.
    const batch = (value.batch ?? value) as Batch;
    if (!Array.isArray(batch.sessions) || !Array.isArray(batch.messages)) return undefined;
    const sessionId = typeof value.sessionId === "string" ? value.sessionId : batch.sessions[0]?.externalId;
    if (typeof sessionId !== "string") return undefined;
    const snapshotAt = typeof value.snapshotAt === "number" ? value.snapshotAt : Number(basename(path).split("-")[0]) || 0;
    return { sessionId, snapshotAt, batch };
  } catch {
    return undefined;
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * The list's lock guards a read and a rename: a holder that keeps it this long is hung. A waiter
 * waits a little longer than that, so it always ends up with the lock (a short holder never
 * refreshes it) and no entry is ever dropped for want of it.
 */
const PENDING_LOCK_STALE_MS = 5_000;
const PENDING_LOCK_WAIT_MS = PENDING_LOCK_STALE_MS + 1_000;
