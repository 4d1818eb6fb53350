import { stat } from "node:fs/promises";
import { join } from "node:path";
import { appendLogLine } from "../log-file.js";
import { logsDir } from "../paths.js";
import { OpenSyncError, type OpenSyncClient } from "@opensync/protocol/client";
import type { Redactor } from "../redaction/index.js";
import type { AgentCollector, Chunk, CollectorContext, SourceUnit, UnitFingerprint } from "../types.js";
import { knownDestination, resolveDestination } from "./destination.js";
import { prepareChunk } from "./prepare.js";
import { canResume, tailFor } from "./resume-guard.js";
import type { StateStore } from "./state.js";
import { Uploader, UploadUnavailableError, type RejectedItem, type UploaderOptions } from "./uploader.js";

/**
 * - `incremental` (default): every unit from its checkpoint; units unchanged since then are skipped.
 * - `new`: only units never synced before.
 * - `all`: every unit from the start (a full resync; upserts make it safe).
 */
export type SyncMode = "incremental" | "new" | "all";

export interface SyncProgress {
  agent: string;
  unitIndex: number;
  unitCount: number;
  bytesRead: number;
  bytesTotal: number;
  sessions: number;
  messages: number;
}

export interface AgentSummary {
  agent: string;
  unitsFound: number;
  unitsRead: number;
  sessions: number;
  messages: number;
  bytesRead: number;
  errors: string[];
  unpricedModels: string[];
  /** Items of this agent the server rejected in this run (also kept in the state and logged). */
  rejected: number;
}

export interface SyncSummary {
  dryRun: boolean;
  mode: SyncMode;
  agents: AgentSummary[];
  sessions: number;
  messages: number;
  bytesRead: number;
  requests: number;
  rejected: number;
  /** The first items the server rejected in this run (at most 100), with the reason. */
  rejectedItems: RejectedItem[];
  /** The server and account this run sent to (checkpoints are kept per destination). */
  destination: string | null;
  durationMs: number;
}

export interface SyncOptions {
  client: OpenSyncClient;
  state: StateStore;
  ctx: CollectorContext;
  agents: readonly AgentCollector[];
  redactor: Redactor;
  mode?: SyncMode;
  dryRun?: boolean;
  /** Sync exactly these units (a hook names its transcript) instead of discovering. */
  units?: SourceUnit[];
  uploader?: UploaderOptions;
  onProgress?: (progress: SyncProgress) => void;
  /** Lines for the sync log (`~/.opensync/logs`): rejected items, never message text. */
  log?: (line: string) => void;
  /** Applied to each chunk before redaction and upload, e.g. to drop parts a user chose not to sync. */
  transformChunk?: (chunk: Chunk, agent: AgentCollector) => Chunk;
}

/**
 * Size and mtime of a unit, used to skip units unchanged since their checkpoint. A SQLite unit
 * counts its `-wal` file too: agents write there long before the main file changes.
 */
async function sizeOf(path: string): Promise<UnitFingerprint> {
  const one = async (p: string) => {
    try {
      const s = await stat(p);
      return { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return { size: 0, mtimeMs: 0 };
    }
  };
  const [main, wal] = await Promise.all([one(path), one(`${path}-wal`)]);
  return { size: main.size + wal.size, mtimeMs: Math.max(main.mtimeMs, wal.mtimeMs) };
}

/** The unit's fingerprint: the collector's own when it has one, else size and mtime. */
export function fingerprintOf(agent: AgentCollector, unit: SourceUnit): Promise<UnitFingerprint> {
  return agent.fingerprint ? agent.fingerprint(unit) : sizeOf(unit.path);
}

const MAX_REPORTED_REJECTIONS = 100;

/**
 * The sync engine: for each agent, discover units, read each from its checkpoint, prepare the
 * chunks (redaction, pricing, limits) and upload them. Checkpoints belong to the destination (server
 * and account). A checkpoint moves only after the server acknowledged everything before it, and a
 * unit counts as synced only when a read of it reached the end and every chunk was acknowledged:
 * an interrupted read resumes where it stopped, even if the file never changes again. Throws when
 * the server is unavailable or refuses the key: nothing is lost, the next run resumes from the last
 * acknowledged checkpoint. Items the server rejects are recorded, logged and reported.
 */
export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  const started = Date.now();
  const mode = options.mode ?? "incremental";
  const dryRun = options.dryRun ?? false;
  // A dry run needs no server: it compares with the destination's checkpoints if they are known.
  // The first sync with a key asks the server who it is (GET /api/me): that round trip runs while
  // the first agent's sources are discovered and fingerprinted, and is awaited before any is read.
  const destinationLookup: Promise<string | null> = dryRun
    ? Promise.resolve(knownDestination(options.state, options.client) ?? null)
    : resolveDestination(options.state, options.client);
  destinationLookup.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
  let destination: string | null | undefined;
  let checkpoints: ReturnType<StateStore["checkpoints"]> | undefined;
  let rejections: ReturnType<StateStore["rejections"]> | undefined;
  const destinationKnown = async () => {
    if (destination === undefined) {
      destination = await destinationLookup;
      checkpoints = destination ? options.state.checkpoints(destination) : undefined;
      rejections = destination ? options.state.rejections(destination) : undefined;
    }
    return { checkpoints, rejections };
  };
  const summaries: AgentSummary[] = [];
  const rejectedItems: RejectedItem[] = [];
  const syncLog = join(logsDir(options.ctx.env), "sync.log");
  const log = options.log ?? ((line: string) => appendLogLine(syncLog, line));
  const uploader = new Uploader(options.client, {
    ...options.uploader,
    onRejected: (items) => {
      rejections?.record(items.map((r) => ({ ...r, at: Date.now() })));
      for (const r of items) {
        const summary = summaries.find((s) => s.agent === r.agent);
        if (summary) summary.rejected++;
        if (rejectedItems.length < MAX_REPORTED_REJECTIONS) rejectedItems.push(r);
        log(`rejected by the server: ${r.kind} ${r.externalId ?? "?"} of session ${r.sessionExternalId ?? "?"} (${r.unitKey}): ${r.error}`);
      }
    },
  });

  for (const agent of options.agents) {
    const summary: AgentSummary = { agent: agent.id, unitsFound: 0, unitsRead: 0, sessions: 0, messages: 0, bytesRead: 0, errors: [], unpricedModels: [], rejected: 0 };
    summaries.push(summary);
    const unpriced = new Set<string>();
    let units: SourceUnit[];
    try {
      units = options.units ? options.units.filter((u) => u.agent === agent.id) : await agent.discover(options.ctx);
    } catch (err) {
      summary.errors.push(`discovery failed: ${(err as Error).message}`);
      continue;
    }
    summary.unitsFound = units.length;
    const fingerprinted = await Promise.all(units.map(async (unit) => ({ unit, fingerprint: await fingerprintOf(agent, unit) })));
    const { checkpoints, rejections } = await destinationKnown();
    const todo = fingerprinted.filter(({ unit, fingerprint }) => {
      if (!checkpoints || mode === "all") return true;
      const saved = checkpoints.get(unit.key);
      if (mode === "new") return !saved;
      return !checkpoints.isUpToDate(unit.key, fingerprint);
    });
    const bytesTotal = todo.reduce((n, u) => n + u.fingerprint.size, 0);

    for (const [index, { unit, fingerprint }] of todo.entries()) {
      const saved = mode === "all" ? undefined : checkpoints?.get(unit.key);
      const resumable = saved && (await canResume(unit.path, saved.checkpoint, saved.tail));
      const from = resumable ? saved.checkpoint : undefined;
      const readStartedAt = Date.now();
      const origin = { unitKey: unit.key, agent: agent.id };
      let unitBytes = 0;
      let lastCheckpoint: unknown = from ?? null;
      try {
        for await (const chunk of agent.read(unit, from, options.ctx)) {
          const prepared = prepareChunk(options.transformChunk ? options.transformChunk(chunk, agent) : chunk, options.redactor);
          for (const m of prepared.unpricedModels) unpriced.add(m);
          summary.sessions += prepared.sessions.length;
          summary.messages += prepared.messages.length;
          unitBytes += chunk.bytesRead ?? 0;
          summary.bytesRead += chunk.bytesRead ?? 0;
          lastCheckpoint = chunk.checkpoint;
          if (!dryRun && checkpoints) {
            const record = { key: unit.key, agent: agent.id, checkpoint: chunk.checkpoint, sessions: prepared.sessions.length, messages: prepared.messages.length, tail: await tailFor(unit.path, chunk.checkpoint) };
            await uploader.push(prepared, () => checkpoints.saveProgress(record), origin);
          }
          options.onProgress?.({ agent: agent.id, unitIndex: index, unitCount: todo.length, bytesRead: summary.bytesRead, bytesTotal, sessions: summary.sessions, messages: summary.messages });
        }
        summary.unitsRead++;
        // The read reached the end: once everything before is acknowledged, the unit is synced as
        // of the fingerprint taken before reading (later writes change it, so they are read next time).
        if (!dryRun && checkpoints) {
          const complete = lastCheckpoint;
          await uploader.push({ sessions: [], messages: [] }, () => {
            checkpoints.markComplete(unit.key, agent.id, fingerprint, complete);
            if (!from) rejections?.settleUnit(unit.key, readStartedAt);
          });
        }
      } catch (err) {
        if (isFatal(err)) {
          await uploader.flush().catch(() => {});
          throw err;
        }
        summary.errors.push(`${unit.path}: ${(err as Error).message}`);
      }
      if (unitBytes === 0) summary.bytesRead += Math.max(0, fingerprint.size - (saved?.complete ? saved.size : 0));
    }
    summary.unpricedModels = [...unpriced];
  }

  await destinationKnown(); // with no agent to sync, an unreachable server or refused key still fails the run
  if (!dryRun) await uploader.flush();
  const now = Date.now();
  if (!dryRun) {
    for (const s of summaries) {
      const problems = [...s.errors, ...(s.rejected ? [`${s.rejected} item(s) rejected by the server`] : [])];
      options.state.recordRun({ agent: s.agent, finishedAt: now, sessions: s.sessions, messages: s.messages, ok: problems.length === 0, error: problems[0] ?? null });
    }
  }
  return {
    dryRun,
    mode,
    agents: summaries,
    sessions: summaries.reduce((n, s) => n + s.sessions, 0),
    messages: summaries.reduce((n, s) => n + s.messages, 0),
    bytesRead: summaries.reduce((n, s) => n + s.bytesRead, 0),
    requests: uploader.totals.requests,
    rejected: uploader.totals.rejected,
    rejectedItems,
    destination: destination ?? null,
    durationMs: now - started,
  };
}

/** Upload failures end the run (the server is down or refuses us); parse failures skip one unit. */
function isFatal(err: unknown): boolean {
  return err instanceof UploadUnavailableError || err instanceof OpenSyncError;
}
