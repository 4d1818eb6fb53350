import type { Command } from "commander";
import { openSyncContext, runSync, selectAgents, watchAgents, withSyncLease, type SyncContext, type Watcher } from "@opensync/collectors";
import { printSummary } from "./sync.js";

/** On Ctrl-C, a sync still uploading gets this long to finish; its acknowledged part is kept either way. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Starts the watcher over a sync context; each sync runs under the machine-wide lease.
 *
 * When another sync holds the lease, the watcher waits for it rather than asking the holder to run
 * again: the holder's rerun repeats the holder's own work (a hook worker syncs only its queued
 * transcripts, `opensync sync --agent x` only x), not the agents this watcher saw change, which
 * would then wait for the next change or sweep. Closing the watcher stops the wait.
 */
export function startWatching(context: SyncContext, agentIds: string[] | undefined, log: (line: string) => void): Watcher {
  const agents = selectAgents(agentIds, context.settings);
  const closing = new AbortController();
  const watcher = watchAgents({
    agents,
    ctx: context.ctx,
    sync: async (changed) => {
      const summary = await withSyncLease(
        context.state,
        () => runSync({ client: context.client, state: context.state, ctx: context.ctx, agents: changed, redactor: context.redactor, transformChunk: context.transformChunk }),
        { waitMs: Number.POSITIVE_INFINITY, signal: closing.signal, who: "opensync watch" },
      );
      if (summary && summary.messages + summary.sessions > 0) log(`${new Date().toLocaleTimeString()} synced ${summary.messages} messages (${changed.map((a) => a.id).join(", ")})`);
    },
    onError: (err) => log(`${new Date().toLocaleTimeString()} sync failed: ${(err as Error).message} (will retry on the next change)`),
  });
  return {
    ready: watcher.ready,
    async close() {
      closing.abort();
      await watcher.close();
    },
  };
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("watch every agent's storage and sync changes within seconds, until stopped (Ctrl-C)")
    .option("--agent <id>", "only this agent (repeatable)", (v: string, p: string[] = []) => [...p, v])
    .addHelpText("after", "\nExample:\n  opensync watch            # first syncs what is pending, then follows changes")
    .action(async (opts: { agent?: string[] }) => {
      const context = openSyncContext();
      const first = await withSyncLease(
        context.state,
        () =>
          runSync({ client: context.client, state: context.state, ctx: context.ctx, agents: selectAgents(opts.agent, context.settings), redactor: context.redactor, transformChunk: context.transformChunk }),
        { waitMs: 30_000, who: "opensync watch" },
      );
      if (first) printSummary(first);
      const watcher = startWatching(context, opts.agent, (line) => process.stdout.write(line + "\n"));
      await watcher.ready;
      process.stdout.write("Watching for new sessions. Press Ctrl-C to stop.\n");
      const signal = await new Promise<keyof typeof EXIT_CODES>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      // A sync in flight already gave the lease back (lease.ts); do not wait on a stalled upload for long.
      const closed = await Promise.race([watcher.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_GRACE_MS).unref())]);
      if (closed) context.state.close();
      process.exit(EXIT_CODES[signal]);
    });
}
