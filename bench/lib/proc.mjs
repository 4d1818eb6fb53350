/** CPU accounting from Linux /proc for the benchmarks (USER_HZ is 100); `undefined` elsewhere. */
import { readdirSync, readFileSync } from "node:fs";

/** Busy CPU seconds of the whole machine so far (/proc/stat). */
export function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds a running process (or one of its threads, `tid`) has used so far: utime + stime. */
export function processCpuSeconds(pid, tid) {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every thread of a running process so far, by thread id (empty elsewhere). */
export function threadCpuSeconds(pid) {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(tid, processCpuSeconds(pid, tid));
  } catch {
    /* not Linux, or the process is gone */
  }
  return out;
}

/**
 * Waits until a process has finished its start: a window of `windowMs` in which it used at most
 * `maxCpuMs` of CPU (gives up after `timeoutMs`). A server that printed its URL still loads its
 * embedding provider and starts its worker threads for ~0.3 s, on both cores; an import timed from
 * that moment measured the server's start too, and its CPU was counted as the import's. Returns the
 * milliseconds waited (0 where /proc is missing).
 */
export async function waitUntilQuiet(pid, { windowMs = 100, maxCpuMs = 10, timeoutMs = 5_000 } = {}) {
  const started = performance.now();
  let before = processCpuSeconds(pid);
  if (before === undefined) return 0;
  while (performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = processCpuSeconds(pid);
    if (now === undefined || (now - before) * 1000 <= maxCpuMs) break;
    before = now;
  }
  return Math.round(performance.now() - started);
}
