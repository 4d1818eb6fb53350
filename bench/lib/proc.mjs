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
