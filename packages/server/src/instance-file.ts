import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `server.json` in the data dir while a server runs on it: its pid and URL. A command that works on
 * the data dir's files (`opensync admin reindex`) asks it whether a server owns that data dir and
 * where, instead of guessing from the configured URL: a server there may serve another data dir,
 * and this data dir's server may listen elsewhere (both happened: the CLI then waited for a server
 * that would never drain its queue, or raced the server's own indexer).
 */
export interface InstanceInfo {
  pid: number;
  url: string;
  startedAt: number;
}

export const instanceFilePath = (dataDir: string) => join(dataDir, "server.json");

export function writeInstanceFile(dataDir: string, url: string): void {
  const info: InstanceInfo = { pid: process.pid, url, startedAt: Date.now() };
  writeFileSync(instanceFilePath(dataDir), JSON.stringify(info) + "\n", { mode: 0o600 });
}

/** Removes the file if this process wrote it (a newer server on the same dir keeps its own). */
export function removeInstanceFile(dataDir: string): void {
  if (readInstanceFile(dataDir)?.pid === process.pid) rmSync(instanceFilePath(dataDir), { force: true });
}

export function readInstanceFile(dataDir: string): InstanceInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(instanceFilePath(dataDir), "utf8")) as Partial<InstanceInfo>;
    return typeof v.pid === "number" && typeof v.url === "string" ? { pid: v.pid, url: v.url, startedAt: Number(v.startedAt) || 0 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server recorded in the data dir, if its process is alive. A pid can be reused after a crash
 * left the file behind: the caller still checks that the URL answers.
 */
export function liveInstance(dataDir: string): InstanceInfo | undefined {
  const info = readInstanceFile(dataDir);
  if (!info) return undefined;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? info : undefined;
  }
}
