import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../../logger.js";
import { runIndexLoop, type IndexLoop, type IndexLoopEvent } from "./fulltext-loop.js";

export interface FulltextIndexer {
  /** Index what is queued now rather than at the next poll. */
  kick(): void;
  stop(): Promise<void>;
  /** `worker` (its own thread) or `inline` (this thread, when the compiled worker is absent). */
  readonly mode: "worker" | "inline";
}

/** How often an idle indexer looks at the queue: a synced message is searchable within about this. */
export const FULLTEXT_POLL_MS = 200;
/** The indexer thread's nice value (Linux): below sync, not starved on a busy machine. */
export const FULLTEXT_NICE = 10;
const RESTART_DELAY_MS = 1000;

/**
 * Starts the background indexer for the database at `mainPath`: in a worker thread when the
 * compiled worker file is there (the built server), else on this thread (tests run from source).
 * `OPENSYNC_FULLTEXT_INDEXER=inline|off` overrides (`off`: nothing is indexed; benchmarks).
 */
export function startFulltextIndexer(mainPath: string, logger: Logger, pollMs = FULLTEXT_POLL_MS): FulltextIndexer {
  const onEvent = (event: IndexLoopEvent) => {
    if (event.type === "error") logger.error({ err: event.message }, "full-text indexer failed; retrying");
    else logger.debug({ count: event.count, ms: Math.round(event.ms) }, "full-text indexed");
  };
  const setting = process.env.OPENSYNC_FULLTEXT_INDEXER;
  if (setting === "off") return { kick() {}, stop: async () => {}, mode: "inline" };
  const workerFile = fileURLToPath(new URL("./fulltext-worker.js", import.meta.url));
  if (setting !== "inline" && existsSync(workerFile)) {
    let stopping = false;
    let worker: Worker;
    // A thread that dies (an out-of-memory, a bug) is started again: the queue is where it left it.
    const start = () => {
      worker = new Worker(workerFile, { workerData: { mainPath, pollMs, nice: FULLTEXT_NICE } });
      worker.unref();
      worker.on("message", onEvent);
      worker.on("error", (err) => logger.error({ err: err.message }, "full-text indexer thread died"));
      worker.on("exit", (code) => {
        if (stopping) return;
        logger.warn({ code }, "full-text indexer thread exited; starting it again");
        setTimeout(start, RESTART_DELAY_MS).unref();
      });
    };
    start();
    return {
      mode: "worker",
      kick: () => worker.postMessage("kick"),
      stop: async () => {
        stopping = true;
        const current = worker;
        current.postMessage("stop");
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => void current.terminate().then(() => resolve()), 2000);
          force.unref();
          current.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
        });
      },
    };
  }
  const loop: IndexLoop = runIndexLoop(mainPath, pollMs, onEvent);
  return { mode: "inline", kick: () => loop.kick(), stop: async () => loop.stop() };
}
