import type { Command } from "commander";
import {
  AGENTS,
  NotConfiguredError,
  openSyncContext,
  runSync,
  selectAgents,
  SyncBusyError,
  UploadUnavailableError,
  withSyncLease,
  type SyncMode,
  type SyncSummary,
} from "@opensync/collectors";
import { OpenSyncError } from "@opensync/protocol/client";
import { CliError, EXIT, printJson } from "../output.js";
import { fmtInt, fmtMB, ProgressBar } from "../progress.js";

interface SyncFlags {
  agent?: string[];
  new?: boolean;
  all?: boolean;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function printSummary(summary: SyncSummary): void {
  const verb = summary.dryRun ? "Would sync" : "Synced";
  for (const a of summary.agents) {
    if (!a.unitsFound && !a.errors.length) continue;
    process.stdout.write(`${a.agent.padEnd(12)} ${String(a.unitsRead).padStart(5)}/${a.unitsFound} sources read  ${fmtInt(a.sessions).padStart(7)} session upserts  ${fmtInt(a.messages).padStart(9)} messages\n`);
    for (const e of a.errors.slice(0, 5)) process.stdout.write(`  error: ${e}\n`);
    if (a.unpricedModels.length) process.stdout.write(`  unpriced models (cost left unknown): ${a.unpricedModels.join(", ")}\n`);
  }
  const secs = summary.durationMs / 1000;
  const rate = secs > 0 ? ` (${(summary.bytesRead / 1_048_576 / secs).toFixed(1)} MB/s)` : "";
  process.stdout.write(`${verb} ${fmtInt(summary.messages)} messages in ${fmtInt(summary.sessions)} session upserts from ${fmtMB(summary.bytesRead)} MB in ${secs.toFixed(1)} s${rate}.\n`);
  if (summary.rejected) {
    process.stdout.write(`The server rejected ${summary.rejected} item(s) (kept in \`opensync status\` and ~/.opensync/logs/sync.log):\n`);
    for (const r of summary.rejectedItems.slice(0, 5)) process.stdout.write(`  ${r.agent} ${r.kind} ${r.externalId ?? "?"} in session ${r.sessionExternalId ?? "?"}: ${r.error}\n`);
  }
}

function modeOf(flags: SyncFlags): SyncMode {
  const chosen = [flags.new, flags.all || flags.force].filter(Boolean).length;
  if (chosen > 1) throw new CliError("--new and --all/--force cannot be combined", EXIT.usage);
  return flags.new ? "new" : flags.all || flags.force ? "all" : "incremental";
}

/** Runs one sync under the machine-wide lease, with a progress bar and a summary or JSON. */
export async function syncCommand(flags: SyncFlags, progressLabel: boolean): Promise<SyncSummary | undefined> {
  let context;
  try {
    context = openSyncContext();
  } catch (err) {
    if (err instanceof NotConfiguredError) throw new CliError(err.message, EXIT.notConfigured);
    throw err;
  }
  const bar = new ProgressBar(progressLabel && !flags.json && Boolean(process.stderr.isTTY));
  try {
    const agents = selectAgents(flags.agent, context.settings);
    const summary = await withSyncLease(
      context.state,
      () =>
        runSync({
          client: context.client,
          state: context.state,
          ctx: context.ctx,
          agents,
          redactor: context.redactor,
          transformChunk: context.transformChunk,
          mode: modeOf(flags),
          dryRun: flags.dryRun,
          uploader: { maxMessages: context.settings.batchMessages, maxBytes: context.settings.batchBytes, attempts: 4 },
          onProgress: (p) => bar.update(p),
        }),
      { force: flags.force, waitMs: 30_000, who: progressLabel ? "opensync import" : "opensync sync" },
    );
    bar.done();
    if (!summary) return undefined;
    if (flags.json) printJson(summary);
    else printSummary(summary);
    if (summary.agents.some((a) => a.errors.length) || summary.rejected) process.exitCode = EXIT.failure;
    return summary;
  } catch (err) {
    bar.done();
    if (err instanceof SyncBusyError) throw new CliError(err.message, EXIT.failure);
    if (err instanceof UploadUnavailableError || (err instanceof OpenSyncError && err.status === 0)) {
      throw new CliError(`${err.message}\nNothing was lost: the next sync resumes from the last acknowledged point.`, EXIT.unreachable);
    }
    if (err instanceof OpenSyncError && err.status === 401) throw new CliError(`the server refused the API key (${err.message}); run \`opensync login\``, EXIT.unauthorized);
    throw err;
  } finally {
    context.state.close();
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
const agentHelp = `agent to sync (repeatable): ${AGENTS.map((a) => a.id).join(", ")}`;

export function registerSync(program: Command): void {
  program
    .command("sync")
    .description("sync new and changed sessions of every agent on this machine (resumable, idempotent)")
    .option("--agent <id>", agentHelp, collect)
    .option("--new", "only sources never synced before")
    .option("--all", "re-read every source from the start (safe: the server deduplicates)")
    .option("--force", "like --all, and take over the sync lock from a stuck sync")
    .option("--dry-run", "parse and count, upload nothing")
    .option("--json", "machine-readable summary")
    .addHelpText(
      "after",
      "\nExamples:\n  opensync sync\n  opensync sync --agent claude-code --dry-run\n  opensync sync --all --json\n\nExit codes: 0 ok, 1 some sources failed, 3 not logged in, 4 server unreachable, 5 key refused.",
    )
    .action(async (flags: SyncFlags) => {
      await syncCommand(flags, false);
    });

  program
    .command("import")
    .description("import this machine's whole agent history, with progress (resumable: run it again after an interruption)")
    .option("--agent <id>", agentHelp, collect)
    .option("--all", "re-read every source from the start")
    .option("--json", "machine-readable summary")
    .addHelpText("after", "\nExamples:\n  opensync import\n  opensync import --agent codex-cli")
    .action(async (flags: SyncFlags) => {
      await syncCommand(flags, true);
    });
}
