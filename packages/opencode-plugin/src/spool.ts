import { rmSync } from "node:fs";
import { join } from "node:path";
import { FileLock } from "./lock.js";
import type { PendingStore } from "./pending.js";
import { readSpool } from "./pending.js";
import { UploadError, uploadBatch, type Target } from "./upload.js";

/** How long the sender waits for a session another process is uploading right now. */
const SESSION_LOCK_WAIT_MS = 30_000;
/** Sessions whose last upload is older than this are forgotten by the ledger. */
const LEDGER_MAX_AGE_MS = 7 * 24 * 60 * 60_000;

/**
 * Sends every spooled batch, oldest first, deleting each once the server took it (or once a newer
 * snapshot of its session has been sent: it would roll that session's messages back). Stops at
 * the first failure (the server is down: the rest waits for the next attempt). One sender at a
 * time: `opencode-spool/.lock`, refreshed while it works, so a long drain is not taken for a dead
 * one. Returns how many batches were handled (sent or dropped).
 */
export async function drainSpool(store: PendingStore, target: Target, log: (m: string) => void): Promise<number> {
  if (!store.spooled().length) return 0;
  const lock = FileLock.try(join(store.spoolDir, ".lock"), { refresh: true, staleMs: 60_000 });
  if (!lock) return 0; // another process is sending them
  let handled = 0;
  try {
    for (const file of store.spooled()) {
      if (!lock.held()) break; // taken over: the other sender carries on
      const spooled = readSpool(file);
      if (spooled) {
        const outcome = await sendOne(store, target, log, file, spooled);
        if (outcome === "keep") break;
      }
      rmSync(file, { force: true });
      handled++;
    }
    store.ledger.prune(LEDGER_MAX_AGE_MS);
  } finally {
    lock.release();
  }
  return handled;
}

async function sendOne(
  store: PendingStore,
  target: Target,
  log: (m: string) => void,
  file: string,
  { sessionId, snapshotAt, batch }: NonNullable<ReturnType<typeof readSpool>>,
): Promise<"done" | "keep"> {
  const sessionLock = await store.ledger.lock(sessionId, SESSION_LOCK_WAIT_MS);
  if (!sessionLock) {
    log(`spooled batches kept for later: session ${sessionId} is being uploaded by another process`);
    return "keep";
  }
  try {
    if (store.ledger.sentAt(sessionId) >= snapshotAt) return "done"; // a newer (or this very) snapshot is on the server
    const res = await uploadBatch(target, batch);
    if (res.rejected.length) log(`server rejected ${res.rejected.length} item(s) of ${file}: ${res.rejected.slice(0, 3).join("; ")}`);
    store.ledger.record(sessionId, snapshotAt);
    // The spooled batch is the session as of exit: nothing about it is pending any more.
    store.remove(sessionId);
    return "done";
  } catch (err) {
    // 4xx other than auth means this batch will never be accepted: do not block the others on it.
    if (err instanceof UploadError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 408 && err.status !== 429) {
      log(`dropping spooled batch ${file}: ${err.message}`);
      return "done";
    }
    log(`spooled batches kept for later: ${(err as Error).message}`);
    return "keep";
  } finally {
    sessionLock.release();
  }
}
