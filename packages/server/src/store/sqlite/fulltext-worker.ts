import { parentPort, workerData } from "node:worker_threads";
import { runIndexLoop } from "./fulltext-loop.js";

/**
 * The full-text indexer's thread (started by `fulltext-host.ts`): it drains the queue on the other
 * core, so indexing never takes time from the thread that answers sync requests.
 */
const { mainPath, pollMs } = workerData as { mainPath: string; pollMs: number };
const loop = runIndexLoop(mainPath, pollMs, (event) => parentPort?.postMessage(event));
parentPort?.on("message", (message: "kick" | "stop") => {
  if (message === "kick") loop.kick();
  else {
    loop.stop();
    parentPort?.close();
  }
});
