import { setPriority } from "node:os";
import { errorText, hookLog } from "./log.js";
import { listQueue, type QueuedItem } from "./queue.js";
import { acquireWorkerLock, releaseWorkerLock } from "./worker-lock.js";

type Env = NodeJS.ProcessEnv;

/**
 * Events come in bursts (Stop, then SessionEnd 10 ms later; a PostToolUse per tool): the worker
 * waits this long before loading the engine, so one pass covers the burst and the hooks that fire
 * meanwhile see it running and start nothing.
 */
const SETTLE_MS = 150;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An item's latest event file is unique to that event: a newer event for the target is a new identity. */
const identity = (item: QueuedItem): string => item.file;

/**
 * `opensync hook worker`: drains the hook queue under the machine-wide sync lease, at low CPU
 * priority so the agent and its hooks always come first. One worker runs at a time (hooks do not
 * start another while one runs); before exiting it looks at the queue once more, so an event that
 * arrived while it was finishing is never left behind.
 */
export async function runWorker(env: Env = process.env): Promise<void> {
  try {
    setPriority(10);
  } catch {
    // not permitted here: run at normal priority
  }
  if (!listQueue(env).length || !acquireWorkerLock(env)) return;
  let close: (() => void) | undefined;
  try {
    await sleep(SETTLE_MS);
    const { openHookContext, drainUnderLease } = await import("./drain.js");
    const context = openHookContext(env);
    close = () => context.base.state.close();
    const attempted = new Set<string>();
    for (;;) {
      const fresh = listQueue(env).filter((i) => !attempted.has(identity(i)));
      if (!fresh.length) return; // what is left failed in this run already: the next trigger retries it
      for (const item of fresh) attempted.add(identity(item));
      await drainUnderLease(context, env);
      releaseWorkerLock(env);
      if (!listQueue(env).some((i) => !attempted.has(identity(i))) || !acquireWorkerLock(env)) return;
    }
  } catch (err) {
    const drain = await import("./drain.js").catch(() => undefined);
    hookLog(env, drain ? drain.workerFailure(err) : `worker: ${errorText(err)}`);
  } finally {
    releaseWorkerLock(env);
    close?.();
  }
}
