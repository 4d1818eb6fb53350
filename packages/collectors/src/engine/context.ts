import { OpenSyncClient } from "@opensync/protocol/client";
import { defaultMachine, stateDir } from "../paths.js";
import { createRedactor, type Redactor } from "../redaction/index.js";
import { AGENTS, findAgent } from "../registry.js";
import { loadCredentials, loadSettings, type Settings } from "../settings.js";
import { claudeChunkTransform } from "../agents/claude-code/part-filter.js";
import { loadClaudeSyncConfig } from "../agents/claude-code/plugin-config.js";
import type { AgentCollector, Chunk, CollectorContext } from "../types.js";
import { createByteBodyFetch } from "./byte-body-fetch.js";
import { StateStore } from "./state.js";

type Env = Record<string, string | undefined>;

export class NotConfiguredError extends Error {}

export interface SyncContext {
  client: OpenSyncClient;
  state: StateStore;
  redactor: Redactor;
  ctx: CollectorContext;
  settings: Settings;
  serverUrl: string;
  /** What the user chose not to upload (Claude Code's `sync_thinking` / `sync_tool_calls`), for every sync path. */
  transformChunk: (chunk: Chunk, agent: AgentCollector) => Chunk;
}

/** The user's part filter, applied by every sync (hooks, `sync`, `watch`, `up`) alike. */
export function chunkTransform(env: Env = process.env): SyncContext["transformChunk"] {
  return claudeChunkTransform(loadClaudeSyncConfig(env));
}

export function collectorContext(env: Env = process.env, settings: Settings = loadSettings(env)): CollectorContext {
  return { home: env.HOME || process.env.HOME || "", env, machine: env.OPENSYNC_MACHINE || settings.machine || defaultMachine() };
}

/** Everything a sync needs, from `~/.opensync` and the environment. */
export function openSyncContext(env: Env = process.env, overrides: { serverUrl?: string; apiKey?: string } = {}): SyncContext {
  const settings = loadSettings(env);
  const creds = loadCredentials(env);
  const serverUrl = overrides.serverUrl ?? creds.serverUrl;
  const apiKey = overrides.apiKey ?? creds.apiKey;
  if (!serverUrl || !apiKey) throw new NotConfiguredError("not logged in: run `opensync login` (or set OPENSYNC_URL and OPENSYNC_API_KEY)");
  return {
    // Batches are posted as bytes by node:http(s), without the copy Node's fetch makes of them.
    client: new OpenSyncClient({ baseUrl: serverUrl, apiKey, timeoutMs: 120_000, fetch: createByteBodyFetch() }),
    state: new StateStore(stateDir(env)),
    redactor: createRedactor({ disabled: settings.redaction?.enabled === false, disable: settings.redaction?.disable }),
    ctx: collectorContext(env, settings),
    settings,
    serverUrl,
    transformChunk: chunkTransform(env),
  };
}

/** The agents to sync: `--agent` names (validated) or every enabled agent. */
export function selectAgents(names: string[] | undefined, settings: Settings): AgentCollector[] {
  if (names && names.length) {
    return names.map((n) => {
      const agent = findAgent(n);
      if (!agent) throw new Error(`unknown agent "${n}"; known: ${AGENTS.map((a) => a.id).join(", ")}`);
      return agent;
    });
  }
  const disabled = new Set(settings.disabledAgents ?? []);
  return AGENTS.filter((a) => !disabled.has(a.id));
}
