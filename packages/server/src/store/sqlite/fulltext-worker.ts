import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { runIndexLoop } from "./fulltext-loop.js";

/**
 * The full-text indexer's thread (started by `fulltext-host.ts`): it drains the queue on the other
 * core, so indexing never takes time from the thread that answers sync requests.
 */
const { mainPath, pollMs, nice } = workerData as { mainPath: string; pollMs: number; nice: number };

/**
 * On Linux a thread has its own scheduling priority: this one yields the CPU to the server's main
 * thread (and to anything else) when both want it, and has it all when the machine is idle.
 * `/proc/thread-self` names this thread's id; elsewhere the thread keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    /* not Linux, or not permitted: same priority as the server */
  }
}

lowerPriority();
const loop = runIndexLoop(mainPath, pollMs, (event) => parentPort?.postMessage(event));
parentPort?.on("message", (message: "kick" | "stop") => {
  if (message === "kick") loop.kick();
  else {
    loop.stop();
    parentPort?.close();
  }
});
