import { watch, type FSWatcher } from "chokidar";
import { existsSync } from "node:fs";
import type { AgentCollector, CollectorContext } from "../types.js";

export interface WatchOptions {
  agents: readonly AgentCollector[];
  ctx: CollectorContext;
  /** Runs a sync of the given agents; the watcher never runs two at once. */
  sync: (agents: AgentCollector[]) => Promise<void>;
  /** Quiet time after the last change before syncing (default 1.5 s). */
  debounceMs?: number;
  /** Safety-net full pass, also picks up roots created after start (default 5 min). */
  sweepMs?: number;
  onError?: (err: unknown) => void;
}

export interface Watcher {
  /** Resolves once the initial scan of every watched root is done: changes after this are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The trigger for agents without hooks: watches every agent's storage roots, debounces bursts of
 * writes, and syncs the agents whose files changed. Syncs are serialised; changes that arrive
 * during a sync schedule one more.
 */
export function watchAgents(options: WatchOptions): Watcher {
  const debounceMs = options.debounceMs ?? 1_500;
  const dirty = new Set<AgentCollector>();
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const runPending = async () => {
    if (running || closed || dirty.size === 0) return;
    const agents = [...dirty];
    dirty.clear();
    running = options.sync(agents).catch((err) => options.onError?.(err));
    await running;
    running = undefined;
    if (dirty.size) schedule();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void runPending(), debounceMs);
  };
  const markDirty = (agent: AgentCollector) => {
    dirty.add(agent);
    schedule();
  };

  const attach = (): Array<Promise<void>> => {
    const scans: Array<Promise<void>> = [];
    for (const agent of options.agents) {
      for (const root of agent.roots(options.ctx)) {
        const key = `${agent.id}:${root}`;
        if (watchers.has(key) || !existsSync(root)) continue;
        const w = watch(root, { ignoreInitial: true, depth: 8, awaitWriteFinish: false, ignored: (p) => /node_modules|\.git\//.test(p) });
        w.on("all", () => markDirty(agent));
        w.on("error", (err) => options.onError?.(err));
        // chokidar misses changes made before its initial scan finishes.
        scans.push(new Promise<void>((resolve) => w.once("ready", () => resolve())));
        watchers.set(key, w);
      }
    }
    return scans;
  };
  const ready = Promise.all(attach()).then(() => undefined);
  const sweep = setInterval(() => {
    attach();
    for (const agent of options.agents) dirty.add(agent);
    void runPending();
  }, options.sweepMs ?? 5 * 60_000);

  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(sweep);
      await Promise.all([...watchers.values()].map((w) => w.close()));
      await running;
    },
  };
}
