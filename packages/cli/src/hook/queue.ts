import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "@opensync/collectors/paths";

type Env = Record<string, string | undefined>;

/**
 * What a hook asks the background worker to sync: a transcript (`path`), a Codex thread, or a whole
 * agent. Every event is its own file under `~/.opensync/state/hook-queue/`, with a name no other
 * event gets (`<target>.<time in µs>.<pid>-<random>.json`), written by the hook before it starts
 * the worker. Listing merges the files of one target into one item (the latest event wins); settling removes
 * exactly the files that were listed. An event that arrives while the worker syncs is a new file,
 * which no settle can remove: there is no read-then-delete window in which it could be lost.
 */
export interface QueueEntry {
  agent: string;
  path?: string;
  threadId?: string;
  event?: string;
  sessionId?: string;
  queuedAt: number;
  /** Written by earlier versions to tell two writes of one file apart; unused now. */
  nonce?: string;
}

export interface QueuedItem {
  /** The latest event's file: unique to that event, so it also identifies this state of the target. */
  file: string;
  entry: QueueEntry;
  /** Every file of this target seen by the listing (the latest included); `settle` removes these. */
  files: string[];
}

export const queueDir = (env: Env): string => join(stateDir(env), "hook-queue");

/** A temp file this old was left by a hook killed mid-write. */
const ABANDONED_TMP_MS = 60 * 60_000;

function targetOf(entry: Pick<QueueEntry, "agent" | "path" | "threadId">): string {
  return createHash("sha1")
    .update(`${entry.agent}\0${entry.path ?? ""}\0${entry.threadId ?? ""}`)
    .digest("hex")
    .slice(0, 24);
}

/**
 * Microseconds since the epoch, zero-padded so names sort by time: two events of one hook (or of
 * two hooks) in the same millisecond still sort in the order they were queued.
 */
const wallClockMicros = (): string => String(Math.round((performance.timeOrigin + performance.now()) * 1000)).padStart(17, "0");

export function enqueue(env: Env, entry: Omit<QueueEntry, "nonce">): string {
  const dir = queueDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${targetOf(entry)}.${wallClockMicros()}.${process.pid}-${randomBytes(6).toString("hex")}`;
  const file = join(dir, `${name}.json`);
  // Written aside and renamed in: a listing never sees half an entry.
  writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(entry), { mode: 0o600 });
  renameSync(join(dir, `${name}.tmp`), file);
  return file;
}

function readEntry(file: string): QueueEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as QueueEntry;
    return entry && typeof entry.agent === "string" && typeof entry.queuedAt === "number" ? entry : undefined;
  } catch {
    return undefined;
  }
}

function removeAbandonedTmp(dir: string, name: string): void {
  try {
    if (Date.now() - statSync(join(dir, name)).mtimeMs > ABANDONED_TMP_MS) rmSync(join(dir, name), { force: true });
  } catch {
    // gone already
  }
}

/** One item per target, oldest first; the item carries the latest event queued for it. */
export function listQueue(env: Env): QueuedItem[] {
  const dir = queueDir(env);
  let names: string[];
  try {
    names = readdirSync(dir).sort(); // within a target, names sort by the time they were queued
  } catch {
    return [];
  }
  const byTarget = new Map<string, QueuedItem>();
  for (const name of names) {
    if (name.endsWith(".tmp")) removeAbandonedTmp(dir, name);
    if (!name.endsWith(".json")) continue;
    const file = join(dir, name);
    const entry = readEntry(file);
    if (!entry) {
      // Settled by someone else since readdir, or unreadable: either way nothing to act on.
      rmSync(file, { force: true });
      continue;
    }
    const target = targetOf(entry);
    const seen = byTarget.get(target);
    if (!seen) byTarget.set(target, { file, entry, files: [file] });
    else {
      seen.files.push(file);
      if (entry.queuedAt >= seen.entry.queuedAt) Object.assign(seen, { file, entry });
    }
  }
  return [...byTarget.values()].sort((a, b) => a.entry.queuedAt - b.entry.queuedAt);
}

/** Removes the events an item was made of; events queued for its target since then stay. */
export function settle(item: QueuedItem): void {
  for (const file of item.files) rmSync(file, { force: true });
}
