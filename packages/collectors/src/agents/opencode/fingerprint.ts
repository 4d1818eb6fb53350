import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { SourceUnit, UnitFingerprint } from "../../types.js";
import { isDatabaseUnit } from "./discover.js";

/**
 * What tells the engine a unit changed (stat calls only, no parsing).
 *
 * A database unit is `opencode.db` plus its `-wal` (OpenCode writes to the WAL long before the main
 * file changes). A legacy session is spread over many files: its session file, one file per message
 * in `storage/message/<session>/` and one per part in `storage/part/<message>/`. A new turn only adds
 * message and part files, so the session file alone would never change: every one of them counts.
 * `size` adds the files' sizes and their number (a removed file of size 0 still changes it);
 * `mtimeMs` is the newest mtime of the files and of the directories holding them (adding or
 * removing an entry bumps its directory).
 */
export async function opencodeFingerprint(unit: SourceUnit): Promise<UnitFingerprint> {
  return isDatabaseUnit(unit) ? combine([await statOf(unit.path), await statOf(`${unit.path}-wal`)]) : legacySessionFingerprint(unit.path);
}

interface Stamp { size: number; mtimeMs: number; files: number }

async function legacySessionFingerprint(sessionFile: string): Promise<UnitFingerprint> {
  // storage/session/<project>/<session>.json; OpenCode names every file after the id it holds.
  const storage = dirname(dirname(dirname(sessionFile)));
  const sessionId = basename(sessionFile, ".json");
  const messageDir = join(storage, "message", sessionId);
  const messageFiles = await jsonFiles(messageDir);
  const stamps: Stamp[] = [await statOf(sessionFile), await dirStamp(messageDir)];
  for (const name of messageFiles) {
    const partDir = join(storage, "part", basename(name, ".json"));
    stamps.push(await statOf(join(messageDir, name)), await dirStamp(partDir));
    for (const part of await jsonFiles(partDir)) stamps.push(await statOf(join(partDir, part)));
  }
  return combine(stamps);
}

function combine(stamps: Stamp[]): UnitFingerprint {
  let size = 0;
  let mtimeMs = 0;
  for (const s of stamps) {
    size += s.size + s.files;
    if (s.mtimeMs > mtimeMs) mtimeMs = s.mtimeMs;
  }
  return { size, mtimeMs };
}

async function statOf(path: string): Promise<Stamp> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, files: 1 };
  } catch {
    return { size: 0, mtimeMs: 0, files: 0 };
  }
}

/** A directory counts by its mtime only (its size is filesystem noise). */
async function dirStamp(path: string): Promise<Stamp> {
  const s = await statOf(path);
  return { size: 0, mtimeMs: s.mtimeMs, files: 0 };
}

async function jsonFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
}
