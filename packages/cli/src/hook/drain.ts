import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  claudeChunkTransform,
  findAgent,
  loadCredentials,
  NotConfiguredError,
  openSyncContext,
  runSync,
  withSyncLease,
  type AgentCollector,
  type SourceUnit,
  type SyncContext,
  type SyncSummary,
} from "@opensync/collectors";
import { loadClaudeSyncConfig, type ClaudeSyncConfig } from "@opensync/collectors";
import { syncLeaseHolder } from "@opensync/collectors";
import { OpenSyncClient } from "@opensync/protocol/client";
import { errorText, hookLog } from "./log.js";
import { listQueue, settle, type QueuedItem } from "./queue.js";

type Env = NodeJS.ProcessEnv;

/*
 * The hook worker's engine half, loaded only once a worker holds the worker lock (worker.ts):
 * which server each agent goes to, which units a queue entry means, and one sync pass under the
 * machine-wide lease. Also the foreground `SyncNow`.
 */

/** A deferred worker keeps checking that the lease holder took its work, this long at most. */
const WAIT_FOR_HOLDER_MS = 60_000;
/** Few retries: the agent is not waiting, and the next trigger (or `opensync sync`) resends. */
const UPLOAD_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HookContext {
  base: SyncContext;
  claude: ClaudeSyncConfig;
  /** The Claude Code plugin may name its own server (`~/.claude-code-sync.json`, CLAUDE_SYNC_*). */
  clientFor(agent: string): OpenSyncClient | undefined;
}

/**
 * Server and key: for Claude Code, `~/.claude-code-sync.json` / CLAUDE_SYNC_* first, each falling
 * back to `~/.opensync/credentials.json` / OPENSYNC_*; for the other agents the opensync credentials.
 */
export function openHookContext(env: Env): HookContext {
  const claude = loadClaudeSyncConfig(env);
  const creds = loadCredentials(env);
  const claudeUrl = claude.serverUrl ?? creds.serverUrl;
  const claudeKey = claude.apiKey ?? creds.apiKey;
  const base = openSyncContext(env, { serverUrl: creds.serverUrl ?? claudeUrl, apiKey: creds.apiKey ?? claudeKey });
  const ownClaude = claudeUrl && claudeKey && (claudeUrl !== base.serverUrl || claudeKey !== creds.apiKey);
  const claudeClient = ownClaude ? new OpenSyncClient({ baseUrl: claudeUrl, apiKey: claudeKey, timeoutMs: 60_000 }) : base.client;
  const complete = Boolean(creds.serverUrl && creds.apiKey);
  return {
    base,
    claude,
    clientFor: (agent) => (agent === "claude-code" ? (claudeUrl && claudeKey ? claudeClient : undefined) : complete ? base.client : undefined),
  };
}

/** Subagent transcripts of a session sit in `<session>/subagents/agent-*.jsonl` next to it. */
function withSubagents(agent: AgentCollector, transcript: string): SourceUnit[] {
  const units = [agent.unitFor(transcript)];
  const dir = join(dirname(transcript), basename(transcript, ".jsonl"), "subagents");
  try {
    for (const name of readdirSync(dir).sort()) if (name.endsWith(".jsonl")) units.push(agent.unitFor(join(dir, name)));
  } catch {
    // no subagents
  }
  return units;
}

interface Plan {
  /** Explicit units (a transcript, a Codex thread), per agent. */
  units: Map<AgentCollector, SourceUnit[]>;
  /** Agents to sync whole (incremental discovery). */
  whole: Set<AgentCollector>;
}

async function planFor(items: QueuedItem[], context: HookContext, env: Env): Promise<Plan> {
  const plan: Plan = { units: new Map(), whole: new Set() };
  const add = (agent: AgentCollector, units: SourceUnit[]) => {
    const list = plan.units.get(agent) ?? [];
    for (const u of units) if (!list.some((x) => x.key === u.key)) list.push(u);
    plan.units.set(agent, list);
  };
  for (const { entry } of items) {
    const agent = findAgent(entry.agent);
    if (!agent) {
      hookLog(env, `worker: unknown agent "${entry.agent}" queued; ignored`);
      continue;
    }
    if (entry.path) add(agent, agent.id === "claude-code" ? withSubagents(agent, entry.path) : [agent.unitFor(entry.path)]);
    else if (entry.threadId) {
      const matching = (await agent.discover(context.base.ctx)).filter((u) => u.path.includes(entry.threadId!));
      if (matching.length) add(agent, matching);
      else plan.whole.add(agent);
    } else plan.whole.add(agent);
  }
  for (const agent of plan.whole) plan.units.delete(agent);
  return plan;
}

async function syncPlan(plan: Plan, context: HookContext, env: Env): Promise<SyncSummary[]> {
  const { base } = context;
  const transformChunk = claudeChunkTransform(context.claude);
  const summaries: SyncSummary[] = [];
  const jobs: Array<{ agent: AgentCollector; units?: SourceUnit[] }> = [
    ...[...plan.units].map(([agent, units]) => ({ agent, units })),
    ...[...plan.whole].map((agent) => ({ agent })),
  ];
  for (const job of jobs) {
    const client = context.clientFor(job.agent.id);
    if (!client) {
      hookLog(env, `worker: no server configured for ${job.agent.id}; run \`opensync login\``);
      continue;
    }
    summaries.push(
      await runSync({
        client,
        state: base.state,
        ctx: base.ctx,
        agents: [job.agent],
        redactor: base.redactor,
        units: job.units,
        transformChunk,
        uploader: { attempts: UPLOAD_ATTEMPTS, maxMessages: base.settings.batchMessages, maxBytes: base.settings.batchBytes },
      }),
    );
  }
  return summaries;
}

/** One pass over the queue, under the lease. A failure keeps the queue for the next trigger. */
async function drainQueue(context: HookContext, env: Env): Promise<{ ok: boolean }> {
  const items = listQueue(env);
  if (!items.length) return { ok: true };
  const started = Date.now();
  try {
    const summaries = await syncPlan(await planFor(items, context, env), context, env);
    for (const item of items) settle(item);
    const messages = summaries.reduce((n, s) => n + s.messages, 0);
    const errors = summaries.flatMap((s) => s.agents.flatMap((a) => a.errors));
    const what = items.map((i) => `${i.entry.agent}${i.entry.event ? `:${i.entry.event}` : ""}`).join(", ");
    hookLog(env, `synced ${messages} messages for ${what} in ${Date.now() - started} ms${errors.length ? `; errors: ${errors.slice(0, 3).join("; ")}` : ""}`);
    return { ok: true };
  } catch (err) {
    hookLog(env, `sync failed, kept for the next trigger: ${errorText(err)}`);
    return { ok: false };
  }
}

/** The log line for a worker that could not run. */
export function workerFailure(err: unknown): string {
  return err instanceof NotConfiguredError ? `not configured: ${err.message}` : `worker: ${errorText(err)}`;
}

/** Who a hook worker is to whoever finds the lease taken. */
const WORKER = "hook worker";

/**
 * Drains the queue under the machine lease. While another sync holds it, asks the holder for one
 * more pass and checks again every second; after `waitForHolderMs` it gives up, says so in the
 * hook log (with who holds the lease) and leaves the queue to the next trigger.
 */
export async function drainUnderLease(context: HookContext, env: Env, waitForHolderMs = WAIT_FOR_HOLDER_MS): Promise<void> {
  const deadline = Date.now() + waitForHolderMs;
  while (listQueue(env).length) {
    const ran = await withSyncLease(context.base.state, () => drainQueue(context, env), { deferToHolder: true, who: WORKER });
    if (ran) return;
    if (Date.now() >= deadline) {
      const holder = syncLeaseHolder(context.base.state) ?? "a sync that has just finished";
      const queued = listQueue(env).length;
      hookLog(env, `worker: gave up after ${waitForHolderMs / 1000} s waiting for the sync lease, held by ${holder}; ${queued} queued target(s) kept for the next trigger`);
      return;
    }
    await sleep(1_000);
  }
}

/**
 * `/claude-code-sync:sync-now` (the Claude Code plugin's command): a foreground sync of Claude Code (the named transcript, or every
 * transcript), ignoring `auto_sync`, with a one-line report for the user.
 */
export async function runSyncNow(env: Env, transcript?: string): Promise<void> {
  let context: HookContext;
  try {
    context = openHookContext(env);
  } catch (err) {
    process.stdout.write(`OpenSync is not configured: ${errorText(err)}\n`);
    return;
  }
  try {
    const agent = findAgent("claude-code")!;
    const plan: Plan = transcript ? { units: new Map([[agent, withSubagents(agent, transcript)]]), whole: new Set() } : { units: new Map(), whole: new Set([agent]) };
    const summaries = await withSyncLease(context.base.state, () => syncPlan(plan, context, env), { waitMs: 30_000, who: "Claude Code sync-now" });
    const messages = (summaries ?? []).reduce((n, s) => n + s.messages, 0);
    const read = (summaries ?? []).reduce((n, s) => n + s.agents.reduce((m, a) => m + a.unitsRead, 0), 0);
    process.stdout.write(`OpenSync: ${read} transcript(s) with changes, ${messages} message(s) sent to ${context.base.serverUrl}\n`);
  } catch (err) {
    process.stdout.write(`OpenSync sync failed: ${errorText(err)}\nNothing is lost: the next sync resends from the last acknowledged point.\n`);
    hookLog(env, `sync-now failed: ${errorText(err)}`);
  } finally {
    context.base.state.close();
  }
}
