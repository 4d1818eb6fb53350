import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename } from "node:path";
import type { StateStore } from "./state.js";

/** One sync at a time per machine: hooks, `watch` and manual runs share this lease. */
export const SYNC_LEASE = "sync";
/** Last resort only: a holder that died is seen as gone at once (see `holderGone`). */
const LEASE_TTL_MS = 10 * 60_000;
/** Set by a trigger that found the lease taken: the holder runs once more before it lets go. */
export const RERUN_FLAG = "rerun-requested";

export class SyncBusyError extends Error {
  constructor(readonly holder: string | undefined) {
    super(`another sync is running on this machine${holder ? ` (${holder})` : ""}; try again in a moment (or use --force)`);
  }
}

export interface LeaseOptions {
  /** Take the lease even if held (a stuck or dead holder). */
  force?: boolean;
  /** How long to wait for a busy lease before giving up (ms); 0 = do not wait. */
  waitMs?: number;
  /** When busy and not waiting: ask the holder to run again instead of failing. */
  deferToHolder?: boolean;
  /** Stops waiting for a busy lease: `withSyncLease` then returns undefined without running. */
  signal?: AbortSignal;
  /** Who is asking, shown to whoever finds the lease taken ("opensync sync", "hook worker"). */
  who?: string;
}

/**
 * Who holds a lease, stored as JSON in the `leases` row. `start` (the process start time, Linux)
 * tells a live holder from a new process that got the same pid; `host` keeps us from judging a
 * process of another machine sharing the home directory.
 */
interface Holder {
  pid: number;
  start?: string;
  host: string;
  id: string;
  who?: string;
}

/**
 * The start time of a process in clock ticks since boot: field 22 of `/proc/<pid>/stat` (proc(5)).
 * The command name (field 2) may hold spaces and parentheses, so fields are counted after its last ")".
 * Undefined where there is no procfs (macOS, Windows): liveness then rests on the pid alone.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * True when the process has exited but was not reaped yet (state `Z` in `/proc/<pid>/stat`). Its pid
 * still answers `kill(pid, 0)`, and where nothing reaps promptly (a container without an init, a
 * parent that never waits) a killed holder would look alive until the TTL.
 */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

function newHolder(who: string | undefined): string {
  const holder: Holder = { pid: process.pid, start: processStartTime(process.pid), host: hostname(), id: randomBytes(6).toString("hex"), who };
  return JSON.stringify(holder);
}

/** Parses a holder; holders written before it was JSON were `${pid}:${random}`. */
function parseHolder(text: string): Partial<Holder> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object") return value as Partial<Holder>;
  } catch {
    const legacy = /^(\d+):/.exec(text);
    if (legacy) return { pid: Number(legacy[1]) };
  }
  return {};
}

/**
 * True when the holder's process is known to be gone (killed with -9, crashed, machine rebooted):
 * no process with its pid, or one that started at another time (its pid was reused). A holder
 * we cannot judge (another machine, no pid) is not gone: its lease expires with the TTL.
 */
export function holderGone(text: string): boolean {
  const holder = parseHolder(text);
  if (typeof holder.pid !== "number" || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.host !== undefined && holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return true;
  }
  if (isZombie(holder.pid)) return true;
  if (holder.start === undefined) return false;
  const start = processStartTime(holder.pid);
  return start !== undefined && start !== holder.start;
}

/** "opensync.js sync --json" from `/proc/<pid>/cmdline` (Linux), for holders that did not say who they are. */
function commandOf(pid: number): string | undefined {
  try {
    const [, script, ...args] = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const command = [basename(script ?? ""), ...args].join(" ").trim();
    return command ? command.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}

/** "pid 4242, opensync watch" for messages and logs. */
export function describeHolder(text: string): string {
  const holder = parseHolder(text);
  const local = !holder.host || holder.host === hostname();
  const who = holder.who ?? (holder.pid && local ? commandOf(holder.pid) : undefined);
  const parts = [holder.pid ? `pid ${holder.pid}` : text, who, local ? undefined : `on ${holder.host}`];
  return parts.filter(Boolean).join(", ");
}

/** Who holds the sync lease now (described), or undefined when it is free. */
export function syncLeaseHolder(state: StateStore): string | undefined {
  const lease = state.leaseHolder(SYNC_LEASE);
  if (!lease || lease.expiresAt <= Date.now() || holderGone(lease.holder)) return undefined;
  return describeHolder(lease.holder);
}

/** The exit code a shell reports for a process ended by the signal: 128 + its number. */
const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type LeaseSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * While the lease is held, SIGINT/SIGTERM/SIGHUP release it before anything else. Then, if the
 * process has no handler of its own for that signal, it ends as Node would have ended it, with the
 * shell's code (130 for Ctrl-C); a command that handles the signal itself (`watch`, `up`) goes on
 * with its own shutdown. Returns the function that removes the handlers.
 */
export function releaseOnSignals(release: () => void): () => void {
  const installed: Array<[LeaseSignal, () => void]> = [];
  const uninstall = () => {
    for (const [signal, handler] of installed.splice(0)) process.removeListener(signal, handler);
  };
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as LeaseSignal[]) {
    // Counted now too: a `process.once` handler has already removed itself when ours runs.
    const othersAtInstall = process.listenerCount(signal);
    const handler = () => {
      release();
      uninstall();
      if (othersAtInstall === 0 && process.listenerCount(signal) === 0) process.exit(SIGNAL_EXIT_CODES[signal]);
    };
    process.on(signal, handler);
    installed.push([signal, handler]);
  }
  return uninstall;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding the sync lease, then runs it again while other triggers asked for a rerun
 * in the meantime. Returns undefined when deferred to another holder or aborted while waiting.
 */
export async function withSyncLease<T>(state: StateStore, fn: () => Promise<T>, options: LeaseOptions = {}): Promise<T | undefined> {
  const holder = newHolder(options.who);
  const deadline = Date.now() + (options.waitMs ?? 0);
  while (!options.force && !state.tryLease(SYNC_LEASE, holder, LEASE_TTL_MS, holderGone)) {
    if (options.signal?.aborted) return undefined;
    if (Date.now() >= deadline) {
      if (options.deferToHolder) {
        state.setFlag(RERUN_FLAG, holder);
        return undefined;
      }
      throw new SyncBusyError(syncLeaseHolder(state));
    }
    await sleep(250);
  }
  if (options.force) state.forceLease(SYNC_LEASE, holder, LEASE_TTL_MS);
  // Once a signal released the lease, nothing may take it back: no renewal, no rerun.
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    state.releaseLease(SYNC_LEASE, holder);
  };
  const removeSignalHandlers = releaseOnSignals(release);
  const renew = setInterval(() => {
    if (held) state.tryLease(SYNC_LEASE, holder, LEASE_TTL_MS);
  }, LEASE_TTL_MS / 3);
  renew.unref();
  try {
    state.takeFlag(RERUN_FLAG);
    let result = await fn();
    // Triggers that arrived while we ran asked for one more pass; a few passes at most.
    for (let i = 0; i < 5 && held && state.takeFlag(RERUN_FLAG) !== undefined; i++) result = await fn();
    return result;
  } finally {
    clearInterval(renew);
    removeSignalHandlers();
    release();
  }
}
